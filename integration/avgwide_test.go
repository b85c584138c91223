package integration

import "testing"

// TestAvgOfWideExactColumnsOverShards: AVG of a DECIMAL or BIT column
// whose SUM's precision MariaDB caps at 65 (a DECIMAL(44) or wider, a
// BIT(44) or wider) is as long as one server makes it (AVG of a
// DECIMAL(65) is 71 long), not as its capped SUM tells.
func TestAvgOfWideExactColumnsOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, g INT, d DECIMAL(65,0), d2 DECIMAL(65,30), d3 DECIMAL(50,2), d4 DECIMAL(44,4), d5 DECIMAL(20,2), b BIT(64), u BIGINT UNSIGNED)",
		"INSERT INTO gitems VALUES (1, 1, 5, 1.5, 2.25, 3.125, 7.5, 1, 18446744073709551615), (2, 1, 6, 2.5, 3.25, 4.125, 8.5, 2, 1), (3, 2, -7, NULL, 1, 2, 3, 255, 2), (4, 2, NULL, 4.75, NULL, NULL, NULL, NULL, NULL)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT AVG(d), AVG(d2), AVG(d3), AVG(d4), AVG(d5), AVG(b), AVG(u) FROM gitems",
		"SELECT g, AVG(d), AVG(DISTINCT d2), AVG(b) FROM gitems GROUP BY g",
		"SELECT AVG(d) * 2, ROUND(AVG(d2), 1) FROM gitems",
	})
}
