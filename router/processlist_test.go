package router

import (
	"strings"
	"testing"
)

func TestReadsProcessList(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql, db string
		want    bool
	}{
		{"SHOW PROCESSLIST", "", true},
		{"SHOW FULL PROCESSLIST", "shop", true},
		{"SELECT * FROM information_schema.PROCESSLIST", "", true},
		{"SELECT id FROM INFORMATION_SCHEMA.processlist WHERE id = 1", "shop", true},
		{"SELECT * FROM processlist", "information_schema", true},
		{"SELECT * FROM processlist", "shop", false},
		{"SELECT (SELECT COUNT(*) FROM information_schema.processlist) AS n", "", true},
		{"SELECT * FROM information_schema.TABLES", "", false},
		{"SHOW DATABASES", "", false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := ReadsProcessList(st, tc.db); got != tc.want {
			t.Errorf("ReadsProcessList(%q, db %q) = %v, want %v", tc.sql, tc.db, got, tc.want)
		}
	}
}

func TestRewriteProcessList(t *testing.T) {
	p := NewParser()
	rows := []ProcessRow{
		{ID: 7, User: "app", Host: "10.0.0.1:5000", DB: "shop", Command: "Query", TimeUs: 1500250, State: "executing", Info: "SELECT 1"},
		{ID: 9, User: "app", Host: "10.0.0.1:5001", Command: "Sleep", NoInfo: true},
	}
	id := Identity{ConnID: 7, User: "app@10.0.0.1", CurrentUser: "app@%"}
	for _, tc := range []struct {
		sql     string
		want    []string // substrings of the rewritten text
		refused bool
	}{
		{sql: "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()",
			want: []string{"CAST(7 AS SIGNED) AS ID", "CAST(1 AS SIGNED) AS TIME", "CAST(1500.250 AS DECIMAL(22,3)) AS TIME_MS", "AS `PROCESSLIST`", "CAST(0000000007 AS UNSIGNED)", "CAST(NULL AS CHAR(64) CHARACTER SET utf8mb3)"}},
		{sql: "SELECT COUNT(*) FROM information_schema.processlist p WHERE p.command = 'Sleep'", want: []string{"AS `p`", "UNION ALL"}},
		{sql: "SELECT * FROM information_schema.PROCESSLIST JOIN shop.orders", refused: true},
		{sql: "SELECT * FROM information_schema.PROCESSLIST WHERE ID = ?", refused: true},
		{sql: "DELETE FROM information_schema.PROCESSLIST", refused: true},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		got, err := RewriteProcessList(st, id, "", rows)
		if tc.refused {
			if err == nil {
				t.Errorf("%s: rewritten to %s, want refused", tc.sql, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: rewritten text lacks %q:\n%s", tc.sql, w, got)
			}
		}
	}
}

// TestProcessListTimeMs: TIME_MS keeps the milliseconds' leading zeros.
func TestProcessListTimeMs(t *testing.T) {
	for us, want := range map[int64]string{5000: "CAST(5.000 AS DECIMAL(22,3))", 1005000: "CAST(1005.000 AS DECIMAL(22,3))", 1050: "CAST(1.050 AS DECIMAL(22,3))", 7: "CAST(0.007 AS DECIMAL(22,3))"} {
		if got := processListRow(ProcessRow{TimeUs: us}); !strings.Contains(got, want+" AS TIME_MS") {
			t.Errorf("TimeUs %d: %s, want TIME_MS %s", us, got, want)
		}
	}
}
