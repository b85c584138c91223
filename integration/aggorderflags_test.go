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

// TestDistinctAggregateOrderMetadataOverShards: with a COUNT(DISTINCT) or
// SUM(DISTINCT), one MariaDB groups by sorting, and sorts the groups in
// another order than the GROUP BY's through a temporary table, whose
// columns describe the aggregates (no BINARY on a number, a YEAR
// ZEROFILL, a string of 0 decimals); the shards, grouping by the
// DISTINCT arguments too, describe them otherwise: the merge follows
// one server.
func TestDistinctAggregateOrderMetadataOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE txitems (k INT PRIMARY KEY, g INT, n INT, s VARCHAR(5), d DECIMAL(6,2), f DOUBLE, t DATE, u INT UNSIGNED, y YEAR, r FLOAT, fd DOUBLE(10,2))",
		"INSERT INTO txitems VALUES (1,1,1,'a',1.5,1.5,'2020-01-01',1,2020,1.5,2.25),(2,1,2,'b',2.5,2.5,'2021-01-01',2,2021,2.5,3.5),(3,2,3,'a',3,3,'2022-01-01',3,2022,3,4),(4,2,3,'c',3,3,'2022-01-01',3,2023,3,4),(5,3,NULL,'d',NULL,NULL,NULL,NULL,NULL,NULL,NULL)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT g, COUNT(DISTINCT n), COUNT(*), COUNT(n), SUM(n), SUM(d), AVG(n), AVG(f), MIN(n), MAX(s), MIN(d), MAX(f), MIN(t), BIT_OR(n), MAX(u), SUM(u), MIN(y) FROM txitems GROUP BY g ORDER BY COUNT(*), g",
		"SELECT g, COUNT(DISTINCT n) c FROM txitems GROUP BY g ORDER BY c DESC, g",
		"SELECT g, SUM(DISTINCT n) c, AVG(DISTINCT n) a FROM txitems GROUP BY g ORDER BY c",
		"SELECT g, COUNT(DISTINCT n) c, MAX(s) FROM txitems GROUP BY g ORDER BY MAX(s)",
		"SELECT g, COUNT(DISTINCT n) + 1 c FROM txitems GROUP BY g ORDER BY c",
		// In the GROUP BY's order: no temporary table, a MIN or MAX of a
		// double as long as its decimals print (23, or 17 and them).
		"SELECT g, COUNT(DISTINCT n) c, MAX(s) FROM txitems GROUP BY g ORDER BY g DESC",
		"SELECT COUNT(DISTINCT n), MAX(f), MIN(r), MAX(fd), MIN(y), MIN(s), MAX(d) FROM txitems",
		"SELECT g, COUNT(DISTINCT n), MAX(f), MIN(r), MAX(fd), MIN(y), MIN(s), MAX(d) FROM txitems GROUP BY g",
		"SELECT SUM(DISTINCT n), MAX(f), MIN(fd) FROM txitems",
	})
}
