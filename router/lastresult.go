package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// FOUND_ROWS() and ROW_COUNT() answer the session's own last statement
// (docs/session-state.md, treatment 2): the proxy records them, since the
// backend connection that ran the statement goes back to the pool. What a
// statement does to FOUND_ROWS() on MariaDB 10.11 (checked):
//
//   - a SELECT: the rows it returned, but with SQL_CALC_FOUND_ROWS the rows
//     matching without LIMIT, with an OFFSET min(matching, offset+count),
//     a UNION the rows of the union without its LIMIT, SELECT ... INTO the
//     rows matched;
//   - a SHOW that MariaDB answers from information_schema (SHOW TABLES,
//     VARIABLES, COLUMNS, ...): the rows it returned;
//   - anything else (DML, DDL, SET, EXPLAIN, SHOW CREATE, SHOW WARNINGS,
//     VALUES, RETURNING, a failed statement): nothing.
//
// ROW_COUNT() is -1 after a result set or an error, else the OK packet's
// affected rows: the proxy reads that from its own answer.

// LastResultUse is how a statement reads the last statement's counts.
type LastResultUse int

const (
	// ReadsFoundRows: calls FOUND_ROWS().
	ReadsFoundRows LastResultUse = 1 << iota
	// ReadsRowCount: calls ROW_COUNT().
	ReadsRowCount
)

// FoundRowsEffect is what a statement does to FOUND_ROWS().
type FoundRowsEffect int

const (
	// FoundKeep: leaves it.
	FoundKeep FoundRowsEffect = iota
	// FoundSent: sets it to the rows the client received.
	FoundSent
	// FoundReadBack: sets it to what only the server that ran the
	// statement knows (an OFFSET, a UNION, SELECT ... INTO): read it from
	// the connection right after.
	FoundReadBack
	// FoundCalc: SQL_CALC_FOUND_ROWS, read back as FoundReadBack; across
	// shards it would be the sum of counts the merge does not keep.
	FoundCalc
	// FoundUnparsed: a statement the parser does not know: one that
	// answers with rows may have set it, to what the proxy cannot tell.
	FoundUnparsed
)

// lastResultCalls finds calls of FOUND_ROWS() and ROW_COUNT().
type lastResultCalls struct{ use LastResultUse }

func (c *lastResultCalls) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok {
		switch f.FnName.L {
		case "found_rows":
			c.use |= ReadsFoundRows
		case "row_count":
			c.use |= ReadsRowCount
		}
	}
	return n, false
}

func (c *lastResultCalls) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// lastResultUse tells whether n calls FOUND_ROWS() or ROW_COUNT().
func lastResultUse(n ast.Node) LastResultUse {
	var c lastResultCalls
	n.Accept(&c)
	return c.use
}

// foundRowsEffect classifies a statement by what it does to FOUND_ROWS().
func foundRowsEffect(n ast.StmtNode) FoundRowsEffect {
	switch x := n.(type) {
	case *ast.SelectStmt:
		switch {
		case x.SelectStmtOpts != nil && x.SelectStmtOpts.CalcFoundRows:
			return FoundCalc
		case x.SelectIntoOpt != nil, x.Limit != nil && x.Limit.Offset != nil:
			return FoundReadBack
		}
		return FoundSent
	case *ast.SetOprStmt:
		return FoundReadBack
	case *ast.ShowStmt:
		if x.CountWarningsOrErrors || foundRowsShows[x.Tp] {
			return FoundSent
		}
	case *ast.ExplainStmt:
		if show, ok := x.Stmt.(*ast.ShowStmt); ok {
			return foundRowsEffect(show) // DESCRIBE t is SHOW COLUMNS
		}
	}
	return FoundKeep
}

// foundRowsShows are the SHOW statements that set FOUND_ROWS() on
// MariaDB 10.11 (those it answers from information_schema).
var foundRowsShows = map[ast.ShowStmtType]bool{
	ast.ShowEngines: true, ast.ShowDatabases: true, ast.ShowTables: true,
	ast.ShowTableStatus: true, ast.ShowColumns: true, ast.ShowCharset: true,
	ast.ShowVariables: true, ast.ShowStatus: true, ast.ShowCollation: true,
	ast.ShowTriggers: true, ast.ShowProcedureStatus: true, ast.ShowFunctionStatus: true,
	ast.ShowIndex: true, ast.ShowEvents: true, ast.ShowPlugins: true,
	ast.ShowOpenTables: true,
}

// unparsedLastResult is lastResultUse and foundRowsEffect for text the
// parser rejected (head: from its first keyword). Any mention of the
// functions counts as a call, so the proxy refuses rather than let a
// pooled connection answer; a SELECT (MariaDB's SELECT ... INTO @x
// FROM ...) always sets FOUND_ROWS().
func unparsedLastResult(head string) (LastResultUse, FoundRowsEffect) {
	var use LastResultUse
	low := strings.ToLower(head)
	if strings.Contains(low, "found_rows") {
		use |= ReadsFoundRows
	}
	if strings.Contains(low, "row_count") {
		use |= ReadsRowCount
	}
	if isKeyword(head, "SELECT") {
		return use, FoundReadBack
	}
	return use, FoundUnparsed
}
