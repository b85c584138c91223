package router

import (
	"slices"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/engine"
)

// A string literal that an IF or a CASE over aggregates returns is typed
// and converted by the session's character sets (character_set_connection,
// character_set_results), which the merge does not know. So the shards
// compute it, as one more column of their select list (MAX of equal values
// over the groups), and the merge takes its value and column definition
// from them (engine.StrLit): IF(COUNT(*) > 2, 'many', 'few') runs over
// several shards.

// collectStrResults registers the string literals n returns, if n is an IF
// or a searched CASE.
func (a *aggBuilder) collectStrResults(n ast.Node) {
	var results []ast.ExprNode
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		if x.Schema.L == "" && x.FnName.L == "if" && len(x.Args) == 3 {
			results = x.Args[1:]
		}
	case *ast.CaseExpr:
		if x.Value != nil {
			return // CASE x WHEN: not merged
		}
		for _, w := range x.WhenClauses {
			results = append(results, w.Result)
		}
		if x.ElseClause != nil {
			results = append(results, x.ElseClause)
		}
	}
	for _, r := range results {
		if lit, ok := plainString(r); ok && !slices.Contains(a.strResults, lit) {
			a.strResults = append(a.strResults, lit)
		}
	}
}

// collectStrField registers a select field that is a string literal
// (SELECT 'total', COUNT(*); _latin1'a', 'a' COLLATE utf8mb4_bin too):
// MariaDB types it in the session's character sets, NOT NULL, as the
// shards do.
func (a *aggBuilder) collectStrField(e ast.ExprNode) {
	if lit, ok := strField(e); ok && !slices.Contains(a.strResults, lit) {
		a.strResults = append(a.strResults, lit)
	}
}

// strField is the SQL text of a string literal, with its introducer or
// COLLATE if any.
func strField(e ast.ExprNode) (string, bool) {
	x := unparen(e)
	if c, ok := x.(*ast.SetCollationExpr); ok {
		x = unparen(c.Expr)
	}
	if _, ok := stringValue(x); !ok {
		return "", false
	}
	txt, err := restore(e)
	return txt, err == nil && txt != ""
}

// fieldResult reads a select field: a string literal is the column the
// shards computed for it (collectStrField).
func (a *aggBuilder) fieldResult(e ast.ExprNode) (engine.Expr, error) {
	if lit, ok := strField(e); ok {
		if i := slices.Index(a.strResults, lit); i >= 0 {
			return engine.Named(engine.StrLit(len(a.groups)+len(a.aggs)+i), lit), nil
		}
	}
	return a.expr(e)
}

// plainString is the SQL text of a string literal without a character set
// introducer or COLLATE (those MariaDB types otherwise), in parentheses or
// not.
func plainString(e ast.ExprNode) (string, bool) {
	v, ok := stringValue(e)
	if !ok {
		return "", false
	}
	txt, err := restore(v)
	if err != nil || txt == "" || txt[0] != '\'' {
		return "", false
	}
	return txt, true
}
