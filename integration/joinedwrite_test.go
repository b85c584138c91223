package integration

import "testing"

// TestJoinedWritesOverShards: a multi-table UPDATE or DELETE that writes
// sharded tables, joined with broadcast tables or with co-located ones on
// their shard keys, runs on each shard (or on those its key conditions
// pick) and answers as one MariaDB holding all the rows: affected rows,
// the "Rows matched: M  Changed: C  Warnings: W" info, ROW_COUNT() and the
// rows stored. Writes that would change broadcast copies by each shard's
// rows, move rows between shards or join rows of several shards are
// refused (1235).
func TestJoinedWritesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxyDB, directDB, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), n INT)",
		"CREATE TABLE modeitems (k INT PRIMARY KEY, qty INT)",
		"CREATE TABLE regions_prepared (id INT PRIMARY KEY, name VARCHAR(20))",
		"INSERT INTO gitems VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30), (4, 'd', 40), (5, 'e', 50), (6, 'f', 60), (8, 'h', 80)",
		"INSERT INTO modeitems VALUES (1, 0), (2, 5), (3, 0), (4, 7), (6, 9)",
		"INSERT INTO regions_prepared VALUES (1, 'north'), (2, 'south'), (3, 'east'), (5, 'west')",
	)
	compareRawAnswers(t, f, []string{
		// A broadcast table joined: every shard holds all its rows.
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET g.v = r.name",
		"SELECT ROW_COUNT()",
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET g.n = g.n + 1 WHERE r.name <> 'north'",
		"UPDATE gitems, regions_prepared SET v = CONCAT(v, '!') WHERE id = k AND name LIKE '%st'",
		"UPDATE regions_prepared r LEFT JOIN gitems g ON g.k = r.id SET g.n = 0 WHERE r.id > 2",
		// Co-located sharded tables joined on their keys.
		"UPDATE gitems g JOIN modeitems m ON m.k = g.k SET g.n = m.qty, m.qty = m.qty + 1 WHERE m.qty > 0",
		"UPDATE gitems g JOIN modeitems m USING (k) SET g.v = 'same' WHERE g.k = 4",
		"DELETE m FROM modeitems m JOIN gitems g ON g.k = m.k WHERE g.n = 0",
		"DELETE FROM g USING gitems AS g JOIN regions_prepared AS r ON r.id = g.k WHERE r.name = 'west'",
		"DELETE g, m FROM gitems g JOIN modeitems m ON m.k = g.k WHERE g.k = 6",
		"BEGIN",
		"DELETE gitems FROM gitems JOIN regions_prepared ON regions_prepared.id = gitems.k",
		"ROLLBACK",
		// Rows an outer join NULL-extends have a NULL key on every shard.
		"UPDATE gitems g LEFT JOIN modeitems m ON m.k = g.k SET g.n = g.n + 1000 WHERE m.k <=> NULL",
		// Names that match no table: MariaDB's errors.
		"DELETE gitems FROM gitems AS g JOIN regions_prepared r ON r.id = g.k",
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET gitems.v = 'q'",
		// Key conditions pick one shard; a join of keys of one value.
		"UPDATE gitems a JOIN modeitems b ON b.k = 2 SET a.n = b.qty WHERE a.k = 2",
		"SELECT k, v, n FROM gitems ORDER BY k",
		"SELECT k, qty FROM modeitems ORDER BY k",
		"SELECT id, name FROM regions_prepared ORDER BY id",
	})
	// The binary protocol, a parameter in the key condition.
	compareSessions(ctx, t, proxyDB, directDB, 1, []scriptStep{
		{0, "UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET g.v = ? WHERE g.k = ?", []any{"p", 3}},
		{0, "UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET g.n = ? WHERE r.id >= ?", []any{7, 2}},
		{0, "SELECT k, v, n FROM gitems ORDER BY k", nil},
	})
	wantUnsupported(ctx, t, proxyDB, nil,
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET r.name = g.v",      // broadcast copies would diverge
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET name = 'x'",        // the same, unqualified
		"DELETE r FROM regions_prepared r JOIN gitems g ON g.k = r.id",                // the same, deleting
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET g.k = g.k + 10",    // moves rows
		"UPDATE gitems g JOIN modeitems m ON m.qty = g.n SET g.v = 'x'",               // rows of several shards meet
		"UPDATE gitems g JOIN regions_prepared r ON r.id = g.k SET g.v = 'x' LIMIT 1", // a limit over all shards
		"UPDATE gitems o JOIN regions_prepared O ON O.id = o.k SET O.name = 'x'",      // aliases apart only in case
	)
}
