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
