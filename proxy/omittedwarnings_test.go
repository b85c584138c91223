package proxy

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/router"
)

func TestOmittedColumnWarning(t *testing.T) {
	tests := []struct {
		sql, msg string
		omitted  bool // a statement-level warning, once per statement
	}{
		{"INSERT INTO t (k, s) VALUES (1, 'a'), (2, 'b')", "Field 'n' doesn't have a default value", true},
		{"INSERT INTO t (k, N) VALUES (1, DEFAULT), (2, DEFAULT)", "Field 'n' doesn't have a default value", false},
		{"INSERT INTO t VALUES (1, 'a', DEFAULT), (2, 'b', DEFAULT)", "Field 'n' doesn't have a default value", false},
		{"INSERT INTO t (k) VALUES (1), (2)", "Data truncated for column 's' at row 1", false},
	}
	for _, tc := range tests {
		st, err := router.NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		col, ok := noDefaultColumn(tc.msg)
		got := ok && !insertNames(st.Node.(*ast.InsertStmt), col)
		if got != tc.omitted {
			t.Errorf("%s, %q: omitted %v, want %v", tc.sql, tc.msg, got, tc.omitted)
		}
	}
}
