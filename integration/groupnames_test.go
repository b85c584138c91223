package integration

import "testing"

// TestGroupByNamesOverShards: a GROUP BY name merged over shards resolves
// as on one MariaDB 10.11: an alias that is also a FROM column groups by
// the column, with warning 1052; two select columns of the name are error
// 1052; an alias alone is the alias. The warnings are compared through
// SHOW WARNINGS and @@warning_count, text and prepared.
func TestGroupByNamesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT, s VARCHAR(5))",
		"CREATE TABLE modeitems (k INT PRIMARY KEY, n INT)",
		"INSERT INTO gitems VALUES (1, 3, 'a'), (2, 2, 'b'), (3, 1, 'c'), (4, 3, 'd'), (5, 2, 'e')",
		"INSERT INTO modeitems VALUES (1, 3), (2, 1), (3, 2), (4, 4)",
	)
	queries := []string{
		// The FROM column, with a warning.
		"SELECT n AS k, COUNT(*) FROM gitems GROUP BY k",
		"SELECT n + 1 AS k, COUNT(*) FROM gitems GROUP BY k",
		"SELECT s AS n, COUNT(*) AS c FROM gitems GROUP BY n",
		"SELECT k AS n, COUNT(*) FROM gitems GROUP BY n ORDER BY n",
		"SELECT k AS n, MAX(s) FROM gitems GROUP BY n ORDER BY n",
		// No conflict: the alias, or the same column.
		"SELECT n AS x, COUNT(*) FROM gitems GROUP BY x",
		"SELECT n, COUNT(*) FROM gitems GROUP BY n",
		"SELECT g.n, COUNT(*) FROM gitems g GROUP BY n",
		"SELECT n AS n, COUNT(*) FROM gitems GROUP BY n",
	}
	var steps []scriptStep
	for _, q := range append(queries,
		// Two columns of the name: error 1052.
		"SELECT n AS k, k FROM gitems GROUP BY k",
		"SELECT g.n AS k, m.k, COUNT(*) FROM gitems g JOIN modeitems m ON g.k = m.k GROUP BY k",
		"SELECT *, n AS k FROM gitems GROUP BY k",
	) {
		steps = append(steps, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil}, scriptStep{0, "SELECT @@warning_count", nil})
	}
	// ORDER BY over groups resolves as over rows.
	steps = append(steps, textSteps(
		"SELECT n AS k, k, COUNT(*) FROM gitems GROUP BY 1, 2 ORDER BY k",
		"SELECT k, n * 10 + k AS k, COUNT(*) FROM gitems GROUP BY 1, 2 ORDER BY k DESC",
		"SELECT n AS x, SUM(k) AS x FROM gitems GROUP BY n ORDER BY x",
	)...)
	steps = append(steps,
		scriptStep{0, "SELECT n AS k, COUNT(*) FROM gitems WHERE k > ? GROUP BY k", []any{0}},
		scriptStep{0, "SHOW WARNINGS", nil},
		scriptStep{0, "SELECT n AS k, k FROM gitems WHERE k > ? GROUP BY k", []any{0}},
		scriptStep{0, "SHOW WARNINGS", nil},
	)
	compareQueries(ctx, t, proxy, direct, f, queries, steps...)
}
