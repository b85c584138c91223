package router

import "testing"

func TestMaintAsAnalyze(t *testing.T) {
	tests := []struct{ head, want string }{
		{"CHECK TABLE t", "ANALYZE TABLE t"},
		{"check tables a, shop.b extended;", "ANALYZE TABLE a, shop.b"},
		{"CHECK TABLE `a b` FOR UPGRADE QUICK", "ANALYZE TABLE `a b`"},
		{"REPAIR NO_WRITE_TO_BINLOG TABLE t QUICK USE_FRM", "ANALYZE TABLE t"},
		{"REPAIR LOCAL TABLE t", "ANALYZE TABLE t"},
		{"CHECK TABLE t WHERE 1", ""},
		{"CHECKSUM TABLE t", ""},
		{"CHECK VIEW v", ""},
	}
	for _, tt := range tests {
		got, ok := maintAsAnalyze(tt.head)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: %q %v, want %q", tt.head, got, ok, tt.want)
		}
	}
}

func TestChecksumStatement(t *testing.T) {
	p := NewParser()
	st, err := p.Parse("CHECKSUM TABLE t1, shop.t2 EXTENDED")
	if err != nil {
		t.Fatal(err)
	}
	if !st.Checksum || st.ImplicitCommit || !st.ReadOnly || len(st.Tables) != 2 || st.Tables[1].Schema != "shop" {
		t.Errorf("CHECKSUM TABLE: checksum %v, implicit commit %v, read-only %v, tables %v", st.Checksum, st.ImplicitCommit, st.ReadOnly, st.Tables)
	}
	if _, ok := checksumAsAnalyze("CHECKSUM TABLE t FAST"); ok {
		t.Error("CHECKSUM TABLE t FAST read as a checksum")
	}
}
