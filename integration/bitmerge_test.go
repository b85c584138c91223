package integration

import "testing"

// TestBitColumnsOverShards: MIN and MAX of a BIT column over several
// shards answer as one MariaDB, which sends a BIT column's value as its
// bytes but MIN(b)'s as decimal digits: the merge compares those as
// numbers (not "64" above "255") and expressions over them read them as
// numbers, with a BIT(M)'s length (BIT(8) + 0 is an INT of 9).
func TestBitColumnsOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, b BIT(8), b1 BIT(1), b64 BIT(64))",
		"INSERT INTO modeitems VALUES (1, 1, b'101', 1, 18446744073709551615), (2, 1, 255, 0, 1), (3, 2, NULL, NULL, NULL), (4, 2, 0, 1, 255), (5, 3, 64, 0, 12345), (6, 1, 5, 1, 7)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT MIN(b), MAX(b), MIN(b64), MAX(b64), MIN(b1), MAX(b1) FROM modeitems",
		"SELECT MIN(b) + 0, MAX(b) + 0, MIN(b64) + 0, MAX(b64) + 0, MAX(b1) + 0 FROM modeitems",
		"SELECT MIN(b), MAX(b) FROM modeitems WHERE k > 100",
		"SELECT g, MIN(b), MAX(b64), MIN(b) + 0, MAX(b64) + 0 FROM modeitems GROUP BY g",
		"SELECT g, MAX(b) FROM modeitems GROUP BY g ORDER BY MAX(b) DESC",
		"SELECT g, MAX(b64) m FROM modeitems GROUP BY g ORDER BY m",
		"SELECT g FROM modeitems GROUP BY g HAVING MAX(b) > 10",
		"SELECT MAX(b) * 2, -MIN(b), MAX(b) / 2, MAX(b) DIV 2, MAX(b) % 3 FROM modeitems",
		"SELECT b, COUNT(*) FROM modeitems GROUP BY b",
		"SELECT k, b FROM modeitems ORDER BY b DESC, k",
		"SELECT k FROM modeitems ORDER BY b64 DESC, k LIMIT 3",
		"SELECT b FROM modeitems UNION ALL SELECT b FROM modeitems ORDER BY b",
		"SELECT COUNT(DISTINCT b), COUNT(DISTINCT b64) FROM modeitems",
	})
}

// TestDoubleSumOverflowOverShards: a merged SUM or AVG of doubles that
// overflows prints as MariaDB prints an infinite double ("0"; the binary
// protocol carries it), and an expression over it fails (1690), as on
// one server; the proxy used to fail the session on printing it.
func TestDoubleSumOverflowOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, f DOUBLE)",
		"INSERT INTO modeitems VALUES (1, 1, 1e308), (2, 1, 1e308), (3, 2, -1e308), (4, 2, -1e308), (5, 3, 1)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT SUM(f), AVG(f) FROM modeitems WHERE g = 1",
		"SELECT g, SUM(f), AVG(f) FROM modeitems GROUP BY g",
		"SELECT SUM(f) FROM modeitems WHERE g = 1",
	},
		scriptStep{0, "SELECT SUM(f) + 0 FROM modeitems WHERE g = 1", nil},
		scriptStep{0, "SELECT COUNT(*) FROM modeitems WHERE g = 1 HAVING SUM(f) > 0", nil},
		// The binary protocol carries the infinite double.
		scriptStep{0, "SELECT SUM(f), AVG(f) FROM modeitems WHERE g = ?", []any{1}},
		scriptStep{0, "SELECT g, SUM(f), AVG(f) FROM modeitems WHERE k > ? GROUP BY g", []any{0}},
	)
}
