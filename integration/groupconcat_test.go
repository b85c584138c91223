package integration

import "testing"

// TestGroupConcatOverShards: GROUP_CONCAT ordered by its arguments (or
// DISTINCT without ORDER BY) over several shards answers as one MariaDB:
// the values in order, repeated values, NULLs skipped, separators, several
// arguments, DESC, the column definition, with other aggregates and
// GROUP BY; one whose order one server's plan decides is refused, and so
// is a merged value that reaches group_concat_max_len (MariaDB cuts it
// with a warning).
func TestGroupConcatOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, s VARCHAR(10), n INT, d DECIMAL(5,2))",
		"INSERT INTO modeitems VALUES (1, 1, 'pear', 3, 1.50), (2, 1, 'apple', 1, 2.25), (3, 2, 'fig', NULL, 0.5), (4, 1, 'pear', 2, NULL), (5, 2, NULL, 7, 3), (6, 3, 'lime', 5, 1.5), (7, 1, 'apple', 1, 2.25), (8, 3, 'kiwi', 5, 8), (9, 2, 'date', 4, 0)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems",
		"SELECT GROUP_CONCAT(s ORDER BY s DESC SEPARATOR ' | ') FROM modeitems WHERE g < 3",
		"SELECT GROUP_CONCAT(DISTINCT s) FROM modeitems WHERE g < 3",
		"SELECT GROUP_CONCAT(DISTINCT s ORDER BY s DESC) FROM modeitems WHERE g < 3",
		"SELECT g, GROUP_CONCAT(n ORDER BY n), COUNT(*), SUM(d) FROM modeitems GROUP BY g",
		"SELECT g, GROUP_CONCAT(DISTINCT d), GROUP_CONCAT(s, '=', n ORDER BY s, n SEPARATOR '') FROM modeitems GROUP BY g",
		"SELECT GROUP_CONCAT(n ORDER BY n) FROM modeitems WHERE k > 100",
		"SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems WHERE s IS NULL",
		"SELECT g, GROUP_CONCAT(DISTINCT n ORDER BY n DESC), COUNT(DISTINCT s) FROM modeitems GROUP BY g ORDER BY g DESC",
	},
		scriptStep{0, "SET SESSION group_concat_max_len = 12", nil},
		scriptStep{0, "SELECT g, GROUP_CONCAT(n ORDER BY n) FROM modeitems GROUP BY g", nil},
	)
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT GROUP_CONCAT(s) FROM modeitems",
		"SELECT GROUP_CONCAT(s ORDER BY k) FROM modeitems",
		"SELECT GROUP_CONCAT(s, n ORDER BY s) FROM modeitems",
	)
	// Longer than the limit: MariaDB cuts it and warns; the merge refuses.
	for _, q := range []string{"SET SESSION group_concat_max_len = 8", "SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems"} {
		_, err := proxy.ExecContext(ctx, q)
		if q[0] == 'S' && q[1] == 'E' && q[2] == 'T' {
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		wantMySQLError(t, err, 1235, "42000")
	}
}
