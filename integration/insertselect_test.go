package integration

import "testing"

// TestInsertSelectOverShards: INSERT ... SELECT into a sharded table from
// a co-located one whose shard key gives the target's runs on each shard
// (or on the one its key conditions pick) and answers as one MariaDB
// holding all the rows: affected rows, the "Records: N  Duplicates: D
// Warnings: W" info, ROW_COUNT() and the rows stored. Forms that would
// move rows between shards are refused (1235).
func TestInsertSelectOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxyDB, directDB, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
		"INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd'), (5, 50, 'e'), (6, 60, 'f')",
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
	)
	// An INVISIBLE column is left out of SELECT * and of an INSERT without
	// a column list.
	const invisible = "CREATE TABLE txitems (h INT INVISIBLE DEFAULT 7, k INT PRIMARY KEY, v BIGINT UNSIGNED)"
	for _, db := range []execer{proxyDB, directDB} {
		mustExec(t, db, invisible)
	}
	compareRawAnswers(t, f, []string{
		"INSERT INTO gitems SELECT * FROM modeitems WHERE k <= 3",
		"INSERT INTO gitems SELECT k, v, s FROM modeitems WHERE k = 4",
		"INSERT IGNORE INTO gitems SELECT * FROM modeitems WHERE k < 6",
		"INSERT INTO gitems (k, v) SELECT k, v * 2 FROM modeitems WHERE k IN (1, 2) ON DUPLICATE KEY UPDATE v = VALUES(v)",
		"INSERT INTO gitems (s, k) SELECT UPPER(s), m.k FROM modeitems AS m WHERE m.v > 100",
		"REPLACE INTO gitems SELECT * FROM modeitems WHERE k >= 5",
		"INSERT INTO txitems VALUES (3, 30), (4, 40), (11, 110)",
		"INSERT INTO gitems SELECT txitems.*, 'inv' FROM txitems WHERE k > 10",
		"INSERT INTO gitems SELECT * FROM gitems WHERE k = 1",
		"BEGIN",
		"INSERT INTO gitems (k, v, s) SELECT k, 0, 'tx' FROM modeitems WHERE k = 6 ON DUPLICATE KEY UPDATE s = 'tx'",
		"ROLLBACK",
		"SELECT k, v, s FROM gitems ORDER BY k",
		"SELECT h, k, v FROM txitems ORDER BY k",
		"INSERT INTO gitems SELECT k FROM modeitems",
		"INSERT INTO gitems (k, v) SELECT k, 1 FROM modeitems WHERE k = 2 RETURNING k, v",
	})
	// The binary protocol, a parameter in the key condition.
	compareSessions(ctx, t, proxyDB, directDB, 1, []scriptStep{
		{0, "INSERT INTO gitems (k, v, s) SELECT k, v, ? FROM modeitems WHERE k = ? ON DUPLICATE KEY UPDATE s = VALUES(s)", []any{"p", 3}},
		{0, "SELECT k, v, s FROM gitems ORDER BY k", nil},
	})
	wantUnsupported(ctx, t, proxyDB, nil,
		"INSERT INTO gitems SELECT v, k, s FROM modeitems",     // the key from another column
		"INSERT INTO gitems SELECT k + 1, v, s FROM modeitems", // a computed key
		"INSERT INTO gitems SELECT * FROM modeitems LIMIT 2",   // a limit over all shards
		"INSERT INTO gitems (k, v) SELECT k, COUNT(*) FROM modeitems GROUP BY k",
		"INSERT INTO gitems SELECT * FROM modeitems UNION ALL SELECT * FROM modeitems",
		"INSERT INTO gitems SELECT * FROM regions_prepared", // a broadcast source
		"INSERT INTO gitems (k) SELECT k FROM modeitems ON DUPLICATE KEY UPDATE k = k + 1",
		"INSERT INTO gitems (k, v) SELECT k, 1 FROM modeitems ON DUPLICATE KEY UPDATE v = (SELECT COUNT(*) FROM modeitems)",
		"INSERT INTO gitems (k, v) SELECT k, 1 FROM modeitems ORDER BY k RETURNING k",
	)
}
