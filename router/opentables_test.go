package router

import "testing"

func TestOpenTablesText(t *testing.T) {
	p := NewParser()
	r := gatherRouter(t)
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	for _, tc := range []struct{ sql, want string }{
		{"SHOW OPEN TABLES", "SHOW OPEN TABLES WHERE `Database` IN (_utf8mb3 X'63726d', _utf8mb3 X'73686f70')"},
		{"SHOW OPEN TABLES FROM shop LIKE 'o%'", "SHOW OPEN TABLES FROM `shop` WHERE `Database` IN (_utf8mb3 X'63726d', _utf8mb3 X'73686f70') AND (CONVERT(`Table` USING utf8mb4) COLLATE utf8mb4_bin LIKE 'o%')"},
		{"SHOW OPEN TABLES WHERE In_use > 0", "SHOW OPEN TABLES WHERE `Database` IN (_utf8mb3 X'63726d', _utf8mb3 X'73686f70') AND (`In_use`>0)"},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.FilterInfoSchema(st, tc.sql, "shop", view)
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got  %s %v\n want %s", tc.sql, got, err, tc.want)
		}
	}
	st, _ := p.Parse("SHOW OPEN TABLES")
	if got, _ := r.FilterInfoSchema(st, "SHOW OPEN TABLES", "shop", InfoSchemaView{Shard: "s0"}); got != "SHOW OPEN TABLES WHERE 0" {
		t.Errorf("no schema: %s", got)
	}
}
