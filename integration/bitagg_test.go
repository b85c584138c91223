package integration

import "testing"

// TestBitAggregatesOverShards: BIT_OR, BIT_AND and BIT_XOR over several
// shards merge the shards' own by the same operation and answer as one
// MariaDB: values (negative numbers as their 64-bit pattern, NULLs
// skipped, an empty set's identity), column definitions, groups, HAVING
// and ORDER BY over them, and the warnings of a string argument.
func TestBitAggregatesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(6,2), s VARCHAR(5), u BIGINT UNSIGNED)",
		"INSERT INTO modeitems VALUES (1, 1, 6, 1.5, '3', 18446744073709551615), (2, 1, 12, 2.5, 'x1', 1), (3, 2, -1, NULL, '7', 2), (4, 2, NULL, 4.75, NULL, 4), (5, 3, 5, 5.5, '12', 8), (6, 1, 3, 6.25, '6', NULL)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT BIT_OR(v), BIT_AND(v), BIT_XOR(v) FROM modeitems",
		"SELECT BIT_OR(d), BIT_AND(d), BIT_XOR(d), BIT_OR(u), BIT_AND(u) FROM modeitems",
		"SELECT BIT_OR(v), BIT_AND(v), BIT_XOR(v), COUNT(*) FROM modeitems WHERE k > 100",
		"SELECT g, BIT_OR(v), BIT_AND(v), BIT_XOR(v) FROM modeitems GROUP BY g",
		"SELECT g, BIT_XOR(k * g) FROM modeitems GROUP BY g HAVING BIT_XOR(k * g) > 4 ORDER BY BIT_XOR(k * g) DESC",
		"SELECT BIT_OR(k) + 1, BIT_AND(k) * 2, SUM(v), COUNT(DISTINCT g) FROM modeitems",
		"SELECT g, BIT_OR(v), COUNT(DISTINCT v) FROM modeitems GROUP BY g",
	},
		scriptStep{0, "SELECT BIT_OR(v) + 1 FROM modeitems", nil}, // 1690: BIGINT UNSIGNED out of range
		scriptStep{0, "SELECT BIT_OR(s), BIT_XOR(s) FROM modeitems", nil},
		scriptStep{0, "SHOW COUNT(*) WARNINGS", nil},
	)
}
