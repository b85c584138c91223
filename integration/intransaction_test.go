package integration

import "testing"

// TestInTransactionAutocommitOff: under autocommit=0 a read of no table
// starts no transaction on MariaDB (@@in_transaction 0, before any table
// is read and after COMMIT), while a read of a table does; the proxy
// answers the same.
func TestInTransactionAutocommitOff(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b')")
	compareWireSessions(t, f, 1, []wireStep{
		{0, "SET autocommit = 0"},
		{0, "SELECT @@in_transaction"},
		{0, "SELECT 1"},
		{0, "DO 1"},
		{0, "SELECT @@in_transaction, @@autocommit"},
		{0, "SELECT v FROM txitems WHERE k = 1"},
		{0, "SELECT @@in_transaction"},
		{0, "COMMIT"},
		{0, "SELECT @@in_transaction"},
		{0, "INSERT INTO txitems VALUES (3, 3, 'c'), (4, 4, 'd')"},
		{0, "SELECT @@in_transaction"},
		{0, "ROLLBACK"},
		{0, "SELECT @@in_transaction"},
		{0, "SET TRANSACTION READ ONLY"},
		{0, "SELECT 1"},
		{0, "INSERT INTO txitems VALUES (5, 5, 'e')"},
		{0, "SELECT @@in_transaction"},
		{0, "ROLLBACK"},
		{0, "SELECT COUNT(*) FROM txitems"},
		{0, "COMMIT"},
		{0, "SET autocommit = 1"},
		{0, "SELECT @@in_transaction"},
	})
}

// TestInTransactionAutocommitOffFunctions: under autocommit=0 a read of no
// table calling builtins or a stored function that reads no table starts
// no transaction on MariaDB; one calling a stored function that reads a
// table does. The proxy answers the same (it asks its catalog).
func TestInTransactionAutocommitOffFunctions(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE plainrows (a INT)", "INSERT INTO plainrows VALUES (1), (2)",
		"CREATE FUNCTION addone(x INT) RETURNS INT DETERMINISTIC RETURN x + 1",
		"CREATE FUNCTION countrows() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM plainrows)")
	compareWireSessions(t, f, 1, []wireStep{
		{0, "SET autocommit = 0"},
		{0, "SELECT NOW() IS NOT NULL, CONCAT('a', 'b'), @@in_transaction"},
		{0, "SELECT @@in_transaction"},
		{0, "SELECT addone(1)"},
		{0, "SELECT @@in_transaction"},
		{0, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"},
		{0, "SELECT countrows()"},
		{0, "SELECT @@in_transaction"},
		{0, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"},
		{0, "COMMIT"},
		{0, "SELECT @@in_transaction"},
		{0, "SET autocommit = 1"},
	})
}
