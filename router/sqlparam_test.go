package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

func TestLiteralParam(t *testing.T) {
	p := NewParser()
	cases := []struct {
		expr    string
		literal string
		null    bool
		ok      bool
	}{
		{"42", "42", false, true},
		{"-42", "-42", false, true},
		{"+7", "7", false, true},
		{"18446744073709551615", "18446744073709551615", false, true},
		{"-9223372036854775808", "-9223372036854775808", false, true},
		{"1.50", "1.50", false, true},
		{"-1.50", "-1.50", false, true},
		{"1e3", "1e+03", false, true},
		{"-2.5e0", "-2.5e+00", false, true},
		{"'it''s'", "'it''s'", false, true},
		{`'a\\b'`, `'a\\b'`, false, true},
		{"_utf8mb4 X'616263' COLLATE utf8mb4_general_ci", "'abc'", false, true},
		{"X'00ff'", "_binary'\\0\xff'", false, true},
		{"NULL", "NULL", true, true},
		{"CAST(NULL AS SIGNED)", "NULL", true, true},
		{"CAST(NULL AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_general_ci", "NULL", true, true},
		{"CAST(1 AS SIGNED)", "", false, false},
		{"TRUE", "1", false, true},
		{"(5)", "5", false, true},
		{"1+1", "", false, false},
		{"now()", "", false, false},
		{"a", "", false, false},
		{"-a", "", false, false},
		{"@v", "", false, false},
	}
	for _, c := range cases {
		st, err := p.Parse("SELECT " + c.expr)
		if err != nil || st.Node == nil {
			t.Fatalf("%s: parse: %v %v", c.expr, err, st.ParseErr)
		}
		e := st.Node.(*ast.SelectStmt).Fields.Fields[0].Expr
		got, ok := LiteralParam(e)
		if ok != c.ok {
			t.Errorf("%s: ok %v, want %v", c.expr, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if got.Literal != c.literal || got.Null != c.null {
			t.Errorf("%s: literal %q null %v, want %q %v", c.expr, got.Literal, got.Null, c.literal, c.null)
		}
	}
}
