package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// probedTables is tables, or none when LOCK TABLES of one would wait for
// more than its DDL does: a view (its base tables), or a table with
// triggers (LOCK TABLES also locks the tables they use, the DDL only its
// own), which a transaction writing those would hold up.
func (r *Router) probedTables(tables []tableInfo) []tableInfo {
	cat := r.Catalog()
	for _, t := range tables {
		if t.view != nil || cat.HasTriggers(t.schema, t.name) {
			return nil
		}
	}
	return tables
}

// lockProbe is the statement that takes, and at once gives back, the
// metadata locks a DDL over several shards will wait for: LOCK TABLES of
// its tables WRITE, which waits for the transactions using them, as the
// DDL would, with the DDL's own WAIT n or NOWAIT. Run on every shard
// before the DDL runs on any, a lock wait timeout then fails the DDL
// before it changed anything, as on one server, rather than on a later
// shard after the first applied it. "" for DDL that makes something new
// (there is nothing to lock yet) or renames (the names change).
func lockProbe(n ast.StmtNode, tables []tableInfo, wait string) string {
	switch x := n.(type) {
	case *ast.AlterTableStmt, *ast.CreateIndexStmt, *ast.DropIndexStmt, *ast.TruncateTableStmt:
	case *ast.DropTableStmt:
		if x.IsView || x.TemporaryKeyword != ast.TemporaryNone {
			return ""
		}
	default:
		return ""
	}
	if len(tables) == 0 {
		return ""
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = quoteName(t.schema) + "." + quoteName(t.name) + " WRITE"
	}
	probe := "LOCK TABLES " + strings.Join(names, ", ")
	if wait != "" {
		probe += " " + wait
	}
	return probe
}
