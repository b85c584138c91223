package integration

import "testing"

// TestLiteralFieldsOverAggregates: a literal in the select list of a
// query the merge aggregates is described as one MariaDB describes it:
// an integer an INT as long as its text, a decimal its digits, a float
// as long as its text, all NOT NULL; a string in the session's character
// set (the shards type it), with an introducer or COLLATE too; arithmetic
// and comparisons of literals by MariaDB's rules for their operands.
func TestLiteralFieldsOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, g INT, v INT)",
		"INSERT INTO gitems VALUES (1, 1, 1), (2, 1, 2), (3, 2, 3)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT 1, 9999999999, -1, 18446744073709551615, 1.50, -2.5, COUNT(*) FROM gitems",
		"SELECT 2e0, 1.5E+3, -2.5e0 AS f, - 1e1, NULL, SUM(v) FROM gitems",
		"SELECT -123456789, -1234567890, 123456789, 0.0, -0.5, -(-1), COUNT(*) FROM gitems",
		"SELECT 'a', COUNT(*) FROM gitems",
		"SELECT 'a', COUNT(*) FROM gitems WHERE k > 100",
		"SELECT g, 1, 'x' AS lbl FROM gitems GROUP BY g",
		"SELECT _latin1'a', 'b' COLLATE utf8mb4_bin, COUNT(*) FROM gitems",
		"SELECT IF(COUNT(*) > 1, 'many', 'few'), 'many' FROM gitems GROUP BY g",
		"SELECT 'a' AS lbl, SUM(v) FROM gitems GROUP BY g ORDER BY lbl, SUM(v)",
		"SELECT 1 FROM gitems HAVING SUM(v) > 0",
		"SELECT -(-2e0), - -1.5e1, (3e0), COUNT(*) FROM gitems",
		"SELECT 1 + 1, 2 * 3, 7 DIV 2, 7 % 2, 1 / 3, 1.0 / 3, 10 - 1.5, 2e0 * 3, 2e0 / 3, COUNT(*) FROM gitems",
		"SELECT 1 = 1, 1 < 2, NOT 1, 1 AND 0, 1 IS NULL, 'a' = 'a', 'a' < 'b', COUNT(*) FROM gitems",
		"SELECT g, 2 + 3, 9999999999 + 1, 18446744073709551615 - 1 FROM gitems GROUP BY g",
		"SELECT COUNT(*) * 1e0, COUNT(*) + 0.5e0, SUM(v) * 1e0, COUNT(*) / 2e0, -(COUNT(*) * 1e0) FROM gitems",
	})
}
