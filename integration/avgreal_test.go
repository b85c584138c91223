package integration

import (
	"strings"
	"testing"
)

// TestAvgOfFixedDecimalRealsOverShards: AVG of a FLOAT(7,3) or DOUBLE(10,2)
// column merged over shards divides the whole double sum, as MariaDB does:
// the shards' SUM printed only the column's decimals (1.125 + 9999.999 of
// a FLOAT is 10001.1240234375, printed 10001.124), and the merge answered
// 3333.7083333 for 3333.7083411. The binary protocol carries the full
// double, which the shards' texts do not: refused there.
func TestAvgOfFixedDecimalRealsOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, f FLOAT(7,3), dd DOUBLE(10,2), x FLOAT, g INT)",
		"INSERT INTO modeitems VALUES (1, 1.125, 1.13, 0.1, 1), (2, 0.001, 0.07, 0.2, 1), (3, 9999.999, 2.01, 1.7, 2), (4, 2.5, NULL, NULL, 2), (5, 0.333, 3.33, 0.3, 1)")
	queries := []string{
		"SELECT AVG(f), AVG(dd), AVG(x) FROM modeitems",
		"SELECT g, AVG(f), AVG(dd), AVG(x) FROM modeitems GROUP BY g",
		"SELECT AVG(DISTINCT f), SUM(f), COUNT(f) FROM modeitems",
		"SELECT AVG(f) FROM modeitems WHERE k > 5",
		// Quotients that end within the four decimals shown, or rounded.
		"SELECT SUM(g / 4), AVG(g / 100), SUM(ROUND(g / 3, 2)), AVG(x / 3) FROM modeitems",
		"SELECT SUM(IF(g / 3 > 1, 1, 0)), SUM(CASE WHEN g / 3 >= 0.5 THEN 1 END), SUM(g / 2.5), AVG(g / -4), SUM(CAST(g / 3 AS DECIMAL(10, 2))) FROM modeitems",
	}
	compareQueries(ctx, t, proxy, direct, f, queries,
		scriptStep{0, "SELECT AVG(f) * 2 FROM modeitems", nil},
		// A DOUBLE without fixed decimals comes whole in binary too.
		scriptStep{0, "SELECT AVG(x), SUM(x) FROM modeitems WHERE k > ?", []any{0}})
	// The binary protocol carries the full double, the shards' texts do
	// not.
	wantUnsupported(ctx, t, proxy, []any{0},
		"SELECT AVG(f), AVG(dd), AVG(x) FROM modeitems WHERE k > ?",
		"SELECT g, AVG(dd) FROM modeitems WHERE k > ? GROUP BY g",
		"SELECT SUM(f) FROM modeitems WHERE k > ?",
	)
	// The refusal names the aggregate as the client wrote it.
	if _, err := proxy.QueryContext(ctx, "SELECT SUM(f) FROM modeitems WHERE k > ?", 0); err == nil || !strings.Contains(err.Error(), "SUM(`f`) is a DOUBLE of 3 decimals") {
		t.Errorf("binary SUM(f): %v, want a refusal naming SUM(f)", err)
	}
	// MariaDB adds quotients of nine decimals, the shards show four.
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT SUM(g / 3) FROM modeitems",
		"SELECT AVG(g / 3) FROM modeitems",
		"SELECT k % 2, SUM(DISTINCT g / 7) FROM modeitems GROUP BY k % 2",
	)
}

// TestAvgInRealContextOverShards: MariaDB computes an AVG that an
// expression uses as a DOUBLE (times 1e0, compared with a DOUBLE) as the
// sum over the count in doubles (without GROUP BY, whose temporary table
// keeps the DECIMAL); the merge used its DECIMAL quotient's
// nine decimals (4.333333333 for 13/3), so HAVING AVG(i) * 1e0 > 4.3333333331
// dropped the group and FLOOR(AVG(i) * 1e12) was off by one.
func TestAvgInRealContextOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, i INT, d DECIMAL(10,3), x DOUBLE(10,2), g INT)",
		"INSERT INTO modeitems VALUES (1, 1, 1.001, 1.13, 1), (2, 2, 0.002, 0.07, 1), (3, 10, 2.5, 2.01, 1), (4, 7, NULL, 0.01, 2), (5, 1, 1.111, 3.33, 2), (6, 2, 0.333, 0.05, 2)")
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT AVG(i) * 1e0, AVG(i) + 1e0, AVG(d) + 1e0, 1e0 * AVG(i) FROM modeitems",
		"SELECT AVG(i) FROM modeitems HAVING AVG(i) * 1e0 > 4.3333333331",
		"SELECT AVG(i) * 1e0 > 4.3333333331, AVG(i) + 0e0 = 13 / 3 * 1e0 FROM modeitems",
		"SELECT FLOOR(AVG(i) * 1e0 * 1000000000000) FROM modeitems",
		"SELECT g, AVG(i) * 1e0, AVG(d) * 100, AVG(i) > 3.3333 FROM modeitems GROUP BY g",
		"SELECT g FROM modeitems GROUP BY g HAVING AVG(i) * 1e0 > 3.3333333331 ORDER BY g",
		// Through a function it is the DECIMAL's, as with GROUP BY.
		"SELECT AVG(i), ROUND(AVG(i), 2), AVG(i) * 100, IFNULL(AVG(i), 0) * 1e0, -AVG(i) * 1e0, CASE WHEN 1 THEN AVG(i) END * 1e0 FROM modeitems",
		"SELECT g, AVG(i) FROM modeitems GROUP BY g ORDER BY AVG(i) * 1e0 DESC",
	})
}
