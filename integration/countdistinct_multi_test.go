package integration

import "testing"

// COUNT(DISTINCT a, b) over several shards: the tuples with no NULL,
// each once whatever shard holds it, under each column's collation
// ('x' and 'X' are one value of a _ci column), grouped or not, beside
// other aggregates, text and binary protocol; MariaDB's column definition.
func TestCountDistinctTuplesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, a INT, name VARCHAR(10), d DECIMAL(6,2))",
		"INSERT INTO modeitems VALUES (1, 1, 1, 'x', 1.50), (2, 1, 1, 'X', 1.5), (3, 1, 2, 'x', NULL), (4, 2, NULL, 'y', 2.00), (5, 2, 3, NULL, 2), (6, 2, 3, 'z', 2.00), (7, 1, 1, 'x ', 1.50), (8, 3, 4, 'w', 0)")
	queries := []string{
		"SELECT COUNT(DISTINCT a, name), COUNT(DISTINCT name, a), COUNT(DISTINCT a, d), COUNT(DISTINCT a), COUNT(*) FROM modeitems",
		"SELECT g, COUNT(DISTINCT a, name, d), SUM(a) FROM modeitems GROUP BY g",
		"SELECT COUNT(DISTINCT a, name) FROM modeitems WHERE k > 100",
		// MariaDB sorts the groups of a DISTINCT aggregate: no 0x8000 on g.
		"SELECT g, COUNT(DISTINCT a), SUM(DISTINCT d), MAX(k) FROM modeitems GROUP BY g",
	}
	steps := textSteps(queries...)
	steps = append(steps, scriptStep{0, "SELECT g, COUNT(DISTINCT a, name) FROM modeitems WHERE k > ? GROUP BY g", []any{0}})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	for _, q := range queries {
		compareTwinFields(t, f, q, true)
	}
}
