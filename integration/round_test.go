package integration

import "testing"

// ROUND and TRUNCATE of an aggregate, or of arithmetic over aggregates,
// over several shards: MariaDB's values (half away from zero for DECIMAL,
// rint for DOUBLE, a carry into a new digit, values that round to zero,
// NULL of an empty set) and column metadata, to the length and the flags.
// A count of decimals other than a non-negative integer literal is
// refused (1235).
func TestRoundOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(8,2), u DECIMAL(6,3) UNSIGNED, s SMALLINT, x DOUBLE, b BIGINT)",
		"INSERT INTO modeitems VALUES (1, 1, 10, 1.25, 0.125, 3, 0.5, 1), (2, 1, 21, 2.55, 9.995, -4, 1.5, 2), (3, 2, NULL, NULL, NULL, NULL, NULL, NULL),"+
			" (4, 2, -1, -0.01, 0.001, 7, NULL, 3), (5, 3, 7, 99.99, 999.999, 1, 2, 4), (6, 3, -8, -99.99, 0.004, -2, 3, 5), (7, 4, 1, -0.02, 0.002, 0, 1, 6)")
	queries := []string{
		"SELECT ROUND(AVG(v), 2), ROUND(AVG(v)), ROUND(SUM(d), 1), ROUND(AVG(d), 3), ROUND(MAX(v), 2), ROUND(MIN(s)), ROUND(SUM(u), 2), ROUND(AVG(u), 1) FROM modeitems",
		"SELECT TRUNCATE(AVG(v), 2), TRUNCATE(SUM(d), 0), TRUNCATE(AVG(d), 5), TRUNCATE(MAX(d), 1), ROUND(MAX(d), 4), ROUND(SUM(v), 2), ROUND(SUM(b)), ROUND(AVG(b), 1) FROM modeitems",
		"SELECT ROUND(AVG(v), 2), ROUND(SUM(d), 1), TRUNCATE(AVG(u), 2) FROM modeitems WHERE k > 100",
		"SELECT g, ROUND(AVG(v), 1) AS a, ROUND(SUM(d)), TRUNCATE(AVG(d), 1) FROM modeitems GROUP BY g",
		"SELECT g, ROUND(AVG(d), 1) AS a FROM modeitems GROUP BY g HAVING ROUND(AVG(d), 1) <> 0 ORDER BY a DESC",
		"SELECT g, ROUND(AVG(d)) FROM modeitems GROUP BY g ORDER BY ROUND(AVG(d)), g",
		// Over arithmetic, and of doubles (rint(x * 10^n) / 10^n).
		"SELECT ROUND(SUM(v)/COUNT(*), 2), ROUND(AVG(d)*100, 1), TRUNCATE(SUM(d)*2, 1), ROUND(MAX(v)+1, 2), ROUND(COUNT(*)*1.5, 1), ROUND(AVG(x)), ROUND(SUM(x), 1), TRUNCATE(AVG(x), 1), ROUND(AVG(x)*3, 3), ROUND(MAX(v)-MIN(v)) FROM modeitems",
		"SELECT g, ROUND(SUM(d)/COUNT(*), 1), ROUND(AVG(x), 2), ROUND(SUM(v) / 3, 0) FROM modeitems GROUP BY g HAVING ROUND(AVG(x), 1) > 0 OR ROUND(SUM(d)/COUNT(*), 1) < 0 ORDER BY ROUND(AVG(x), 2), g",
		// A BIGINT or COUNT is rounded as a DECIMAL.
		"SELECT ROUND(MAX(b)), ROUND(MAX(b) + 1, 1), ROUND(COUNT(*), 1), TRUNCATE(COUNT(*), 2), ROUND(MIN(b) * 2, 3) FROM modeitems",
	}
	steps := textSteps(queries...)
	// The binary protocol encodes the same values.
	steps = append(steps, scriptStep{0, "SELECT g, ROUND(AVG(d), 2), TRUNCATE(SUM(u), 1), ROUND(MAX(v), 1) FROM modeitems WHERE k > ? GROUP BY g", []any{0}})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	for _, q := range append(queries[:4:4], queries[6:]...) { // with metadata
		compareTwinFields(t, f, q, false)
	}
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT ROUND(AVG(v), -1) FROM modeitems",
		"SELECT ROUND(AVG(v), 1.5) FROM modeitems",
		"SELECT TRUNCATE(AVG(v), k) FROM modeitems",
	)
}
