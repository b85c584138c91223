package integration

import "testing"

// TestDDLInfoOverShards: ALTER TABLE, CREATE and DROP INDEX on a sharded
// table answer with the info text one MariaDB writes ("Records: N
// Duplicates: 0  Warnings: N"), counting every shard's rows; on a
// broadcast table, one copy's.
func TestDDLInfoOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE items_prepared (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
		"CREATE TABLE regions_prepared (k INT PRIMARY KEY, v INT)",
		"INSERT INTO items_prepared VALUES (1, 1, 'abcd'), (2, 2, 'efgh'), (3, 3, 'ijkl'), (4, 4, 'mn')",
		"INSERT INTO regions_prepared VALUES (1, 1), (2, 2)",
	)
	compareRawAnswers(t, f, []string{
		"ALTER TABLE items_prepared MODIFY v BIGINT",
		"ALTER TABLE items_prepared ADD COLUMN w INT",
		"CREATE INDEX iv ON items_prepared (v)",
		"CREATE INDEX iv2 ON items_prepared (v)",
		"DROP INDEX iv2 ON items_prepared",
		"ALTER TABLE items_prepared ENGINE = InnoDB",
		"ALTER TABLE regions_prepared MODIFY v BIGINT",
		"ALTER TABLE regions_prepared ADD COLUMN w INT",
		"SET sql_mode = ''",
		"ALTER TABLE items_prepared MODIFY s VARCHAR(3)",
		"ALTER TABLE regions_prepared MODIFY v TINYINT",
	})
}
