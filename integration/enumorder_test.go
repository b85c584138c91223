package integration

import "testing"

// TestEnumOrderOverShards: MariaDB orders an ENUM column by the positions
// of its values in the definition, and a SET column by its bits, not by
// their text; so do the merges over several shards: ORDER BY, GROUP BY
// (with and without ORDER BY), DISTINCT, joins, aliases and positions.
// They compared the text.
func TestEnumOrderOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, e ENUM('z', 'm', 'a'), st SET('z', 'a'), n INT, s VARCHAR(8), g INT)",
		"INSERT INTO modeitems VALUES (1, 'a', 'a', 1, 'x', 1), (2, 'z', 'z', 2, 'y', 2), (3, 'm', 'z,a', 3, 'x', 3), (4, 'a', '', 4, 'x', 1), (5, 'z', 'a', 5, 'FIG', 2), (6, NULL, NULL, 6, 'y', 3), (7, 'm', 'z', 7, 'x', 1), (8, 'z', 'a', 8, 'fig', 2)",
		"CREATE TABLE gitems (k INT PRIMARY KEY, w INT)",
		"INSERT INTO gitems VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60), (7, 70)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT k, e FROM modeitems ORDER BY e, k",
		"SELECT k, e FROM modeitems ORDER BY e DESC, k DESC",
		"SELECT k, st FROM modeitems ORDER BY st, k",
		"SELECT k, e AS x FROM modeitems ORDER BY x, 1",
		"SELECT k, e FROM modeitems ORDER BY 2 DESC, k LIMIT 4",
		"SELECT e, COUNT(*), SUM(n) FROM modeitems GROUP BY e",
		"SELECT e, COUNT(*) FROM modeitems GROUP BY e DESC",
		"SELECT e, COUNT(*) FROM modeitems GROUP BY e ORDER BY e DESC",
		"SELECT st, MAX(k) FROM modeitems GROUP BY st HAVING MAX(k) > 1 ORDER BY st",
		"SELECT e, st, COUNT(*) FROM modeitems GROUP BY e, st",
		"SELECT DISTINCT e FROM modeitems ORDER BY e",
		"SELECT DISTINCT e FROM modeitems ORDER BY e DESC",
		"SELECT m.e, SUM(g.w) FROM modeitems m JOIN gitems g ON g.k = m.k GROUP BY m.e ORDER BY m.e",
		"SELECT m.k, m.e, g.w FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY m.e, g.w",
		"SELECT k, CONCAT(e) c FROM modeitems ORDER BY c, k",
		// A derived table's column taken from an ENUM column.
		"SELECT k, e FROM (SELECT k, e FROM modeitems) d ORDER BY e, k",
		"SELECT d.e, COUNT(*) FROM (SELECT k, e FROM modeitems) d GROUP BY d.e",
		"SELECT DISTINCT x FROM (SELECT e AS x FROM modeitems) d ORDER BY x DESC",
		// DISTINCT keeps the first row read of each ('FIG', k 5).
		"SELECT DISTINCT e, s FROM modeitems ORDER BY e, s",
		"SELECT DISTINCT s, e FROM modeitems ORDER BY e DESC, s",
		// A shard computes e + 0 of a group's row (a carried field).
		"SELECT e + 0, COUNT(*) FROM modeitems GROUP BY e",
		// MIN and MAX of an ENUM compare its text, as MariaDB's do.
		"SELECT g, MAX(e), MIN(e), MAX(st) FROM modeitems GROUP BY g",
		// A count of an ENUM is a number.
		"SELECT g, COUNT(e) AS c FROM modeitems GROUP BY g ORDER BY c DESC, g",
	})
	compareSessions(ctx, t, proxy, direct, 1, textSteps(
		"SELECT g, COUNT(DISTINCT e) FROM modeitems GROUP BY g ORDER BY COUNT(DISTINCT e), g"))
	// The merge reads an ENUM's text: computing with it, or sorting by
	// one carried from a group's row, is refused.
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT e, COUNT(*) FROM modeitems GROUP BY e HAVING e = 1",
		"SELECT g, MAX(e) + 0 FROM modeitems GROUP BY g",
		"SELECT g, e FROM modeitems GROUP BY g ORDER BY e",
		// MAX picks by text, its answer sorts by position.
		"SELECT g, MAX(e) m FROM modeitems GROUP BY g ORDER BY m",
		"SELECT g, MIN(st) FROM modeitems GROUP BY g ORDER BY MIN(st) DESC",
	)
}

// TestFloatOrderOverShards: MariaDB prints a FLOAT to 6 significant
// digits; a merge that sorted by that text tied 1.0000001 and 1.0000002
// and gave them in shard order. The shards send the value as a DOUBLE to
// sort by.
func TestFloatOrderOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, fl FLOAT, fm FLOAT(9,7), s VARCHAR(8))",
		"INSERT INTO modeitems VALUES (20, 1.0000001, 1.0000001, 'F1'), (21, 1.0000002, 1.0000002, 'F2'), (22, 1.0000004, 1.0000004, 'F3'), (23, 1.0000003, 1.0000003, 'F4'), (24, 1.0000005, 1.0000005, 'F5'), (25, NULL, NULL, 'N'), (26, -1.0000002, -1.0000002, 'M2'), (27, -1.0000001, -1.0000001, 'M1')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT s FROM modeitems ORDER BY fl",
		"SELECT s, fl FROM modeitems ORDER BY fl DESC, k",
		"SELECT s FROM modeitems ORDER BY fl LIMIT 2",
		"SELECT s FROM modeitems ORDER BY fm DESC LIMIT 3",
		"SELECT s, fl AS x FROM modeitems ORDER BY x",
		"SELECT s, fl FROM modeitems ORDER BY 2, 1",
	})
}
