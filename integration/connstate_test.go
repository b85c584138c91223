package integration

import (
	"database/sql"
	"testing"
	"time"
)

// TestConnectionStatePinned: state that lives in a MariaDB connection
// (temporary tables, LOCK TABLES, GET_LOCK) stays with the session that
// made it and never reaches another session through the backend pool
// (docs/session-state.md, treatment 3). max_open 4: the pool must hand the
// same backend connections to one session after another.
func TestConnectionStatePinned(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 4, max_idle: 4, wait_timeout: 3s}"})
	ctx := testCtx(t, 2*time.Minute)
	db := f.db(t, "shop", "")
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(0) // a closed session's client connection really closes
	session := func(t *testing.T) *sql.Conn {
		t.Helper()
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// churn runs statements on fresh sessions, so that every pooled
	// backend connection is used by someone else in between.
	churn := func(t *testing.T) {
		t.Helper()
		for i := 0; i < 6; i++ {
			c := session(t)
			queryInt(t, c, "SELECT 1")
			c.Close()
		}
	}

	t.Run("temporary tables", func(t *testing.T) {
		a, b := session(t), session(t)
		mustExec(t, a, "CREATE TEMPORARY TABLE tmp (id INT)")
		mustExec(t, a, "INSERT INTO tmp VALUES (1)")
		// B's table of the same name is its own: no 1050, no shared rows.
		mustExec(t, b, "CREATE TEMPORARY TABLE tmp (id INT)")
		mustExec(t, b, "INSERT INTO tmp VALUES (2), (3)")
		churn(t)
		if n := queryInt(t, a, "SELECT SUM(id) FROM tmp"); n != 1 {
			t.Errorf("A's temporary table sums to %d, want 1 (its own row only)", n)
		}
		if n := queryInt(t, b, "SELECT SUM(id) FROM tmp"); n != 5 {
			t.Errorf("B's temporary table sums to %d, want 5", n)
		}
		// Inside a transaction the temporary table is there too.
		mustExec(t, a, "BEGIN")
		mustExec(t, a, "INSERT INTO tmp VALUES (10)")
		mustExec(t, a, "COMMIT")
		if n := queryInt(t, a, "SELECT SUM(id) FROM tmp"); n != 11 {
			t.Errorf("A's temporary table after a transaction sums to %d, want 11", n)
		}
		c := session(t)
		if _, err := c.ExecContext(ctx, "SELECT * FROM tmp"); mysqlErrNumber(err) != 1146 {
			t.Errorf("a third session reading tmp: %v, want 1146 (no such table)", err)
		}
		c.Close()
		mustExec(t, a, "DROP TEMPORARY TABLE tmp")
		b.Close() // its table ends with the session
		a.Close()
		churn(t)
		for i := 0; i < 4; i++ {
			c := session(t)
			if _, err := c.ExecContext(ctx, "SELECT * FROM tmp"); mysqlErrNumber(err) != 1146 {
				t.Errorf("a new session reading tmp after A dropped it and B left: %v, want 1146", err)
			}
			c.Close()
		}
	})

	// DDL under autocommit=0 on the shard where the session keeps a
	// temporary table commits the transaction and runs on that
	// connection, not inside a new XA branch (MariaDB refuses DDL there).
	t.Run("DDL beside a temporary table, autocommit off", func(t *testing.T) {
		a := session(t)
		mustExec(t, a, "SET autocommit = 0")
		mustExec(t, a, "CREATE TEMPORARY TABLE tmp_ac (x INT)")
		mustExec(t, a, "INSERT INTO tmp_ac VALUES (1)")
		mustExec(t, a, "CREATE TABLE ddl_beside_tmp (id INT)")
		if n := queryInt(t, a, "SELECT COUNT(*) FROM tmp_ac"); n != 1 {
			t.Errorf("temporary table after the DDL has %d rows, want 1", n)
		}
		mustExec(t, a, "ROLLBACK")
		a.Close()
	})

	t.Run("LOCK TABLES", func(t *testing.T) {
		mustExec(t, db, "CREATE TABLE locked_t (id INT PRIMARY KEY)")
		a, b := session(t), session(t)
		mustExec(t, b, "SET SESSION lock_wait_timeout = 1")
		mustExec(t, a, "LOCK TABLES locked_t WRITE")
		mustExec(t, a, "INSERT INTO locked_t VALUES (1)")
		if _, err := b.ExecContext(ctx, "INSERT INTO locked_t VALUES (2)"); mysqlErrNumber(err) != 1205 {
			t.Errorf("B writing a table A locked: %v, want 1205 after lock_wait_timeout", err)
		}
		churn(t) // other sessions do not inherit A's locks (1100) nor wait on them
		mustExec(t, a, "UNLOCK TABLES")
		mustExec(t, b, "INSERT INTO locked_t VALUES (2)")
		// A session that leaves with tables locked takes its locks along.
		// MariaDB releases them when it handles the disconnect, which
		// under load can come after B's INSERT arrives: B waits up to
		// 10 s (a lock that went back to the pool is held for minutes).
		mustExec(t, a, "LOCK TABLES locked_t READ")
		a.Close()
		churn(t)
		mustExec(t, b, "SET SESSION lock_wait_timeout = 10")
		mustExec(t, b, "INSERT INTO locked_t VALUES (3)")
		if n := queryInt(t, db, "SELECT COUNT(*) FROM locked_t"); n != 3 {
			t.Errorf("locked_t has %d rows, want 3", n)
		}
		// UNLOCK TABLES without locks is a no-op, also inside a transaction.
		mustExec(t, b, "BEGIN")
		mustExec(t, b, "INSERT INTO locked_t VALUES (4)")
		mustExec(t, b, "UNLOCK TABLES")
		mustExec(t, b, "ROLLBACK")
		if n := queryInt(t, db, "SELECT COUNT(*) FROM locked_t"); n != 3 {
			t.Errorf("UNLOCK TABLES without locks committed the transaction: %d rows, want 3", n)
		}
		b.Close()
	})

	t.Run("GET_LOCK", func(t *testing.T) {
		a, b := session(t), session(t)
		if n := queryInt(t, a, "SELECT GET_LOCK('xaproxy-test', 0)"); n != 1 {
			t.Fatalf("A: GET_LOCK = %d, want 1", n)
		}
		churn(t)
		if n := queryInt(t, b, "SELECT GET_LOCK('xaproxy-test', 0)"); n != 0 {
			t.Errorf("B: GET_LOCK of a name A holds = %d, want 0", n)
		}
		if n := queryInt(t, b, "SELECT IS_FREE_LOCK('xaproxy-test')"); n != 0 {
			t.Errorf("B: IS_FREE_LOCK of a name A holds = %d, want 0", n)
		}
		if n := queryInt(t, a, "SELECT RELEASE_LOCK('xaproxy-test')"); n != 1 {
			t.Errorf("A: RELEASE_LOCK = %d, want 1", n)
		}
		if n := queryInt(t, b, "SELECT GET_LOCK('xaproxy-test', 0)"); n != 1 {
			t.Errorf("B: GET_LOCK after A released it = %d, want 1", n)
		}
		b.Close() // B's lock ends with the session
		churn(t)
		// Once MariaDB handled B's disconnect, which may come a moment
		// later: C waits up to 5 s (a lock left in the pool stays).
		c := session(t)
		if n := queryInt(t, c, "SELECT GET_LOCK('xaproxy-test', 5)"); n != 1 {
			t.Errorf("C: GET_LOCK after B left = %d, want 1", n)
		}
		if n := queryInt(t, c, "SELECT RELEASE_ALL_LOCKS()"); n != 1 {
			t.Errorf("C: RELEASE_ALL_LOCKS = %d, want 1", n)
		}
		c.Close()
		a.Close()
	})
}

// TestLockTablesAutocommitOff: SET autocommit = 0, LOCK TABLES, then
// statements (MariaDB's documented way to combine them): the transaction
// runs on the locked connection as a plain one, since MariaDB refuses XA
// there (before: 1400 XAER_OUTSIDE on the first INSERT), commits with
// COMMIT or UNLOCK TABLES and rolls back with ROLLBACK, as on one MariaDB.
func TestLockTablesAutocommitOff(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_lt")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_lt")} {
		mustExec(t, db, "CREATE TABLE lt (id INT PRIMARY KEY, v INT)")
	}
	steps := []scriptStep{
		{0, "SET autocommit = 0", nil},
		{0, "LOCK TABLES lt WRITE", nil},
		{0, "INSERT INTO lt VALUES (1, 1)", nil},
		{0, "UPDATE lt SET v = 2 WHERE id = 1", nil},
		{0, "SELECT * FROM lt", nil},
		{0, "COMMIT", nil},
		{0, "INSERT INTO lt VALUES (2, 1)", nil},
		{0, "ROLLBACK", nil},
		{0, "SELECT * FROM lt", nil},
		{0, "INSERT INTO lt VALUES (3, 1)", nil},
		{0, "UNLOCK TABLES", nil}, // commits
		{1, "SELECT * FROM lt", nil},
		{0, "LOCK TABLES lt READ", nil},
		{0, "SELECT COUNT(*) FROM lt", nil},
		{0, "INSERT INTO lt VALUES (4, 1)", nil}, // 1099: locked for reading
		{0, "UNLOCK TABLES", nil},
		{0, "INSERT INTO lt VALUES (4, 1)", nil}, // an XA transaction again
		{0, "COMMIT", nil},
		{1, "SELECT * FROM lt", nil},
		{0, "SELECT @@autocommit", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 2), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_lt"), 2), steps)
	compareScript(t, steps, got, want)
}
