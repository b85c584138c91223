package integration

import (
	"testing"
)

// TestDDLCountsOverShards: DDL runs on every shard of its table, and its
// answer is one server's. Notes about the statement (DROP ... IF EXISTS of
// a missing table) come once, not once per shard; warnings about rows (an
// ALTER's truncations) and the rows it copied add up over a sharded
// table's shards, and count once for a broadcast table's copies. Before,
// the notes came once per shard; then, for a while, only the first
// shard's rows counted.
func TestDDLCountsOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, s VARCHAR(10))",
		"INSERT INTO modeitems VALUES (1, 'abcdef'), (2, 'ab'), (3, 'abcdefg'), (4, 'xyzxyz')",
		"CREATE TABLE regions_prepared (id INT PRIMARY KEY, s VARCHAR(10))",
		"INSERT INTO regions_prepared VALUES (1, 'abcdef'), (2, 'ab')",
	)
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "DROP TABLE IF EXISTS items_prepared", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
		{0, "DROP TABLE IF EXISTS regions_interpolated", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
		{0, "SET SESSION sql_mode = ''", nil},
		{0, "ALTER TABLE modeitems MODIFY s VARCHAR(3)", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
		{0, "ALTER TABLE regions_prepared MODIFY s VARCHAR(3)", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SELECT k, s FROM modeitems ORDER BY k", nil},
		// A SET's value runs on one shard: reading a broadcast copy is
		// one server's answer, a sharded table's part is not.
		{0, "SET @y = (SELECT COUNT(*) FROM regions_prepared)", nil},
		{0, "SELECT @y", nil},
	})
	wantUnsupported(ctx, t, proxy, nil, "SET @x = (SELECT COUNT(*) FROM modeitems)")
}
