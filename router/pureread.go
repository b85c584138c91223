package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// A SELECT can change rows: through a stored function it calls, directly
// or inside a view it reads, or a sequence it advances. The proxy commits
// a branch on which only reads ran without two-phase commit
// (proxy/readbranch.go), so "only reads" must be proven, not guessed: a
// statement is a pure read when every node of its tree is of a kind listed
// here and every function it calls is a builtin of MariaDB's that changes
// nothing. Anything else (a name the list lacks, a CTE, INTO) counts as a
// write. The tables it names may still be views: the proxy checks on each
// reading branch, before the commit, that they are base tables.

// pureReadTables tells whether n, parsed from sql, is a pure read, and
// the tables it reads as written (schema "" when unqualified).
func pureReadTables(sql string, n ast.Node) (tables []TableRef, ok bool) {
	if !plainText(sql) {
		return nil, false
	}
	w := pureReadWalker{ok: true}
	n.Accept(&w)
	if !w.ok {
		return nil, false
	}
	return w.tables, true
}

// plainText: sql is printable ASCII (tabs and line ends allowed) without
// a backslash or an executable comment left unopened. Only such text is
// read alike by every lexer involved whatever the session's sql_mode and
// character set: a review made the proxy's and MariaDB's disagree through
// a backslash under NO_BACKSLASH_ESCAPES or in a quoted name under
// ANSI_QUOTES, a multi-byte character set whose second byte is 0x5C
// (gbk), "--" before a byte latin1 calls a space, and non-ASCII names the
// check would spell in another character set; each hid a call or a
// statement from the parse.
func plainText(sql string) bool {
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c > 0x7e || c == '\\' {
			return false
		}
	}
	return !strings.Contains(sql, "/*!") && !strings.Contains(sql, "/*M!") && !strings.Contains(sql, "/*m!")
}

type pureReadWalker struct {
	tables []TableRef
	ok     bool
}

func (w *pureReadWalker) Enter(n ast.Node) (ast.Node, bool) {
	if !w.ok {
		return n, true
	}
	w.ok = pureReadNode(n)
	if t, isTable := n.(*ast.TableName); isTable && w.ok {
		w.tables = append(w.tables, TableRef{Schema: t.Schema.O, Name: t.Name.O})
	}
	return n, !w.ok
}

func (w *pureReadWalker) Leave(n ast.Node) (ast.Node, bool) { return n, w.ok }

// pureReadNode: n, one node, cannot change anything by itself.
func pureReadNode(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.SelectStmt:
		// A CTE's name may hide a view's: the tables read would not be
		// the names written. INTO writes a file or variables.
		return x.With == nil && x.SelectIntoOpt == nil && x.Kind == ast.SelectStmtKindSelect && len(x.WindowSpecs) == 0
	case *ast.SetOprStmt:
		return x.With == nil
	case *ast.SetOprSelectList:
		return x.With == nil
	case *ast.TableName:
		return x.AsOf == nil && x.TableSample == nil
	case *ast.AggregateFuncExpr:
		return pureAggregate(strings.ToLower(x.F))
	case *ast.FuncCallExpr:
		// A schema names a stored function; MariaDB calls a builtin by
		// an unqualified name only when it has one by that name.
		return x.Schema.L == "" && pureBuiltin(x.FnName.L)
	case *ast.VariableExpr:
		return x.Value == nil // a read, not @x := expr
	case ast.ValueExpr, ast.ParamMarkerExpr,
		*ast.FieldList, *ast.SelectField, *ast.WildCardField,
		*ast.TableRefsClause, *ast.Join, *ast.OnCondition, *ast.TableSource,
		*ast.GroupByClause, *ast.HavingClause, *ast.OrderByClause, *ast.ByItem, *ast.Limit,
		*ast.TableOptimizerHint,
		*ast.BetweenExpr, *ast.BinaryOperationExpr, *ast.UnaryOperationExpr,
		*ast.CaseExpr, *ast.WhenClause,
		*ast.SubqueryExpr, *ast.CompareSubqueryExpr, *ast.ExistsSubqueryExpr,
		*ast.ColumnNameExpr, *ast.ColumnName, *ast.PositionExpr,
		*ast.PatternInExpr, *ast.PatternLikeOrIlikeExpr, *ast.PatternRegexpExpr,
		*ast.IsNullExpr, *ast.IsTruthExpr, *ast.ParenthesesExpr, *ast.RowExpr,
		*ast.FuncCastExpr, *ast.SetCollationExpr:
		return true
	}
	return false
}

// pureAggregate: MariaDB has an aggregate by this name (TiDB's APPROX_*
// call stored functions there).
func pureAggregate(name string) bool {
	switch name {
	case "count", "sum", "min", "max", "avg":
		return true
	}
	return false
}

// pureBuiltin: a MariaDB builtin that changes nothing and that the parser
// reads as a call by name, which MariaDB calls even when the name is
// quoted (checked on 10.11.19). LEFT, RIGHT, IF, SUBSTR and SUBSTRING are
// not: quoted, they call a stored function of that name, and the tree does
// not tell quoted from not. SLEEP, GET_LOCK, NEXTVAL, LAST_INSERT_ID and
// whatever the proxy answers itself are left out: they act on the server
// or the session.
func pureBuiltin(name string) bool {
	switch name {
	case "abs", "coalesce", "concat", "concat_ws",
		"ifnull", "nullif", "greatest", "least",
		"length", "char_length", "lower", "upper",
		"round", "floor", "ceil", "ceiling", "mod":
		return true
	}
	return false
}
