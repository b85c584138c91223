package router

import (
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
)

func TestModeOf(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Mode
	}{
		{"", 0},
		{"STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION", 0},
		{"'ANSI_QUOTES'", mysql.ModeANSIQuotes},
		{"pipes_as_concat, no_backslash_escapes", mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes},
		{"REAL_AS_FLOAT,PIPES_AS_CONCAT,ANSI_QUOTES,IGNORE_SPACE,ANSI", mysql.ModePipesAsConcat | mysql.ModeANSIQuotes | mysql.ModeIgnoreSpace},
		{"ANSI", mysql.ModePipesAsConcat | mysql.ModeANSIQuotes | mysql.ModeIgnoreSpace},
		{"HIGH_NOT_PRECEDENCE", mysql.ModeHighNotPrecedence},
		{"NO_ANSI_QUOTES_HERE", 0},
	} {
		if got := ModeOf(c.in); got != c.want {
			t.Errorf("ModeOf(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestParserIn: the same text reads differently under each flag, and a
// Parser in one mode leaves the shared pool's parsers in no mode.
func TestParserIn(t *testing.T) {
	p := NewParser()
	for _, c := range []struct {
		mode Mode
		sql  string
		// isName: the first select field is a column (not a string literal).
		isName bool
		// concat: the field is a CONCAT call (not a logical OR).
		concat bool
	}{
		{0, `SELECT "v" FROM t`, false, false},
		{mysql.ModeANSIQuotes, `SELECT "v" FROM t`, true, false},
		{0, `SELECT a || b FROM t`, false, false},
		{mysql.ModePipesAsConcat, `SELECT a || b FROM t`, false, true},
	} {
		st, err := p.In(c.mode).Parse(c.sql)
		if err != nil || st.Node == nil {
			t.Fatalf("mode %v, %s: %v", c.mode, c.sql, err)
		}
		f := st.Node.(*ast.SelectStmt).Fields.Fields[0].Expr
		_, isName := f.(*ast.ColumnNameExpr)
		fn, isCall := f.(*ast.FuncCallExpr)
		concat := isCall && fn.FnName.L == "concat"
		if isName != c.isName || concat != c.concat {
			t.Errorf("mode %v, %s: field %T (name %v, concat %v), want name %v, concat %v", c.mode, c.sql, f, isName, concat, c.isName, c.concat)
		}
	}
	// Under NO_BACKSLASH_ESCAPES 'p\' is a whole string; by default it is not.
	if st, err := p.In(mysql.ModeNoBackslashEscapes).Parse(`SELECT 'p\'`); err != nil || st.Kind == KindUnparsed {
		t.Errorf(`NO_BACKSLASH_ESCAPES: SELECT 'p\' did not parse: %v`, err)
	}
	if st, err := p.Parse(`SELECT 'p\'`); err == nil && st.Kind != KindUnparsed {
		t.Errorf(`default mode: SELECT 'p\' parsed`)
	}
}

// TestOneRowPerShard: only an aggregate merge whose shard queries have no
// GROUP BY answers one row per shard, which sql_select_limit >= 1 leaves
// whole (proxy/sqlmode.go checkRendered).
func TestOneRowPerShard(t *testing.T) {
	r := shardedRouter(t)
	for _, c := range []struct {
		sql  string
		want bool
	}{
		{"SELECT COUNT(*), SUM(total), AVG(total) FROM orders", true},
		{"SELECT MAX(total) - MIN(total) FROM orders HAVING COUNT(*) > 1 LIMIT 1", true},
		{"SELECT country, COUNT(*) FROM orders GROUP BY country", false},
		{"SELECT COUNT(DISTINCT country) FROM orders", false},
		{"SELECT SUM(DISTINCT total) FROM orders", false},
		{"SELECT COUNT(*), AVG(DISTINCT total) FROM orders", false},
		{"SELECT total FROM orders", false},
	} {
		e, err := bindSQL(t, r, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if e.Merge == nil {
			t.Fatalf("%s: not a merge", c.sql)
		}
		if got := e.Merge.OneRowPerShard(); got != c.want {
			t.Errorf("%s: OneRowPerShard %v, want %v", c.sql, got, c.want)
		}
	}
}
