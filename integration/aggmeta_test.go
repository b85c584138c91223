package integration

import "testing"

// TestAggregateMetadataOverShards: the column definitions of aggregates
// merged over two shards are one MariaDB's: MIN and MAX of an ENUM or SET
// without a GROUP BY (a VARCHAR of 0 decimals) and through a temporary
// table (a CHAR with the ENUM flag), and the display length of AVG over
// FLOAT and DOUBLE columns and expressions, which MariaDB derives from the
// argument's (16 for a FLOAT, 11 for a FLOAT(7,3)); the shards' AVG that
// gives it is not run where it would warn twice (a string argument).
func TestAggregateMetadataOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, w INT, e ENUM('x','y'), st SET('a','b'), fl FLOAT, f73 FLOAT(7,3), db DOUBLE, d52 DOUBLE(5,2), d DECIMAL(8,2), s VARCHAR(5), KEY (v))",
		"INSERT INTO modeitems VALUES (1, 1, 1, 'x', 'a', 0.5, 1.5, 2.5, 3.5, 1.25, 'abc'), (2, 1, 2, 'y', 'a,b', 1.5, 2.5, 3.5, 4.5, 2.5, '2x'), (3, 2, 1, 'x', 'b', 2.5, 3.5, 4.5, 5.5, NULL, '3'), (4, 2, 2, NULL, '', NULL, 4.5, -1, 6.5, 7, NULL)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT MIN(e), MAX(e), MIN(st), MAX(st) FROM modeitems",
		"SELECT MIN(e), MAX(st) FROM modeitems WHERE k > 1",
		"SELECT v, MIN(e), MAX(st) FROM modeitems GROUP BY v",
		"SELECT w, MIN(e), MAX(st) FROM modeitems GROUP BY w",
		"SELECT AVG(fl), AVG(f73), AVG(db), AVG(d52), AVG(d), AVG(v) FROM modeitems",
		"SELECT AVG(fl * 2), AVG(f73 + 1), AVG(d52 / 2) FROM modeitems",
		"SELECT v, AVG(fl), AVG(f73), AVG(d52) FROM modeitems GROUP BY v",
		"SELECT w, AVG(f73), COUNT(DISTINCT e) FROM modeitems GROUP BY w",
		"SELECT AVG(DISTINCT fl), AVG(DISTINCT f73), AVG(DISTINCT d), COUNT(*) FROM modeitems",
	},
		// A string's conversion warns once per row, as on one server (in
		// another order: shard after shard, README "Known limits").
		scriptStep{0, "SELECT AVG(s), AVG(fl) FROM modeitems", nil},
		scriptStep{0, "SHOW COUNT(*) WARNINGS", nil},
		scriptStep{0, "SELECT AVG(DISTINCT s) FROM modeitems", nil},
		scriptStep{0, "SHOW COUNT(*) WARNINGS", nil},
	)
}
