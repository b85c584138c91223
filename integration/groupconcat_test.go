package integration

import "testing"

// TestGroupConcatOverShards: GROUP_CONCAT ordered by its arguments (or
// DISTINCT without ORDER BY) over several shards answers as one MariaDB:
// the values in order, repeated values, NULLs skipped, constants,
// separators (converted as the function converts them), several
// arguments, DESC, the column definition, with other aggregates and
// GROUP BY, and the length limit counted in the function's character set.
// Forms whose order one server's plan decides are refused, and so are, at
// run time, values equal under the collation but spelt apart, orders the
// merge cannot compare, and a value that reaches group_concat_max_len
// (MariaDB cuts it with a warning).
func TestGroupConcatOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, s VARCHAR(10), n INT, d DECIMAL(5,2), u VARCHAR(10) COLLATE utf8mb4_unicode_ci, e ENUM('z', 'a'), fl FLOAT)",
		"INSERT INTO modeitems VALUES (1, 1, 'pear', 3, 1.50, 'x', 'z', 0.5), (2, 1, 'apple', 1, 2.25, 'y', 'a', 1), (3, 2, 'fig', NULL, 0.5, 'x', 'a', 2), (4, 1, 'pear', 2, NULL, 'y', 'z', 3), (5, 2, NULL, 7, 3, 'x', 'z', 4), (6, 3, 'lime', 5, 1.5, 'x', 'a', 5), (7, 1, 'apple', 1, 2.25, 'x', 'z', 6), (8, 3, 'kiwi', 5, 8, 'y', 'a', 7), (9, 2, 'date', 4, 0, 'x', 'z', 8)",
		"CREATE TABLE gitems (k INT PRIMARY KEY, s VARCHAR(10))",
		"INSERT INTO gitems VALUES (1, 'kiwi'), (2, 'Kiwi'), (3, 'fig'), (5, 'FIG')",
		"CREATE TABLE txitems (k INT PRIMARY KEY, s VARCHAR(5), lb VARCHAR(5) CHARACTER SET latin1 COLLATE latin1_bin)",
		"INSERT INTO txitems VALUES (1, 'é', 'é'), (2, 'é', '€'), (3, 'é', 'd'), (4, 'é', 'f'), (5, 'é', 'x'), (6, 'é', 'é')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems",
		"SELECT GROUP_CONCAT(s ORDER BY s DESC SEPARATOR ' | ') FROM modeitems WHERE g < 3",
		"SELECT GROUP_CONCAT(DISTINCT s) FROM modeitems WHERE g < 3",
		"SELECT GROUP_CONCAT(DISTINCT s ORDER BY s DESC) FROM modeitems WHERE g < 3",
		"SELECT g, GROUP_CONCAT(n ORDER BY n), COUNT(*), SUM(d) FROM modeitems GROUP BY g",
		"SELECT g, GROUP_CONCAT(DISTINCT d), GROUP_CONCAT(s, '=', n ORDER BY s, n SEPARATOR '') FROM modeitems GROUP BY g",
		"SELECT GROUP_CONCAT(n ORDER BY n) FROM modeitems WHERE k > 100",
		"SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems WHERE s IS NULL",
		"SELECT g, GROUP_CONCAT(DISTINCT n ORDER BY n DESC), COUNT(DISTINCT s) FROM modeitems GROUP BY g ORDER BY g DESC",
		"SELECT GROUP_CONCAT(DISTINCT 'x'), GROUP_CONCAT(DISTINCT -1), GROUP_CONCAT(DISTINCT NULL) FROM modeitems",
		"SELECT GROUP_CONCAT(k ORDER BY k SEPARATOR 'é') FROM modeitems WHERE g = 1",
		"SELECT g, COUNT(*), GROUP_CONCAT(n ORDER BY n) FROM modeitems GROUP BY g ORDER BY g",
	},
		scriptStep{0, "SET SESSION group_concat_max_len = 12", nil},
		scriptStep{0, "SELECT g, GROUP_CONCAT(n ORDER BY n) FROM modeitems GROUP BY g", nil},
		scriptStep{0, "SET SESSION group_concat_max_len = DEFAULT", nil},
		// The separator as the results' character set writes it.
		scriptStep{0, "SET character_set_results = latin1", nil},
		scriptStep{0, "SELECT GROUP_CONCAT(k ORDER BY k SEPARATOR 'é') AS gc FROM modeitems WHERE g = 1", nil},
		scriptStep{0, "SET character_set_results = utf8mb4", nil},
		// Under ONLY_FULL_GROUP_BY, an argument with a string literal that
		// converts to its column's character set: the shards group by it
		// (as GROUP_CONCAT's, refused in latin1 on its own account).
		scriptStep{0, "SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY'", nil},
		scriptStep{0, "SET NAMES latin1", nil}, // the literals then convert to the columns' utf8mb4
		// Results the merge compares: in utf8mb4 (latin1 text is refused).
		scriptStep{0, "SET character_set_results = utf8mb4", nil},
		scriptStep{0, "SELECT g, COUNT(DISTINCT IFNULL(s, 'none')), COUNT(DISTINCT CONCAT(s, '!')) FROM modeitems GROUP BY g", nil},
		scriptStep{0, "SELECT COUNT(DISTINCT CONCAT(s, '!')) FROM modeitems", nil},
		scriptStep{0, "SET SESSION sql_mode = DEFAULT", nil},
		scriptStep{0, "SET NAMES utf8mb4", nil},
	)
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT GROUP_CONCAT(s) FROM modeitems",
		"SELECT GROUP_CONCAT(s ORDER BY k) FROM modeitems",
		"SELECT GROUP_CONCAT(s, n ORDER BY s) FROM modeitems",
		"SELECT GROUP_CONCAT(d ORDER BY d) + 0 FROM modeitems",
		"SELECT g, GROUP_CONCAT(n ORDER BY n) FROM modeitems GROUP BY g ORDER BY COUNT(*)",
		"SELECT DISTINCT GROUP_CONCAT(n ORDER BY n) FROM modeitems GROUP BY g",
		"SELECT g, n, GROUP_CONCAT(k ORDER BY k) FROM modeitems GROUP BY g, n ORDER BY n",
		"SELECT GROUP_CONCAT(lb ORDER BY lb) FROM txitems", // latin1 is cp1252: € before é
		// utf8mb4_unicode_ci text compared over several shards.
		"SELECT g, COUNT(DISTINCT IFNULL(u, 'none')) FROM modeitems GROUP BY g",
		// Found at run time: orders the merge does not compare as MariaDB,
		// values equal under the collation but spelt apart.
		"SELECT GROUP_CONCAT(u ORDER BY u) FROM modeitems",
		"SELECT GROUP_CONCAT(e ORDER BY e) FROM modeitems",
		"SELECT GROUP_CONCAT(DISTINCT fl) FROM modeitems",
		"SELECT GROUP_CONCAT(s ORDER BY s) FROM gitems",
		"SELECT GROUP_CONCAT(DISTINCT s) FROM gitems WHERE k IN (1, 2)",
	)
	// Longer than the limit: MariaDB cuts it and warns; the merge refuses.
	// The limit counts bytes of the function's character set (utf8mb4:
	// six 'é' are 12 bytes), not of the results' (latin1: 6).
	conn, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"SET SESSION group_concat_max_len = 8", "SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems",
		"SET NAMES latin1", "SET SESSION group_concat_max_len = 11", "SELECT GROUP_CONCAT(s ORDER BY s SEPARATOR '') FROM txitems",
		// In latin1 the merge would compare bytes not UTF-8.
		"SET SESSION group_concat_max_len = DEFAULT", "SELECT GROUP_CONCAT(s ORDER BY s) FROM modeitems WHERE g = 1"} {
		_, err := conn.ExecContext(ctx, q)
		if q[:3] != "SET" {
			wantMySQLError(t, err, 1235, "42000")
		} else if err != nil {
			t.Fatal(err)
		}
	}
}
