package integration

import "testing"

// TestDistinctOverShards: one MariaDB sends each distinct row of a SELECT
// DISTINCT as the first row it read of it ('a' before 'A' for a
// case-insensitive column) and, without ORDER BY, in the order it first
// read them; its columns carry GROUP_FLAG, or PART_KEY_FLAG with a LIMIT
// and no ORDER BY. The merge sent the first shard's spelling, in shard
// order. Over one table with a one-column primary key the shards now group
// by the select list and send each group's lowest key: values, order and
// column definitions are one server's on a scan of the table, text and
// binary protocol, under sql_select_limit too.
func TestDistinctOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20), d DECIMAL(5,2))",
		// k odd on s1, even on s0.
		"INSERT INTO modeitems VALUES (1, 1, 'a', 1), (2, 2, 'b', NULL), (3, 3, 'c', 2.5), (4, NULL, 'A', 1), (6, 6, 'B ', 0), (7, 7, 'b', 2.5), (8, 8, 'C', NULL), (9, 9, 'c', 1)")
	queries := []string{
		"SELECT DISTINCT s FROM modeitems",
		"SELECT DISTINCT s FROM modeitems ORDER BY s",
		"SELECT DISTINCT s FROM modeitems ORDER BY s DESC LIMIT 2",
		"SELECT DISTINCT d FROM modeitems",
		"SELECT DISTINCT s, d FROM modeitems WHERE k > 1 ORDER BY 2, 1",
		"SELECT DISTINCT UPPER(s) AS u FROM modeitems ORDER BY u",
		"SELECT DISTINCT v % 2, d FROM modeitems",
		"SELECT DISTINCT s FROM modeitems LIMIT 1, 2",
		// Literals in the list: not GROUP BY positions.
		"SELECT DISTINCT d, 5 FROM modeitems ORDER BY d",
		"SELECT DISTINCT s, 3 FROM modeitems ORDER BY s",
	}
	compareQueries(ctx, t, proxy, direct, f, queries,
		scriptStep{0, "SELECT DISTINCT s FROM modeitems WHERE k > ?", []any{0}},
		scriptStep{0, "SET SESSION sql_select_limit = 2", nil},
		scriptStep{0, "SELECT DISTINCT s FROM modeitems", nil},
		scriptStep{0, "SELECT DISTINCT s FROM modeitems ORDER BY s DESC", nil},
		scriptStep{0, "SET SESSION sql_select_limit = DEFAULT", nil},
	)
}
