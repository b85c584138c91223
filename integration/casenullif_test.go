package integration

import "testing"

// IF, a searched CASE, NULLIF, GREATEST and LEAST over aggregates, over
// several shards:
// MariaDB's values and column metadata (the results' type aggregation,
// NOT NULL when every condition and result is), ungrouped and grouped,
// text and binary protocol. Double results, strings other than literals,
// and signed with unsigned integers are refused (1235).
func TestCaseNullIfGreatestOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(8,2), x DOUBLE, name VARCHAR(20), t TINYINT, u INT UNSIGNED)",
		"INSERT INTO modeitems VALUES (1, 1, 1, 1.25, 0.5, 'a', 1, 1), (2, 1, -7, -2.50, 1.5, '', 2, 2), (3, 2, NULL, NULL, NULL, NULL, NULL, NULL), (5, 3, 0, -0.10, -2.25, 'c', -3, 3)")
	queries := []string{
		"SELECT IF(SUM(v) > 0, 1, 0), IF(MAX(v) IS NULL, 0, MAX(v)), CASE WHEN COUNT(*) > 1 THEN 1.5 ELSE 2 END, IF(COUNT(*) > 0, SUM(d), 0), IF(COUNT(*) > 0, 100, 1000000), CASE WHEN MAX(v) > 1 THEN 7 END, IF(MIN(t) < 0, MIN(t), MIN(v)), CASE WHEN SUM(v) > 0 THEN 1 WHEN SUM(v) < 0 THEN -1 ELSE 0 END FROM modeitems",
		"SELECT NULLIF(COUNT(v), 0), NULLIF(SUM(d), 0), NULLIF(MAX(name), ''), SUM(v) / NULLIF(COUNT(v), 0), NULLIF(MAX(v), 1), NULLIF(AVG(v), 0), NULLIF(MAX(x), 0) FROM modeitems",
		"SELECT NULLIF(COUNT(v), 0), SUM(v) / NULLIF(COUNT(v), 0), IF(COUNT(v) > 0, SUM(d), NULL), CASE WHEN COUNT(*) > 1 THEN 1.5 ELSE 2 END FROM modeitems WHERE k > 100",
		"SELECT g, IF(SUM(v) > 0, 1, 0) AS pos, NULLIF(MIN(name), ''), CASE WHEN COUNT(*) > 1 THEN SUM(d) ELSE -1 END FROM modeitems GROUP BY g ORDER BY pos, g",
		"SELECT GREATEST(MAX(v), 0), LEAST(MIN(v), 0), GREATEST(SUM(d), 1), LEAST(COUNT(*), 5), GREATEST(MAX(v), 1.5), LEAST(MAX(t), MIN(v), -1) FROM modeitems",
		"SELECT g, GREATEST(SUM(d), 0) AS gd, LEAST(COUNT(*), 1) FROM modeitems GROUP BY g HAVING GREATEST(SUM(d), 0) >= 0 ORDER BY gd, g",
	}
	steps := textSteps(queries...)
	steps = append(steps, scriptStep{0, "SELECT g, IF(COUNT(*) > 1, 1.5, 2), NULLIF(SUM(v), 1) FROM modeitems WHERE k > ? GROUP BY g", []any{0}})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	for _, q := range queries {
		compareTwinFields(t, f, q, false)
	}
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT IF(COUNT(*) > 2, 'many', 0) FROM modeitems",
		"SELECT IF(COUNT(*) > 2, MAX(name), 'few') FROM modeitems",
		"SELECT IF(COUNT(*) > 2, _latin1'many', 'few') FROM modeitems",
		"SELECT CASE WHEN SUM(v) > 0 THEN AVG(x) ELSE 0 END FROM modeitems",
		"SELECT CASE MAX(v) WHEN 1 THEN 10 ELSE 20 END FROM modeitems",
		"SELECT IF(MIN(t) < 0, MIN(t), MAX(u)) FROM modeitems",
		"SELECT GREATEST(MAX(x), 1) FROM modeitems",
		"SELECT GREATEST(MAX(v), NULL) FROM modeitems",
		"SELECT GREATEST(MAX(u), 0) FROM modeitems",
		"SELECT LEAST(MAX(name), 'b') FROM modeitems",
	)
}

// TestStringCaseOverAggregates: an IF or a searched CASE over aggregates
// whose results are string literals (labels: IF(COUNT(*) > 2, 'many',
// 'few')) was refused over several shards, its type depending on the
// session's character sets. The shards compute the literals; values and
// column definitions are MariaDB's, in the select list, HAVING and ORDER
// BY, grouped and not, with COUNT(DISTINCT), under SET NAMES latin1, text
// and binary protocol.
func TestStringCaseOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, NULL, 'a')")
	queries := []string{
		"SELECT IF(COUNT(*) > 2, 'many', 'few') FROM modeitems",
		"SELECT IF(COUNT(*) > 2, 'many', 'few') FROM modeitems WHERE k > 10",
		"SELECT s, IF(COUNT(*) > 1, 'many', 'few') AS n FROM modeitems GROUP BY s ORDER BY n, s",
		"SELECT s, CASE WHEN SUM(v) > 2 THEN 'big' WHEN SUM(v) > 1 THEN 'medium' END AS c FROM modeitems GROUP BY s",
		"SELECT s, CASE WHEN COUNT(*) > 1 THEN 'x' ELSE NULL END, IF(SUM(v) > 0, 'a', 'bb') FROM modeitems GROUP BY s",
		"SELECT s, IF(COUNT(*) > 1, 'it''s', \"dq\") FROM modeitems GROUP BY s",
		"SELECT IF(COUNT(DISTINCT s) > 2, 'many', 'few'), COUNT(*) FROM modeitems",
		"SELECT s FROM modeitems GROUP BY s HAVING IF(COUNT(*) > 1, 'many', 'few') = 'many'",
		"SELECT s, IF(COUNT(*) > 1, 'many', 'few') FROM modeitems GROUP BY s ORDER BY IF(COUNT(*) > 1, 'many', 'few') DESC, s",
	}
	compareQueries(ctx, t, proxy, direct, f, queries,
		scriptStep{0, "SELECT s, IF(COUNT(*) > 1, 'it''s', 'few') FROM modeitems WHERE k > ? GROUP BY s", []any{0}},
		scriptStep{0, "SET NAMES latin1", nil},
		// Grouped by a number: latin1 text the merge would compare is refused.
		scriptStep{0, "SELECT v IS NULL, IF(COUNT(*) > 1, 'ménage', 'few') FROM modeitems GROUP BY v IS NULL", nil},
		scriptStep{0, "SELECT v IS NULL, IF(COUNT(*) > 1, 'ménage', 'few') FROM modeitems WHERE k > ? GROUP BY v IS NULL", []any{0}},
	)
}
