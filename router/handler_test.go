package router

import "testing"

func TestHandlerStatements(t *testing.T) {
	tests := []struct {
		sql     string
		state   ConnState
		handler string
		table   string
	}{
		{"HANDLER hs OPEN", ConnStateHandlerOpen, "hs", "hs"},
		{"handler shop.`Hs` open as H1", ConnStateHandlerOpen, "h1", "Hs"},
		{"HANDLER h1 READ `PRIMARY` NEXT", ConnStateHandlerUse, "h1", ""},
		{"HANDLER hs READ FIRST WHERE id > 2", ConnStateHandlerUse, "hs", ""},
		{"HANDLER `h1` CLOSE", ConnStateHandlerClose, "h1", ""},
	}
	for _, tc := range tests {
		st, err := NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if st.ConnState != tc.state || st.Handler != tc.handler {
			t.Errorf("%s: state %v handler %q, want %v %q", tc.sql, st.ConnState, st.Handler, tc.state, tc.handler)
		}
		if tc.table != "" && (len(st.Tables) != 1 || st.Tables[0].Name != tc.table) {
			t.Errorf("%s: tables %v, want %s", tc.sql, st.Tables, tc.table)
		}
	}
	// A cursor over a sharded table would be one per shard: refused.
	r := shardedRouter(t)
	if _, err := planFor(t, r, "HANDLER orders OPEN"); err == nil {
		t.Error("HANDLER orders OPEN on a sharded table: planned, want a refusal")
	}
}

func TestReadsSequenceLast(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT LASTVAL(seq)":               true,
		"SELECT previous value for seq":     true,
		"SELECT NEXTVAL(seq)":               false,
		"SELECT NEXT VALUE FOR seq":         false,
		"SELECT lastval_col FROM t":         false,
		"INSERT INTO t VALUES (LASTVAL(s))": true,
	} {
		st, _ := NewParser().Parse(sql)
		if got := ReadsSequenceLast(st); got != want {
			t.Errorf("%s: %v, want %v", sql, got, want)
		}
	}
}
