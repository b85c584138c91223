package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
)

// ObservesStatementTime tells whether st, run on several shards, could
// show that each shard started it at its own time, where one MariaDB gives
// all its rows one (catalog/statementtime.go): it calls NOW() or another
// function of that time, or a stored routine that may read it, reads a
// view whose definition does, or writes a table whose defaults, ON UPDATE
// columns or triggers read it. db is the session's database.
func (r *Router) ObservesStatementTime(st *Statement, db string) bool {
	if st == nil {
		return false
	}
	if st.checked && st.timeRead || !st.checked && readsStatementTime(st) {
		return true
	}
	cat := r.Catalog()
	for _, f := range st.Funcs {
		if cat.ReadsStatementTime(orDB(f.Schema, db), f.Name) {
			return true
		}
	}
	for _, t := range st.Tables {
		if cat.ViewReadsStatementTime(t.In(db), t.Name) || !st.ReadOnly && cat.WritesStatementTime(t.In(db), t.Name) {
			return true
		}
	}
	return false
}

// readsStatementTime tells whether st's text calls a function of the
// statement's time; an unparsed statement, or a RETURNING list (kept as
// text), counts when it names one.
func readsStatementTime(st *Statement) bool {
	if st.Node == nil {
		return catalog.MentionsStatementTime(st.SQL)
	}
	return anyNode(st.Node, readsTime) || st.Returning != nil && catalog.MentionsStatementTime(st.Returning.List)
}

// readsTime tells whether n is a call of a function of the statement's
// time, or @@timestamp (the statement's time while no SET gave one).
func readsTime(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		return catalog.StatementTimeFuncs[x.FnName.L] && (x.FnName.L != "unix_timestamp" || len(x.Args) == 0)
	case *ast.VariableExpr:
		return x.IsSystem && strings.EqualFold(x.Name, "timestamp")
	}
	return false
}
