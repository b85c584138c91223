package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// MariaDB's CREATE OR REPLACE of a table or an index is planned as the
// CREATE it resembles; the shards get the client's text.
func TestCreateOrReplace(t *testing.T) {
	for _, tc := range []struct {
		sql   string
		state ConnState
	}{
		{"CREATE OR REPLACE TABLE t (id INT PRIMARY KEY)", ConnStateNone},
		{"/* c */ create  or\treplace table t2 (id int)", ConnStateNone},
		{"CREATE OR REPLACE TEMPORARY TABLE tt (x INT)", ConnStateTempCreate},
		{"CREATE OR REPLACE UNIQUE INDEX i ON t (c)", ConnStateNone},
	} {
		st, err := NewParser().Parse(tc.sql)
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("%s: %v %v", tc.sql, err, st.ParseErr)
		}
		switch st.Node.(type) {
		case *ast.CreateTableStmt, *ast.CreateIndexStmt:
		default:
			t.Errorf("%s: parsed as %T", tc.sql, st.Node)
		}
		if st.SQL != tc.sql || st.ConnState != tc.state || len(st.Tables) != 1 {
			t.Errorf("%s: SQL %q, state %v, tables %v", tc.sql, st.SQL, st.ConnState, st.Tables)
		}
		if st.ImplicitCommit == (tc.state == ConnStateTempCreate) {
			t.Errorf("%s: implicit commit %v", tc.sql, st.ImplicitCommit)
		}
	}
	for _, sql := range []string{"CREATE OR REPLACE DATABASE d", "SELECT 'CREATE OR REPLACE TABLE t (id INT)' SOUNDS LIKE 'x'"} {
		if st, _ := NewParser().Parse(sql); st.Kind != KindUnparsed {
			t.Errorf("%s: parsed (kind %v)", sql, st.Kind)
		}
	}
}
