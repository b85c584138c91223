package integration

import (
	"testing"
)

// What the proxy computes over several shards' aggregates warns as MariaDB
// does: a division, DIV or MOD by zero gives NULL with warning 1365, once
// per evaluation the server makes (a sort key and a DISTINCT column for
// every group, the other items for the rows sent, HAVING for every group).
func TestDivisionByZeroWarnings(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct := startModeFixture(t)
	const rows = "INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'a'), (4, 40, 'c')"
	mustExec(t, proxy, rows)
	mustExec(t, direct, rows)
	var steps []scriptStep
	for _, q := range []string{
		"SELECT SUM(v) / 0, SUM(v) DIV 0, SUM(v) MOD 0 FROM modeitems",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s LIMIT 1",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s ORDER BY 2",
		"SELECT s, SUM(v) / 0 AS x FROM modeitems GROUP BY s ORDER BY x LIMIT 1",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s ORDER BY s DESC LIMIT 1, 1",
		"SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s HAVING SUM(v) / 0 IS NULL",
		"SELECT s FROM modeitems GROUP BY s HAVING SUM(v) DIV 0 IS NULL",
		"SELECT DISTINCT SUM(v) / 0 FROM modeitems GROUP BY s",
		"SELECT s, SUM(v) / (COUNT(*) - 1) FROM modeitems GROUP BY s ORDER BY s",
		"SELECT s, SUM(v) / 2 FROM modeitems GROUP BY s ORDER BY s",
	} {
		steps = append(steps, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil},
			scriptStep{0, "SELECT @@warning_count", nil})
	}
	// max_error_count caps the list, not the count.
	steps = append(steps, scriptStep{0, "SET SESSION max_error_count = 2", nil},
		scriptStep{0, "SELECT s, SUM(v) / 0 FROM modeitems GROUP BY s", nil},
		scriptStep{0, "SHOW WARNINGS", nil}, scriptStep{0, "SELECT @@warning_count", nil})
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
