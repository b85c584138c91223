package router

import "testing"

func TestClearsDiag(t *testing.T) {
	p := NewParser()
	tests := []struct {
		sql  string
		want bool
	}{
		{"SELECT * FROM t", true},
		{"SHOW VARIABLES LIKE 'x'", true},
		{"SHOW DATABASES", true},
		{"SHOW CREATE DATABASE shop", false},
		{"SHOW PROCESSLIST", false},
		{"SELECT * FROM (SELECT 1) AS d", true},
		{"WITH c AS (SELECT 1) SELECT * FROM c", true},
		{"SELECT (SELECT 1 FROM (SELECT 2) AS d)", true},
		{"SELECT 1", false},
		{"SELECT 1 UNION SELECT 2", false},
		{"DO 1 / 0", false},
		{"SET @a = 1", false},
		{"SHOW WARNINGS", false},
		{"SELECT @@warning_count FROM t", false},
		{"SHOW PACKAGE STATUS", true},     // unparsed
		{"SELECT 1 SOUNDS LIKE 1", false}, // unparsed
	}
	for _, tt := range tests {
		st, err := p.Parse(tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if st.ClearsDiag != tt.want {
			t.Errorf("%s: ClearsDiag %v, want %v", tt.sql, st.ClearsDiag, tt.want)
		}
	}
}
