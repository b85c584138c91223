package integration

import "testing"

// IFNULL and COALESCE of a string MIN or MAX with a string literal over
// several shards: the column's length and collation, as a VARCHAR, NOT
// NULL (CHAR, VARCHAR, a _bin collation). A literal longer than the
// column, and a latin1 column's MAX over several shards, are refused
// (1235).
func TestIfNullOverStringAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, name VARCHAR(20), code CHAR(3), nb VARCHAR(10) COLLATE utf8mb4_bin, l1 VARCHAR(10) CHARACTER SET latin1, nn VARCHAR(5) NOT NULL)",
		"INSERT INTO modeitems VALUES (1, 1, 'b', 'x', 'B', 'q', 'a'), (2, 1, 'A', 'y', 'a', 'r', 'b'), (3, 2, NULL, NULL, NULL, NULL, 'c'), (5, 3, 'c', 'z', 'c', 's', 'd')")
	qs := []string{
		"SELECT IFNULL(MAX(name), ''), COALESCE(MIN(name), 'none'), IFNULL(MAX(code), 'x'), IFNULL(MAX(nb), 'z'), IFNULL(MAX(nn), 'e') FROM modeitems",
		"SELECT IFNULL(MAX(name), ''), COALESCE(MIN(name), 'none'), IFNULL(MAX(code), 'x'), IFNULL(MAX(nb), 'z'), IFNULL(MAX(nn), 'e') FROM modeitems WHERE k > 100",
		"SELECT g, IFNULL(MAX(name), '-') AS m FROM modeitems GROUP BY g ORDER BY m",
		"SELECT g, COALESCE(MAX(code), 'n/a') FROM modeitems WHERE k > ? GROUP BY g",
	}
	steps := textSteps(qs[:3]...)
	steps = append(steps, scriptStep{0, qs[3], []any{0}}) // the binary protocol
	compareSessions(ctx, t, proxy, direct, 1, steps)
	for _, q := range append(qs[:2:2], "SELECT g, IFNULL(MAX(name), ''), MIN(name), MAX(nb), COALESCE(MIN(code), '-') FROM modeitems GROUP BY g") { // with metadata
		compareTwinFields(t, f, q, false)
	}
	wantUnsupported(ctx, t, proxy, nil, "SELECT IFNULL(MAX(nn), 'longer than five') FROM modeitems",
		"SELECT IFNULL(MAX(l1), 'q') FROM modeitems") // latin1_swedish_ci: the merge orders utf8 text
	compareTwinFields(t, f, "SELECT IFNULL(MAX(l1), 'q') FROM modeitems WHERE k = 1", true) // one shard runs it
}
