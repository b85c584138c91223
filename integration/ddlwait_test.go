package integration

import "testing"

// TestDDLLockWaitOptions: MariaDB's ALTER ONLINE TABLE, ALTER TABLE IF
// EXISTS and the lock wait options WAIT n and NOWAIT of DDL run over
// shards and answer as one server (a missing table: a Note). Before, the parser could not read them and the proxy refused
// them with 1064 where MariaDB runs them.
func TestDDLLockWaitOptions(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE items_prepared (k INT PRIMARY KEY, v INT)",
		"INSERT INTO items_prepared VALUES (1, 1), (2, 2), (3, 3)",
		"CREATE TABLE plain_t (k INT PRIMARY KEY)",
	)
	compareRawAnswers(t, f, []string{
		"ALTER ONLINE TABLE items_prepared ADD COLUMN w INT",
		"ALTER TABLE items_prepared WAIT 2 ADD COLUMN w2 INT",
		"ALTER TABLE items_prepared NOWAIT MODIFY w BIGINT",
		"ALTER ONLINE TABLE items_prepared NOWAIT ADD INDEX iw (w)",
		"CREATE INDEX iv ON items_prepared (v) WAIT 1",
		"DROP INDEX iv ON items_prepared NOWAIT",
		"ALTER ONLINE TABLE items_prepared MODIFY v VARCHAR(5)",
		"SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items_prepared' ORDER BY ORDINAL_POSITION",
		"TRUNCATE TABLE items_prepared NOWAIT",
		"SELECT COUNT(*) FROM items_prepared",
		"ALTER TABLE IF EXISTS items_prepared ADD COLUMN w3 INT",
		"ALTER TABLE IF EXISTS items_nothere ADD COLUMN w3 INT",
		"ALTER TABLE IF EXISTS plain_nothere ADD COLUMN w3 INT",
		"ALTER ONLINE TABLE IF EXISTS plain_t NOWAIT ADD COLUMN w INT",
		"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('items_prepared', 'plain_t') ORDER BY TABLE_NAME, ORDINAL_POSITION",
		"RENAME TABLE plain_t NOWAIT TO plain_u",
		"DROP TABLE plain_u WAIT 1",
	})
}
