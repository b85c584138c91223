package router

import "testing"

// TestMayGatherInfo: the cheap test a prepared execution asks before the
// information_schema planners covers every statement they answer.
func TestMayGatherInfo(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SHOW TABLE STATUS", true},
		{"SHOW INDEX FROM t", true},
		{"SHOW FUNCTION STATUS", true},
		{"SHOW PROCEDURE STATUS", true},
		{"SELECT * FROM information_schema.tables WHERE table_name = 't'", true},
		{"SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS UNION SELECT 1", true},
		{"SELECT v FROM ranged WHERE id = 7", false},
		{"SHOW TABLES", false},
		{"INSERT INTO t VALUES (1)", false},
	} {
		st, err := NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := MayGatherInfo(st, "shop"); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.sql, got, tc.want)
		}
	}
}
