package integration

import "testing"

// TestDDLLockWaitTimeoutOverShards: a DDL waiting for the metadata lock
// of a transaction that used its table fails after lock_wait_timeout (or
// at once with NOWAIT) with 1205 and changes nothing, as on one MariaDB,
// also when the transaction used only one shard's rows. Before, it
// applied on the shard the transaction had not touched, then timed out on
// the other: an ALTER half applied, a TRUNCATE that emptied one shard.
func TestDDLLockWaitTimeoutOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
	)
	compareSessions(ctx, t, proxy, direct, 2, []scriptStep{
		{1, "SET SESSION lock_wait_timeout = 1", nil},
		{0, "BEGIN", nil},
		{0, "SELECT v FROM gitems WHERE k = 1", nil}, // s1 only
		{1, "ALTER TABLE gitems ADD COLUMN w INT", nil},
		{1, "SHOW WARNINGS", nil},
		{1, "ALTER TABLE gitems NOWAIT ADD INDEX iv (v)", nil},
		{1, "TRUNCATE TABLE gitems", nil},
		{1, "CREATE INDEX iv ON gitems (v) WAIT 1", nil},
		{0, "SELECT * FROM gitems ORDER BY k", nil},
		{0, "COMMIT", nil},
		{1, "SHOW CREATE TABLE gitems", nil},
		{1, "SELECT * FROM gitems ORDER BY k", nil},
		// The lock given back, the DDL runs.
		{1, "ALTER TABLE gitems ADD COLUMN w INT", nil},
		{0, "SELECT * FROM gitems ORDER BY k", nil},
	})
}
