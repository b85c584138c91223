package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// fieldName is the name MariaDB gives a select-list item (checked on
// 10.11): a merged statement sends it as the item's alias.
func TestFieldName(t *testing.T) {
	for _, tc := range []struct{ item, want string }{
		{"c", "c"},
		{"c AS x", "x"},
		{"c + 1", "c + 1"},
		{"'abc'", "abc"},
		{"'it''s'", "it's"},
		{`"dq"`, "dq"},
		{"_utf8mb4'q'", "q"},
		{"N'n'", "n"},
		{"'a' 'b'", "ab"},
		{"('p')", "p"},
		{"'  lead'", "lead"},
		{"'   '", ""},
		{`'a\0b'`, `a\x00b`},
		{`'\0x'`, "x"},
		{"X'41'", "X'41'"},
		{"0x42", "0x42"},
		{"DATE '2020-01-01'", "DATE '2020-01-01'"},
		{"-2", "-2"},
		{"-'5'", "-'5'"},
		{"'q' COLLATE utf8mb4_bin", "'q' COLLATE utf8mb4_bin"},
	} {
		st, err := NewParser().Parse("SELECT " + tc.item + " FROM t")
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("%s: %v %v", tc.item, err, st.ParseErr)
		}
		if got := fieldName(st.Node.(*ast.SelectStmt).Fields.Fields[0]); got != tc.want {
			t.Errorf("SELECT %s: named %q, want %q", tc.item, got, tc.want)
		}
	}
}
