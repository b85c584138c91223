package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

func TestShowDiagLimit(t *testing.T) {
	tests := []struct {
		sql           string
		tp            ast.ShowStmtType
		count, offset string // "" when absent
	}{
		{"SHOW WARNINGS LIMIT 1", ast.ShowWarnings, "1", ""},
		{"show errors limit 2, 5;", ast.ShowErrors, "5", "2"},
		{"SHOW WARNINGS\n LIMIT 0", ast.ShowWarnings, "0", ""},
	}
	for _, tc := range tests {
		st, err := NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatalf("%q: %v", tc.sql, err)
		}
		sh, ok := st.Node.(*ast.ShowStmt)
		if !ok || !st.DiagRead || sh.Tp != tc.tp || sh.Limit == nil {
			t.Fatalf("%q: node %T, diag %v", tc.sql, st.Node, st.DiagRead)
		}
		if got, _ := Restore(sh.Limit.Count); got != tc.count {
			t.Errorf("%q: count %q, want %q", tc.sql, got, tc.count)
		}
		got := ""
		if sh.Limit.Offset != nil {
			got, _ = Restore(sh.Limit.Offset)
		}
		if got != tc.offset {
			t.Errorf("%q: offset %q, want %q", tc.sql, got, tc.offset)
		}
	}
	// Not this form: left to the parser.
	if st, _ := NewParser().Parse("SHOW WARNINGS LIMIT x"); st.DiagRead {
		t.Errorf("SHOW WARNINGS LIMIT x taken as a diagnostics read")
	}
}

// TestSchemaShowClearsDiag: the SHOW statements MariaDB answers from an
// information_schema table clear the diagnostics.
func TestSchemaShowClearsDiag(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SHOW VARIABLES LIKE 'x'", true},
		{"SHOW GLOBAL STATUS", true},
		{"SHOW DATABASES", true},
		{"SHOW ENGINES", true},
		{"SHOW COLLATION", true},
		{"SHOW FUNCTION STATUS", true},
		{"SHOW PROCESSLIST", false},
		{"SHOW PRIVILEGES", false},
		{"SHOW WARNINGS", false},
		{"SELECT 1", false},
	} {
		st, err := NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		if st.ClearsDiag != tc.want {
			t.Errorf("%s: ClearsDiag %v, want %v", tc.sql, st.ClearsDiag, tc.want)
		}
	}
}
