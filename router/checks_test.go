package router

import "testing"

// The checks Parse records must equal what examining the statement gives.
func TestParseRecordsChecks(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql     string
		seqLast bool
		file    string
	}{
		{"SELECT c FROM t WHERE id = 1", false, ""},
		{"SELECT LASTVAL(s1)", true, ""},
		{"SELECT PREVIOUS VALUE FOR s1", true, ""},
		{"SELECT LOAD_FILE('/etc/passwd')", false, "LOAD_FILE()"},
		{"SELECT * FROM t INTO OUTFILE '/tmp/x'", false, "SELECT ... INTO OUTFILE"},
		{"SELECT 1 INTO DUMPFILE '/tmp/x'", false, "SELECT ... INTO DUMPFILE"},
		{"SELECT c FROM t WHERE id = ?", false, ""},
		{"INSERT INTO t (a) VALUES (1) RETURNING a, LOAD_FILE('/etc/passwd')", false, "LOAD_FILE()"},
		{"DELETE FROM t WHERE a = 1 RETURNING LOAD_FILE(b)", false, "LOAD_FILE()"},
		{"INSERT INTO t (a) VALUES ('load_file') RETURNING a", false, ""},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.sql, err)
		}
		if !st.checked {
			t.Errorf("%q: checks not recorded", tc.sql)
		}
		if got := ReadsSequenceLast(st); got != tc.seqLast {
			t.Errorf("%q: ReadsSequenceLast = %v, want %v", tc.sql, got, tc.seqLast)
		}
		if got := FileAccess(st); got != tc.file {
			t.Errorf("%q: FileAccess = %q, want %q", tc.sql, got, tc.file)
		}
		// A statement built by hand is examined at each call.
		raw := &Statement{SQL: st.SQL, Kind: st.Kind, Node: st.Node, Returning: st.Returning}
		if ReadsSequenceLast(raw) != tc.seqLast || FileAccess(raw) != tc.file {
			t.Errorf("%q: unrecorded statement answers differently", tc.sql)
		}
	}
}
