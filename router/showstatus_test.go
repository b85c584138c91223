package router

import "testing"

func TestStatusFilter(t *testing.T) {
	rows := []StatusRow{{Name: "Ssl_cipher", Value: "X"}, {Name: "Ssl_version", Value: "TLSv1.3"}}
	derived := "SELECT Variable_name FROM (SELECT CAST(_utf8mb3 X'53736c5f636970686572' AS CHAR(64) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci AS Variable_name, " +
		"CAST(_utf8mb3 X'58' AS CHAR(2048) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci AS Value UNION ALL " +
		"SELECT CAST(_utf8mb3 X'53736c5f76657273696f6e' AS CHAR(64) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci AS Variable_name, " +
		"CAST(_utf8mb3 X'544c5376312e33' AS CHAR(2048) CHARACTER SET utf8mb3) COLLATE utf8mb3_general_ci AS Value) AS xaproxy_status WHERE "
	p := NewParser()
	for _, tc := range []struct{ sql, want string }{
		{"SHOW STATUS", ""},
		{"SHOW GLOBAL STATUS", ""},
		{"SHOW SESSION STATUS LIKE 'Ssl%'", derived + "Variable_name LIKE 'Ssl%'"},
		{"SHOW STATUS WHERE Value = 'TLSv1.3' AND variable_name LIKE 'ssl%'", derived + "`Value`='TLSv1.3' AND `variable_name` LIKE 'ssl%'"},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		sh, ok := ShowStatus(st)
		if !ok || OpOf(st) != OpShowStatus {
			t.Fatalf("%s: not SHOW STATUS", tc.sql)
		}
		got, err := StatusFilter(sh, rows)
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", tc.sql, got, err, tc.want)
		}
	}
	st, _ := p.Parse("SHOW VARIABLES LIKE 'ssl%'")
	if _, ok := ShowStatus(st); ok {
		t.Error("SHOW VARIABLES taken for SHOW STATUS")
	}
}
