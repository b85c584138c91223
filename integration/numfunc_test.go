package integration

import "testing"

// ABS, FLOOR and CEIL of aggregates and of arithmetic over them, over
// several shards: MariaDB's values (a fraction carrying into a new digit,
// negative values, NULL of an empty set) and column metadata, to the
// length, type and flags, text and binary protocol.
func TestNumFuncsOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(8,2), x DOUBLE, b BIGINT, u INT UNSIGNED, t TINYINT, ud DECIMAL(6,3) UNSIGNED)",
		"INSERT INTO modeitems VALUES (1, 1, 1, 1.25, 0.5, 5, 1, 1, 0.5), (2, 1, -7, -2.50, 1.5, 6, 2, -3, 9.995), (3, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (5, 3, 7, -0.10, -2.25, -7, 3, 4, 0.001)")
	queries := []string{
		"SELECT ABS(SUM(v)), ABS(AVG(d)), ABS(MAX(v)), ABS(MAX(x)), FLOOR(AVG(d)), CEIL(AVG(d)), FLOOR(AVG(v)), CEILING(SUM(d)), FLOOR(MAX(v)), FLOOR(AVG(x)), CEIL(MAX(u)), ABS(COUNT(*)), ABS(MIN(t)), FLOOR(SUM(d)/3), ABS(MAX(u)), FLOOR(MAX(d)), CEIL(MAX(b)), FLOOR(AVG(ud)), CEIL(AVG(ud)), ABS(MIN(d) - 1), CEIL(MIN(x)) FROM modeitems",
		"SELECT ABS(SUM(v)), FLOOR(AVG(d)), CEIL(AVG(x)), ABS(MIN(b)) FROM modeitems WHERE k > 100",
		"SELECT g, ABS(SUM(v)), FLOOR(AVG(d)), CEIL(AVG(d)) AS c FROM modeitems GROUP BY g HAVING FLOOR(AVG(d)) < 1 ORDER BY c, g",
	}
	steps := textSteps(queries...)
	steps = append(steps, scriptStep{0, "SELECT g, FLOOR(AVG(d)), CEIL(SUM(v) / 2), ABS(MIN(x)) FROM modeitems WHERE k > ? GROUP BY g", []any{0}})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	for _, q := range queries[:2] { // with metadata
		compareTwinFields(t, f, q, false)
	}
}
