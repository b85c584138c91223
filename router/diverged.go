package router

// checkDiverged refuses a statement naming a table whose shards define it
// differently (catalog.Diverged): after a DDL that applied on some shards
// and failed on others, each shard would answer by its own definition (a
// unique key on one shard only refuses there the rows one server takes),
// and SHOW CREATE TABLE by one shard's. DDL still runs, to repair it.
func (r *Router) checkDiverged(st *Statement, db string) error {
	cat := r.Catalog()
	if len(cat.Differences()) == 0 {
		return nil // the common case
	}
	for _, t := range st.Tables {
		d, ok := cat.Diverged(t.In(db), t.Name)
		if !ok {
			continue
		}
		return errUnsupported("table %s.%s is defined differently on its shards (%s vs %s: %s), so its answers would depend on the shard: "+
			"a DDL applied on some shards and failed on others, or the shards were changed directly; make them alike with DDL through xaproxy "+
			"(DROP INDEX IF EXISTS, ALTER TABLE back to the old definition; SHOW SHARD CATALOG lists the differences)", d.Schema, d.Table, d.Shard, d.Reference, d.Detail)
	}
	return nil
}
