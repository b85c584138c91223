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

// TestDistinctTiesOverShards: a SELECT DISTINCT ordered by some of its
// columns comes, where the ORDER BY ties, in the order of the other
// columns, ascending (an ENUM by position): one MariaDB groups by all of
// them and sorts the groups by the ORDER BY. The merge ordered ties by
// the lowest key of each row.
func TestDistinctTiesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, g INT, s VARCHAR(10), v INT, d DECIMAL(6,2), e ENUM('z','y','x'))",
		"INSERT INTO litems VALUES (1,1,'a',5,1.5,'x'),(2,1,'B',3,2.25,'z'),(3,2,'c',7,NULL,'y'),(4,2,'A',1,4,'x'),(5,1,'d',2,0.5,'y'),(6,3,'b',NULL,9.99,'z'),(7,3,'a ',4,-1,'x')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT DISTINCT g, v > 2 FROM litems ORDER BY g LIMIT 3",
		"SELECT DISTINCT g, v > 2 AS x FROM litems ORDER BY g DESC",
		"SELECT DISTINCT g, d FROM litems ORDER BY g",
		"SELECT DISTINCT g, s FROM litems ORDER BY g",
		"SELECT DISTINCT v > 2, g FROM litems ORDER BY 1",
		"SELECT DISTINCT g, s, d FROM litems ORDER BY g DESC LIMIT 4",
		"SELECT DISTINCT d, g FROM litems ORDER BY g",
		"SELECT DISTINCT g, e FROM litems ORDER BY g",
		"SELECT DISTINCT e, g FROM litems ORDER BY e",
		"SELECT DISTINCT g, e, s FROM litems ORDER BY s",
		"SELECT DISTINCT s, g FROM litems WHERE k > 1 ORDER BY g DESC",
	})
}
