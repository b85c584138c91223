package integration

import (
	"testing"
)

// SUM(DISTINCT x) and AVG(DISTINCT x) over several shards: each distinct
// value once, as MariaDB tells them apart (x converted to SUM's type: the
// strings '1' and '1.0' are one value), whichever shards hold it.
func TestSumAvgDistinctOverShards(t *testing.T) {
	t.Parallel()
	// k odd on s1, even on s0: equal values on both shards.
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, i INT, d DECIMAL(8,2), f DOUBLE, s VARCHAR(10))",
		"INSERT INTO modeitems VALUES (1, 1, 5, 1.50, 0.5, '1'), (2, 1, 5, 1.50, 0.5, '1.0'), (3, 1, 7, 2.25, 0.25, 'a'),"+
			" (4, 2, NULL, NULL, NULL, NULL), (5, 2, 7, 2.25, 0.25, 'A'), (6, 2, 9, -3.00, 1e10, '2'), (7, 3, NULL, NULL, NULL, NULL)")
	var steps []scriptStep
	for _, q := range []string{
		"SELECT SUM(DISTINCT i), AVG(DISTINCT i), SUM(i), AVG(i) FROM modeitems",
		"SELECT SUM(DISTINCT d), AVG(DISTINCT d), SUM(DISTINCT f), AVG(DISTINCT f) FROM modeitems",
		"SELECT SUM(DISTINCT s), AVG(DISTINCT s) FROM modeitems",
		"SELECT g, SUM(DISTINCT i), AVG(DISTINCT d), COUNT(DISTINCT s), COUNT(*) FROM modeitems GROUP BY g",
		"SELECT g, SUM(DISTINCT i) AS x FROM modeitems GROUP BY g HAVING x > 6 ORDER BY x DESC",
		"SELECT SUM(DISTINCT i) + COUNT(DISTINCT d), MIN(DISTINCT i), MAX(DISTINCT f) FROM modeitems WHERE k > 1",
		"SELECT SUM(DISTINCT i), AVG(DISTINCT i) FROM modeitems WHERE k > 100",
	} {
		steps = append(steps, scriptStep{0, q, nil})
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
