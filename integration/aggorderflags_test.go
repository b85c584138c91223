package integration

import "testing"

// TestAggregateOrderMetadataOverShards: one MariaDB sorts groups in another
// order than the GROUP BY's through a temporary table, and describes the
// columns from it (COUNT(*) without BINARY, the key without PRI_KEY); the
// merged answer's column definitions are the same.
func TestAggregateOrderMetadataOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT, s VARCHAR(5), KEY (n))",
		"INSERT INTO gitems VALUES (1, 3, 'a'), (2, 2, 'b'), (3, 1, 'c'), (4, 3, 'd'), (5, 2, 'e'), (6, 7, 'f')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT n, COUNT(*) FROM gitems GROUP BY n ORDER BY COUNT(*) DESC, n",
		"SELECT n, COUNT(*) FROM gitems GROUP BY n ORDER BY 2, 1",
		"SELECT n AS x, COUNT(*) FROM gitems GROUP BY x ORDER BY 1 DESC, 2",
		"SELECT k, COUNT(*) FROM gitems GROUP BY k ORDER BY COUNT(*), k",
		"SELECT n, SUM(k), MIN(s), MAX(k) FROM gitems GROUP BY n ORDER BY SUM(k), n",
		// In the GROUP BY's order: no temporary table.
		"SELECT k, COUNT(*) FROM gitems GROUP BY k ORDER BY k DESC",
		"SELECT k, COUNT(*) FROM gitems GROUP BY k ORDER BY k",
		"SELECT k, COUNT(*) FROM gitems GROUP BY k ORDER BY NULL",
		"SELECT n, COUNT(*) FROM gitems GROUP BY n",
	})
}
