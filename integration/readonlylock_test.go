package integration

import "testing"

// TestReadOnlyLockingReads: in a READ ONLY transaction (START TRANSACTION
// READ ONLY, the next one after SET TRANSACTION READ ONLY, the session's
// default after SET SESSION TRANSACTION READ ONLY) a FOR UPDATE read of a
// table, sharded or not, is refused with MariaDB's 1792 and takes no lock;
// LOCK IN SHARE MODE, FOR UPDATE of no table and of a temporary table run,
// as on one server.
func TestReadOnlyLockingReads(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd')",
		"CREATE TABLE plain (id INT PRIMARY KEY, v INT)", "INSERT INTO plain VALUES (1, 1)")
	compareWireSessions(t, f, 2, []wireStep{
		{1, "SET SESSION innodb_lock_wait_timeout = 1"},
		{0, "CREATE TEMPORARY TABLE tt (a INT)"},
		{0, "START TRANSACTION READ ONLY"},
		{0, "SELECT k FROM txitems WHERE k = 1 FOR UPDATE"},
		{0, "SELECT k FROM txitems WHERE k IN (1, 2) FOR UPDATE"},
		{0, "SELECT k FROM txitems ORDER BY k FOR UPDATE SKIP LOCKED"},
		{0, "SELECT k FROM txitems WHERE k = 3 FOR UPDATE NOWAIT"},
		{0, "SELECT id FROM plain FOR UPDATE"},
		{0, "SELECT k FROM txitems WHERE k = 2 AND v IN (SELECT v FROM plain FOR UPDATE)"},
		{0, "SELECT k FROM txitems WHERE k IN (1, 2) LOCK IN SHARE MODE"},
		{0, "SELECT 1 FOR UPDATE"},
		{0, "SELECT a FROM tt FOR UPDATE"},
		{1, "UPDATE txitems SET v = 10 WHERE k IN (1, 3)"},
		{1, "UPDATE plain SET v = 10"},
		{0, "COMMIT"},
		{0, "SET TRANSACTION READ ONLY"},
		{0, "SELECT k FROM txitems WHERE k = 3 FOR UPDATE"},
		{0, "SELECT k FROM txitems WHERE k = 3"},
		{0, "SET TRANSACTION READ ONLY"},
		{0, "SET autocommit = 0"},
		{0, "SELECT id FROM plain FOR UPDATE"},
		{0, "ROLLBACK"},
		{0, "SET autocommit = 1"},
		{0, "SET SESSION TRANSACTION READ ONLY"},
		{0, "SELECT k FROM txitems WHERE k = 1 FOR UPDATE"},
		{0, "BEGIN"},
		{0, "SELECT k FROM txitems WHERE k IN (1, 2) FOR UPDATE"},
		{0, "COMMIT"},
		{0, "SET SESSION TRANSACTION READ WRITE"},
		{0, "START TRANSACTION READ WRITE"},
		{0, "SELECT k FROM txitems WHERE k = 2 FOR UPDATE"},
		{0, "COMMIT"},
	})
}
