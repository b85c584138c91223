package router

import "testing"

func TestFileAccess(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT LOAD_FILE('/etc/hostname')", "LOAD_FILE()"},
		{"SELECT id, load_file(concat('/etc/', 'passwd')) FROM t", "LOAD_FILE()"},
		{"SELECT * FROM t WHERE x = (SELECT LOAD_FILE('/x'))", "LOAD_FILE()"},
		{"INSERT INTO t (b) VALUES (LOAD_FILE('/x'))", "LOAD_FILE()"},
		{"SELECT * FROM t INTO OUTFILE '/tmp/x'", "SELECT ... INTO OUTFILE"},
		{"SELECT a FROM t LIMIT 1 INTO DUMPFILE '/tmp/x'", "SELECT ... INTO DUMPFILE"},
		{"/*!50000 SELECT LOAD_FILE('/x') */", "LOAD_FILE()"},
		{"LOAD DATA INFILE '/x' INTO TABLE t", "LOAD DATA INFILE"},
		{"LOAD DATA LOCAL INFILE '/x' INTO TABLE t", ""},
		{"SELECT a FROM t INTO @v", ""},
		{"SELECT 'LOAD_FILE(x)' FROM t", ""},
		// Under NO_BACKSLASH_ESCAPES the first string ends at its
		// backslash, and LOAD_FILE runs: the text (which the default
		// reading cannot parse) is read both ways.
		{"SELECT 'x\\' , LOAD_FILE('/etc/passwd') , 'y'", "LOAD_FILE()"},
	}
	p := NewParser()
	for _, tt := range tests {
		st, err := p.Parse(tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if got := FileAccess(st); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.sql, got, tt.want)
		}
	}
}
