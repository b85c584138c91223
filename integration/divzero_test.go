package integration

import "testing"

// What the proxy computes over several shards' aggregates warns as MariaDB
// does: a division, DIV or MOD by zero gives NULL with warning 1365, once
// per evaluation the server makes (a sort key and a DISTINCT column for
// every group, the other items for the rows sent, HAVING for every group).
func TestDivisionByZeroWarnings(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'a'), (4, 40, 'c')")
	var steps []scriptStep
	for _, q := range []string{
		"SELECT SUM(v) / 0, SUM(v) DIV 0, SUM(v) MOD 0 FROM modeitems",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s LIMIT 1",
		// Every key is NULL: s breaks the ties, whose order is the
		// server's sort's (CI saw one MariaDB answer b, c, a).
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s ORDER BY 2, s",
		"SELECT s, SUM(v) / 0 AS x FROM modeitems GROUP BY s ORDER BY x, s LIMIT 1",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s ORDER BY s DESC LIMIT 1, 1",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s HAVING SUM(v) / 0 IS NULL",
		"SELECT s FROM modeitems GROUP BY s HAVING SUM(v) DIV 0 IS NULL",
		"SELECT DISTINCT SUM(v) / 0 FROM modeitems GROUP BY s",
		"SELECT s, SUM(v) / (COUNT(*) - 1) FROM modeitems GROUP BY s ORDER BY s",
		"SELECT s, SUM(v) / 2 FROM modeitems GROUP BY s ORDER BY s",
		// Inside the functions over aggregates too: counted for the rows
		// sent, not for every group.
		"SELECT s, ROUND(SUM(v) / 0, 2), ABS(SUM(v) DIV 0) FROM modeitems GROUP BY s ORDER BY s LIMIT 1",
		"SELECT s, IF(COUNT(*) > 1, SUM(v) / 0, 1), GREATEST(SUM(v) MOD 0, 1), NULLIF(SUM(v) / 0, 1) FROM modeitems GROUP BY s ORDER BY s LIMIT 1",
	} {
		steps = append(steps, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil},
			scriptStep{0, "SELECT @@warning_count", nil})
	}
	// max_error_count caps the list, not the count.
	steps = append(steps, scriptStep{0, "SET SESSION max_error_count = 2", nil},
		scriptStep{0, "SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s", nil},
		scriptStep{0, "SHOW WARNINGS", nil}, scriptStep{0, "SELECT @@warning_count", nil})
	compareSessions(ctx, t, proxy, direct, 1, steps)

	// The result set's EOF counts the warnings, which clients such as
	// Connector/J read before asking SHOW WARNINGS: the shards' (a string
	// compared with a number warns per row) and the proxy's own.
	for _, q := range []string{
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s LIMIT 1",
		"SELECT k FROM modeitems WHERE s = 1 ORDER BY k",
		"SELECT COUNT(*) FROM modeitems WHERE s = 1",
	} {
		got, want := executeTwins(t, f, q)
		if got.Warnings != want.Warnings || want.Warnings == 0 {
			t.Errorf("%s: the EOF counts %d warnings through the proxy, %d on MariaDB", q, got.Warnings, want.Warnings)
		}
	}
}
