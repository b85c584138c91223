package integration

import "testing"

// TestShardKeyAlterRefused: dropping or renaming a sharded table's shard
// key column is refused (1235) before it runs, leaving the table as it
// was. Before, it ran: after ALTER TABLE txitems DROP COLUMN k and ADD
// COLUMN k INT DEFAULT 7, every row had k = 7 but SELECT ... WHERE k = 7
// read only shard s1 and found half of them, where one server finds all.
// So is a change of its type that may change its values (a narrower or
// another type). Widening it still runs, as on one server.
func TestShardKeyAlterRefused(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 5), (2, 6)",
		"CREATE TABLE txitems (k INT NOT NULL, v INT)",
		"INSERT INTO txitems VALUES (1, 5), (2, 6)",
	)
	wantUnsupported(ctx, t, proxy, nil,
		"ALTER TABLE txitems DROP COLUMN k",
		"ALTER TABLE gitems CHANGE k kk INT",
		"ALTER TABLE gitems RENAME COLUMN k TO kk",
		// Without strict mode 300 would become 127, a value of s1, on s0.
		"ALTER TABLE gitems MODIFY k TINYINT",
		"ALTER TABLE gitems MODIFY k VARCHAR(10)",
	)
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SHOW CREATE TABLE txitems", nil},
		{0, "SELECT * FROM txitems WHERE k = 1", nil},
		{0, "ALTER TABLE gitems MODIFY k BIGINT", nil},
		{0, "SHOW CREATE TABLE gitems", nil},
		{0, "SELECT * FROM gitems WHERE k = 2", nil},
	})
}
