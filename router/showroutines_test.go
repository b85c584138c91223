package router

import (
	"strings"
	"testing"
)

func TestShowRoutinesQuery(t *testing.T) {
	r := gatherRouter(t)
	p := NewParser()
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	for _, tc := range []struct {
		sql, want string
		reads     int
	}{
		{"SHOW FUNCTION STATUS", "WHERE ROUTINE_TYPE = _utf8mb3 X'46554e4354494f4e') AS `ROUTINES` ORDER BY CAST(`Db` AS BINARY), `Name`", 2},
		{"SHOW PROCEDURE STATUS LIKE 'p%'", ") AS `ROUTINES` WHERE `Name` LIKE 'p%' ORDER BY", 2},
		{"SHOW PROCEDURE STATUS WHERE Db = 'shop'", ") AS `ROUTINES` WHERE `Db`='shop' ORDER BY", 2},
		{"SHOW TABLES", "", 0},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		g := r.PlanShowRoutines(st, "shop", view)
		if tc.want == "" {
			if g != nil {
				t.Errorf("%s: gathered", tc.sql)
			}
			continue
		}
		if g == nil || len(g.Reads) != tc.reads || !strings.HasPrefix(g.DefsSQL(), "SHOW ") {
			t.Fatalf("%s: %+v", tc.sql, g)
		}
		q, err := g.Rewrite(map[string]map[string]*InfoResult{"routines": {}}, Identity{})
		if err != nil || !strings.Contains(q, tc.want) {
			t.Errorf("%s:\n%s %v\nwant %s in it", tc.sql, q, err, tc.want)
		}
	}
}
