package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
)

func TestCastTypesForParser(t *testing.T) {
	for _, tc := range []struct {
		sql, want string
		escapes   bool
	}{
		{"SELECT CAST(c AS INT) FROM t", "SELECT CAST(c AS SIGNED) FROM t", true},
		{"SELECT cast(c as integer), CONVERT(c, int) FROM t", "SELECT cast(c as SIGNED), CONVERT(c, SIGNED) FROM t", true},
		{"SELECT CAST(c AS/**/INT /* x */ ) FROM t", "SELECT CAST(c AS/**/SIGNED /* x */ ) FROM t", true},
		{"SELECT CAST(c AS VARCHAR (3)) FROM t", "SELECT CAST(c AS CHAR (3)) FROM t", true},
		// Not a cast type: a name, a string, a comment, a column type.
		{"SELECT CAST(c AS SIGNED) FROM t", "", true},
		{"SELECT 'AS INT)' FROM t", "", true},
		{"SELECT t.INT FROM t", "", true},
		{"SELECT 1 -- AS INT)\nFROM t", "", true},
		{"CREATE TABLE t (a INT, b VARCHAR(3))", "", true},
		{"ALTER TABLE t ADD c INT AS (a + 1)", "", true},
		// A backslash ends the string under NO_BACKSLASH_ESCAPES only.
		{`SELECT 'x\', CAST(c AS INT) FROM t`, `SELECT 'x\', CAST(c AS SIGNED) FROM t`, false},
		{`SELECT 'x\', CAST(c AS INT) FROM t`, "", true},
	} {
		got, _, ok := castTypesForParser(tc.sql, tc.escapes)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("castTypesForParser(%q, %v) = %q, want %q", tc.sql, tc.escapes, got, tc.want)
		}
	}
}

// The parse of a statement with MariaDB's cast types routes it, restores
// as the same cast, and names its columns with the client's text.
func TestParseMariaDBCastTypes(t *testing.T) {
	for _, tc := range []struct {
		sql      string
		mode     Mode
		restored string
		names    []string
	}{
		{"SELECT id, CAST(v AS INT), convert(v ,  INTEGER) AS c, CAST(v AS VARCHAR(3)) FROM t WHERE id = 1",
			0, "SELECT `id`,CAST(`v` AS SIGNED),CONVERT(`v`, SIGNED) AS `c`,CAST(`v` AS CHAR(3)) FROM `t` WHERE `id`=1",
			[]string{"id", "CAST(v AS INT)", "c", "CAST(v AS VARCHAR(3))"}},
		{`SELECT 'a\', CAST(v AS INT) FROM t`, mysql.ModeNoBackslashEscapes, "",
			[]string{"", "CAST(v AS INT)"}}, // "": not checked
	} {
		st, err := NewParser().In(tc.mode).Parse(tc.sql)
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("Parse(%q): kind %v, %v, parse error %v", tc.sql, st.Kind, err, st.ParseErr)
		}
		sel := st.Node.(*ast.SelectStmt)
		if tc.restored != "" {
			if got, err := Restore(sel); err != nil || got != tc.restored {
				t.Errorf("Restore = %q, %v; want %q", got, err, tc.restored)
			}
		}
		for i, f := range sel.Fields.Fields {
			if got := fieldName(f); tc.names[i] != "" && got != tc.names[i] {
				t.Errorf("%q: field %d is named %q, want %q", tc.sql, i, got, tc.names[i])
			}
		}
	}
}
