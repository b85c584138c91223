package proxy

import "github.com/xaproxy/xaproxy/router"

// checkPreparedDB refuses to execute a prepared statement that names a
// table without its database after USE changed the database it was
// prepared in: MariaDB still reads the tables of the database of the
// PREPARE, while the shards' statements would resolve them in the
// current one.
func (s *Session) checkPreparedDB(db string, st *router.Statement) error {
	if db == s.db || !st.NamesUnqualified() {
		return nil
	}
	return errNotSupported("executing a statement prepared in database %s after USE %s is not supported when it names tables without their database (MariaDB still reads %s's tables): qualify them as %s.table, or prepare it again", db, s.db, db, db)
}
