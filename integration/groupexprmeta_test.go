package integration

import "testing"

// TestGroupExpressionMetadataOverShards: a select expression over the
// groups alone (g + 0 beside GROUP BY g) is stored by one MariaDB in the
// temporary table it groups through, and described from it, without the
// BINARY flag; grouped by the primary key (no temporary table), or over
// aggregates, it keeps it.
func TestGroupExpressionMetadataOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, g INT, h INT NOT NULL, v INT, d DECIMAL(5,2), f DOUBLE)",
		"INSERT INTO gitems VALUES (1, 1, 1, 1, 1.5, 1.5), (2, 1, 1, 2, 2.5, 2), (3, 2, 2, 3, 3, 3)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT g+0, g*2, -g, ABS(g), g > 1, IFNULL(g, 0), h+1, d*2, COUNT(*) FROM gitems GROUP BY g, h, d",
		"SELECT g+0, COUNT(*) FROM gitems GROUP BY g ORDER BY g DESC",
		"SELECT f * 2, ROUND(f), COUNT(*) FROM gitems GROUP BY f",
		"SELECT g+0 AS x, COUNT(*) FROM gitems GROUP BY g HAVING x > 0 ORDER BY COUNT(*) DESC, x",
		"SELECT k+0, COUNT(*) FROM gitems GROUP BY k",
		"SELECT g + COUNT(*), g * SUM(v) FROM gitems GROUP BY g",
		"SELECT g+0, COUNT(DISTINCT v) FROM gitems GROUP BY g",
	})
}
