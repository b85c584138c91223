package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// checkDiverged refuses a statement naming a table whose shards define it
// differently (catalog.Diverged): after a DDL that applied on some shards
// and failed on others, each shard would answer by its own definition (a
// unique key on one shard only refuses there the rows one server takes),
// and SHOW CREATE TABLE by one shard's. DDL still runs, to repair it.
// Where only keys that are not unique differ, the rows are the same:
// only statements that show or name indexes are refused.
func (r *Router) checkDiverged(st *Statement, db string) error {
	cat := r.Catalog()
	if len(cat.Differences()) == 0 {
		return nil // the common case
	}
	for _, t := range st.Tables {
		d, ok := cat.Diverged(t.In(db), t.Name)
		if !ok || (d.IndexesOnly && !showsIndexes(st)) {
			continue
		}
		return errUnsupported("table %s.%s is defined differently on its shards (%s vs %s: %s), so its answers would depend on the shard: "+
			"a DDL applied on some shards and failed on others, or the shards were changed directly; make them alike with DDL through xaproxy "+
			"(DROP INDEX IF EXISTS, ALTER TABLE back to the old definition; SHOW SHARD CATALOG lists the differences)", d.Schema, d.Table, d.Shard, d.Reference, d.Detail)
	}
	return nil
}

// showsIndexes tells whether a statement's answer may depend on a table's
// indexes: a SHOW (SHOW CREATE TABLE, SHOW INDEX), DESCRIBE (its Key
// column) or EXPLAIN, or an index hint naming one.
func showsIndexes(st *Statement) bool {
	switch st.Node.(type) {
	case nil:
		return false
	case *ast.ShowStmt, *ast.ExplainStmt:
		return true
	}
	return anyNode(st.Node, func(n ast.Node) bool {
		tn, ok := n.(*ast.TableName)
		return ok && len(tn.IndexHints) > 0
	})
}
