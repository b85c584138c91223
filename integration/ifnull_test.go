package integration

import "testing"

// IFNULL(SUM(x), 0), COALESCE(AVG(x), 0) and COALESCE(MAX(x), -1) over
// several shards: MariaDB's values and column metadata (the aggregate's
// type, NOT NULL). A literal
// that does not fit the aggregate's type is refused (1235): MariaDB widens
// the type then.
func TestIfNullOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(8,2), x DOUBLE, s SMALLINT, t TINYINT, b BIGINT, u INT UNSIGNED)",
		"INSERT INTO modeitems VALUES (1, 1, 10, 1.25, 0.5, 3, 1, 5, 1), (2, 1, 20, 2.50, 1.5, -3, 2, 6, 2), (3, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"+
			" (4, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (5, 3, 7, 0.10, 2, 9, -1, 7, 3)")
	queries := []string{
		"SELECT IFNULL(SUM(v), 0), COALESCE(AVG(v), 0), IFNULL(SUM(d), 100), COALESCE(AVG(d), 0.5), IFNULL(SUM(x), 7), IFNULL(AVG(x), 0) FROM modeitems",
		"SELECT IFNULL(SUM(v), 0), COALESCE(AVG(d), 0), IFNULL(SUM(x), 0), IFNULL(SUM(d), -5), COALESCE(MAX(v), -1), IFNULL(MIN(s), 0), IFNULL(MAX(t), -128), COALESCE(MAX(b), -1), IFNULL(MAX(d), -1.5), COALESCE(MIN(x), 0) FROM modeitems WHERE k > 100",
		"SELECT COALESCE(MAX(v), -1), IFNULL(MIN(k), 0), IFNULL(MIN(s), 0), IFNULL(MAX(t), 127), COALESCE(MAX(b), 0), IFNULL(MAX(d), -1.5), COALESCE(MIN(x), 0) FROM modeitems",
		"SELECT g, IFNULL(SUM(v), 0) AS s, COALESCE(AVG(d), 0), IFNULL(MAX(v), -1), COALESCE(MIN(d), 0) FROM modeitems GROUP BY g",
		"SELECT g, IFNULL(SUM(v), 0) AS s FROM modeitems GROUP BY g HAVING s > 0 ORDER BY s DESC",
		"SELECT g, IFNULL(MAX(v), 0) AS m FROM modeitems GROUP BY g ORDER BY m, g",
	}
	steps := textSteps(queries...)
	// The binary protocol encodes the widened types.
	steps = append(steps, scriptStep{0, "SELECT g, IFNULL(MAX(t), -1), COALESCE(MIN(s), 0), IFNULL(MAX(v), -1) FROM modeitems WHERE k > ? GROUP BY g", []any{0}})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	// The metadata, to the length and the flags.
	for _, q := range queries[:4] { // with metadata
		compareTwinFields(t, f, q, false)
	}
	// Where MariaDB widens the type, refused.
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT IFNULL(SUM(v), 0.5) FROM modeitems",
		"SELECT IFNULL(AVG(v), 12345678901) FROM modeitems",
		"SELECT IFNULL(MAX(t), 128) FROM modeitems",
		"SELECT IFNULL(MAX(s), -1234567) FROM modeitems",
		"SELECT IFNULL(MAX(u), 0) FROM modeitems",
		"SELECT IFNULL(MAX(d), 0.125) FROM modeitems",
		"SELECT IFNULL(SUM(v), 'none') FROM modeitems",
	)
}
