package integration

import (
	"github.com/go-mysql-org/go-mysql/client"
	"strings"
	"testing"
)

// An INSERT split by shard that fails on several shards answers the error
// of its first failing row, as one MariaDB, which runs the rows in order:
// the proxy answered the first shard's error (s0's duplicate of row 4, its
// data too long at row 2, where MariaDB names row 2's duplicate and row
// 1's out-of-range value). Nothing of it stays written, in autocommit or in
// a transaction, which goes on.
func TestSplitInsertFirstFailingRow(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(5))",
		"INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b')")
	long := "'" + strings.Repeat("x", 9) + "'"
	// k odd on s1, even on s0; s0's part runs first.
	failing := []string{
		"INSERT INTO modeitems VALUES (7, 7, 'x'), (1, 1, 'y'), (8, 8, 'z'), (2, 2, 'w')",  // duplicates on s1 (row 2) and s0 (row 4)
		"INSERT INTO modeitems VALUES (2, 2, 'y'), (4, 4, 'x'), (1, 1, 'w'), (3, 3, 'z')",  // s0's row 1 first
		"INSERT INTO modeitems VALUES (11, 99999999999, 'a'), (10, 10, " + long + ")",      // out of range on s1 (row 1), too long on s0 (row 2)
		"INSERT INTO modeitems VALUES (13, 13, 'a'), (12, 12, " + long + "), (15, 1, 'a')", // s1 runs and is undone
		"INSERT INTO modeitems VALUES (17, 17, 'a'), (14, 14, " + long + "), (19, 99999999999, 'a'), (16, 16, 'a')",
		"INSERT INTO modeitems VALUES (21, 21, 'a'), (20, 20, 'a'), (1, 1, 'a'), (22, 22, " + long + ")",
	}
	var steps []wireStep
	for _, tx := range [][2]string{{"", ""}, {"BEGIN", "COMMIT"}, {"SET autocommit = 0", "COMMIT"}} {
		if tx[0] != "" {
			steps = append(steps, wireStep{0, tx[0]}, wireStep{0, "INSERT INTO modeitems VALUES (30, 30, 'tx'), (31, 31, 'tx')"})
		}
		for _, q := range failing {
			steps = append(steps, wireStep{0, q}, wireStep{0, "SHOW WARNINGS"}, wireStep{0, "SELECT @@warning_count, @@error_count"},
				wireStep{0, "SELECT k, v, s FROM modeitems ORDER BY k"})
		}
		if tx[1] != "" {
			steps = append(steps, wireStep{0, tx[1]}, wireStep{0, "SET autocommit = 1"}, wireStep{0, "SELECT k, v, s FROM modeitems ORDER BY k"},
				wireStep{0, "DELETE FROM modeitems WHERE k >= 30"})
		}
	}
	compareWireSessions(t, f, 1, steps)

	// Duplicates on both shards whose rows interleave: which one MariaDB
	// names first (row 1's or row 2's) is not known; refused, not written.
	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{"INSERT INTO modeitems VALUES (2, 2, 'y'), (1, 1, 'w'), (40, 40, 'z')", "BEGIN",
		"INSERT INTO modeitems VALUES (2, 2, 'y'), (1, 1, 'w'), (40, 40, 'z')", "COMMIT"} {
		got := wireAnswer(c, q)
		if strings.HasPrefix(q, "INSERT") && !strings.HasPrefix(got, "error 1235 (42000)") {
			t.Errorf("%s: %s, want error 1235", q, got)
		}
	}
	if got := wireAnswer(c, "SELECT COUNT(*) FROM modeitems WHERE k = 40"); got != "rows, warnings 0: 0" {
		t.Errorf("rows of the refused INSERTs: %s, want none", got)
	}
}
