package integration

import (
	"database/sql"
	"testing"
	"time"
)

// TestTransactionCharacteristics: SET TRANSACTION (the next transaction
// only) and SET SESSION TRANSACTION, isolation level and access mode, as on
// one MariaDB: the same interleaved script through the proxy and directly
// on the shard, every answer compared. Go's BeginTx with an isolation level
// sends SET TRANSACTION ISOLATION LEVEL before START TRANSACTION.
func TestTransactionCharacteristics(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_tx", "CREATE TABLE iso (id INT PRIMARY KEY, v INT)", "INSERT INTO iso VALUES (1, 0)", "CREATE TABLE iso2 (x INT)")
	steps := []scriptStep{
		{0, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", nil},
		{0, "START TRANSACTION", nil},
		{0, "SELECT v FROM iso WHERE id = 1", nil},
		{1, "UPDATE iso SET v = 1 WHERE id = 1", nil},
		{0, "SELECT v FROM iso WHERE id = 1", nil}, // READ COMMITTED: sees the new value
		{0, "COMMIT", nil},
		{0, "START TRANSACTION", nil}, // the session's level again: REPEATABLE READ
		{0, "SELECT v FROM iso WHERE id = 1", nil},
		{1, "UPDATE iso SET v = 2 WHERE id = 1", nil},
		{0, "SELECT v FROM iso WHERE id = 1", nil}, // its snapshot: still 1
		{0, "COMMIT", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "INSERT INTO iso VALUES (5, 0)", nil}, // autocommit: the next transaction
		{0, "INSERT INTO iso VALUES (5, 0)", nil},
		{0, "BEGIN", nil},
		{0, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", nil}, // 1568 inside a transaction
		{0, "ROLLBACK", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "START TRANSACTION", nil},
		{0, "INSERT INTO iso VALUES (7, 0)", nil},
		{0, "ROLLBACK", nil},
		{0, "INSERT INTO iso VALUES (7, 0)", nil},
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "SELECT @@tx_read_only", nil},
		{0, "INSERT INTO iso VALUES (6, 0)", nil},
		{1, "INSERT INTO iso VALUES (6, 0)", nil},
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (8, 0)", nil},
		{0, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", nil},
		{0, "SELECT @@tx_isolation", nil},
		{1, "SELECT @@tx_isolation", nil},
		{0, "SELECT COUNT(*) FROM iso", nil},
		// Each characteristic is pending on its own; COMMIT, ROLLBACK and
		// the session's value end a pending one.
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", nil},
		{0, "INSERT INTO iso VALUES (9, 0)", nil}, // still READ ONLY
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (9, 0)", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "ROLLBACK", nil},
		{0, "INSERT INTO iso VALUES (10, 0)", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", nil},
		{0, "INSERT INTO iso VALUES (11, 0)", nil}, // still READ ONLY
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (11, 0)", nil},
		// Temporary tables: written in a READ ONLY transaction, never
		// created or dropped there.
		{0, "CREATE TEMPORARY TABLE tmp_ro (x INT)", nil},
		{0, "START TRANSACTION READ ONLY", nil},
		{0, "INSERT INTO tmp_ro VALUES (1)", nil},
		{0, "UPDATE tmp_ro SET x = 2", nil},
		{0, "CREATE TEMPORARY TABLE tmp_ro2 (x INT)", nil},
		{0, "DROP TEMPORARY TABLE IF EXISTS tmp_ro", nil},
		{0, "COMMIT", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "CREATE TEMPORARY TABLE tmp_ro3 (x INT)", nil},
		{0, "DROP TEMPORARY TABLE tmp_ro", nil},
		{0, "INSERT INTO tmp_ro VALUES (3)", nil}, // a statement on a table: the pending transaction
		{0, "INSERT INTO iso VALUES (12, 0)", nil},
		{0, "SELECT SUM(x), COUNT(*) FROM tmp_ro", nil},
		{0, "DROP TEMPORARY TABLE tmp_ro", nil},
		{0, "SELECT COUNT(*) FROM iso", nil},
		// autocommit=0: a transaction starts with a statement that uses a
		// table; SET autocommit = 1 commits it but keeps the
		// characteristics for the next one (MariaDB 10.11).
		{0, "SET autocommit = 0", nil},
		{0, "SELECT 1", nil},
		{0, "SET TRANSACTION READ ONLY", nil}, // no transaction yet
		{0, "SELECT COUNT(*) FROM iso", nil},
		{0, "INSERT INTO iso VALUES (13, 0)", nil}, // READ ONLY
		{0, "SET autocommit = 1", nil},
		{0, "INSERT INTO iso VALUES (13, 0)", nil}, // still READ ONLY
		{0, "SELECT COUNT(*) FROM iso", nil},
		{0, "INSERT INTO iso VALUES (13, 0)", nil},
		{0, "SET autocommit = 0", nil},
		{0, "START TRANSACTION READ ONLY", nil},
		{0, "SET autocommit = 1", nil},             // commits
		{0, "INSERT INTO iso VALUES (14, 0)", nil}, // READ ONLY all the same
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (14, 0)", nil},
		// BEGIN ends autocommit=0's transaction, which had not started
		// when its statements used no table: the characteristics stay
		// pending for BEGIN's (MariaDB 10.11). After a statement that used
		// a table, or a BEGIN of an explicit one, they are spent.
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "SET autocommit = 0", nil},
		{0, "SELECT 1", nil},
		{0, "SELECT RELEASE_ALL_LOCKS()", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO iso VALUES (15, 0)", nil}, // READ ONLY
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (15, 0)", nil},
		{0, "COMMIT", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "SELECT COUNT(*) FROM iso", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO iso VALUES (16, 0)", nil},
		{0, "COMMIT", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "SELECT 1", nil},
		{0, "START TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (17, 0)", nil},
		{0, "COMMIT", nil},
		{0, "SET autocommit = 1", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "BEGIN", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO iso VALUES (18, 0)", nil},
		{0, "COMMIT", nil},
		// READ WRITE overrides a pending or session READ ONLY.
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "START TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (19, 0)", nil},
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (20, 0)", nil},
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "START TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (21, 0)", nil},
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (22, 0)", nil},
		{0, "START TRANSACTION READ WRITE", nil},
		{0, "COMMIT AND CHAIN", nil},
		{0, "INSERT INTO iso VALUES (23, 0)", nil}, // the chained one is READ WRITE too
		{0, "COMMIT", nil},
		{0, "SET TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (24, 0)", nil}, // autocommit: its own transaction
		{0, "INSERT INTO iso VALUES (25, 0)", nil},
		// The session's mode replaces what autocommit=0's unstarted
		// transaction took, not what a started one has.
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "SET TRANSACTION READ WRITE", nil},
		{0, "SET autocommit = 0", nil},
		{0, "SELECT 1", nil},
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "INSERT INTO iso VALUES (26, 0)", nil}, // READ ONLY
		{0, "ROLLBACK", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "SELECT 1", nil},
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (27, 0)", nil},
		{0, "COMMIT", nil},
		{0, "SELECT COUNT(*) FROM iso", nil},
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "INSERT INTO iso VALUES (28, 0)", nil}, // the transaction had started: READ WRITE
		{0, "COMMIT", nil},
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "SET autocommit = 1", nil},
		{0, "SELECT COUNT(*) FROM iso", nil},
		// Under LOCK TABLES a write in a READ ONLY transaction is refused
		// as a write before its table is found unlocked (MariaDB 10.11:
		// 1792, not 1100); a read of an unlocked table is 1100.
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "LOCK TABLES iso READ", nil},
		{0, "INSERT INTO iso2 VALUES (1)", nil},
		{0, "SELECT * FROM iso2", nil},
		{0, "INSERT INTO iso VALUES (29, 0)", nil},
		{0, "UNLOCK TABLES", nil},
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "SET autocommit = 0", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "LOCK TABLES iso READ", nil}, // starts the READ ONLY transaction
		{0, "DELETE FROM iso2", nil},
		{0, "UPDATE iso2 SET x = 1", nil},
		{0, "UNLOCK TABLES", nil},
		{0, "COMMIT", nil},
		{0, "LOCK TABLES iso READ", nil},
		{0, "INSERT INTO iso2 VALUES (2)", nil}, // READ WRITE again: 1100
		{0, "UNLOCK TABLES", nil},
		{0, "SET autocommit = 1", nil},
		{0, "SELECT COUNT(*) FROM iso2", nil},
		// SET SESSION TRANSACTION inside a transaction is for the next
		// one, even when no statement of this one has run yet.
		{0, "BEGIN", nil},
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "INSERT INTO iso VALUES (30, 0)", nil}, // began READ WRITE
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (31, 0)", nil}, // 1792
		{0, "BEGIN", nil},
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "INSERT INTO iso VALUES (32, 0)", nil}, // 1792: began READ ONLY
		{0, "COMMIT", nil},
		{0, "INSERT INTO iso VALUES (32, 0)", nil},
		{1, "BEGIN", nil},
		{1, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", nil},
		{1, "SELECT v FROM iso WHERE id = 1", nil},
		{0, "UPDATE iso SET v = 40 WHERE id = 1", nil},
		{1, "SELECT v FROM iso WHERE id = 1", nil}, // the server's REPEATABLE READ: its snapshot
		{1, "COMMIT", nil},
		{1, "SELECT v FROM iso WHERE id = 1", nil},
		{0, "UPDATE iso SET v = 41 WHERE id = 1", nil},
		{1, "BEGIN", nil},
		{1, "SELECT v FROM iso WHERE id = 1", nil},
		{0, "UPDATE iso SET v = 42 WHERE id = 1", nil},
		{1, "SELECT v FROM iso WHERE id = 1", nil}, // READ COMMITTED now
		{1, "COMMIT", nil},
		{0, "SELECT COUNT(*) FROM iso", nil},
		// SET autocommit = 1 commits without resetting the transaction's
		// characteristics: the next transaction has the ones it began
		// with, the one after the session's.
		{0, "SET autocommit = 0", nil},
		{0, "INSERT INTO iso VALUES (33, 0)", nil},
		{0, "SET SESSION TRANSACTION READ ONLY", nil},
		{0, "SET autocommit = 1", nil},
		{0, "INSERT INTO iso VALUES (34, 0)", nil}, // READ WRITE still
		{0, "INSERT INTO iso VALUES (35, 0)", nil}, // 1792
		{0, "SET autocommit = 0", nil},
		{0, "SELECT COUNT(*) FROM iso", nil}, // starts a READ ONLY one
		{0, "SET SESSION TRANSACTION READ WRITE", nil},
		{0, "SET autocommit = 1", nil},
		{0, "INSERT INTO iso VALUES (36, 0)", nil}, // 1792: READ ONLY still
		{0, "INSERT INTO iso VALUES (36, 0)", nil}, // and again: a refused statement spends nothing
		{0, "SELECT COUNT(*) FROM iso", nil},
		{0, "INSERT INTO iso VALUES (36, 0)", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 2), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_tx"), 2), steps)
	compareScript(t, steps, got, want)

	// database/sql's BeginTx with an isolation level and read-only.
	db := f.db(t, "shop", "")
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatalf("BeginTx(ReadCommitted): %v", err)
	}
	before := queryInt(t, tx, "SELECT v FROM iso WHERE id = 1")
	mustExec(t, db, "UPDATE iso SET v = v + 10 WHERE id = 1")
	if after := queryInt(t, tx, "SELECT v FROM iso WHERE id = 1"); after != before+10 {
		t.Errorf("READ COMMITTED transaction read %d then %d, want the committed change (+10)", before, after)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelSerializable})
	if err != nil {
		t.Fatalf("BeginTx(ReadOnly, Serializable): %v", err)
	}
	if _, err := ro.ExecContext(ctx, "INSERT INTO iso VALUES (9, 0)"); mysqlErrNumber(err) != 1792 {
		t.Errorf("INSERT in a read-only BeginTx: %v, want 1792", err)
	}
	_ = ro.Rollback()
	if !t.Failed() {
		t.Logf("%d statements of 2 interleaved sessions equal to MariaDB's; BeginTx with isolation and read-only work", len(steps))
	}
}

// TestUnstartedTransactionReads: under autocommit=0, a statement that
// failed before opening a table, or a SAVEPOINT, starts no transaction on
// MariaDB (@@in_transaction 0); the proxy ran the next read in the branch
// it had opened for them, which answered 1.
func TestUnstartedTransactionReads(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"INSERT INTO sw VALUES (1, 10), (2, 20), (3, 30), (4, 40)")
	compareSessions(ctx, t, proxy, direct, 2, []scriptStep{
		{0, "SET autocommit = 0", nil},
		{0, "SELECT * FROM nosuch", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "SAVEPOINT x", nil},
		{0, "SELECT @@in_transaction, 1", nil},
		{0, "SELECT COUNT(*) FROM sw", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "UPDATE sw SET k = k + 1 WHERE id IN (1, 2)", nil},
		{1, "SELECT SUM(k) FROM sw", nil},
		{0, "ROLLBACK TO x", nil},
		{0, "SELECT SUM(k) FROM sw", nil},
		{0, "COMMIT", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "SELECT * FROM nosuch", nil},
		{0, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "UPDATE sw SET k = k + 1 WHERE id IN (3, 4)", nil},
		{0, "SELECT @@in_transaction", nil},
		{1, "SELECT SUM(k) FROM sw", nil},
		{0, "COMMIT", nil},
		{1, "SELECT SUM(k) FROM sw", nil},
	})
}
