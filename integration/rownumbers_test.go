package integration

import (
	"strings"
	"testing"
)

// An INSERT split by shard reports its conditions as MariaDB does: each
// names the statement's row ("at row 3"), not the row within a shard's
// part, and they come in row order; so does the error of a failing one.
// So do the duplicates INSERT IGNORE skips, which name no row (they came
// in the order the parts ran).
func TestSplitInsertRowNumbers(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(5))")
	long := "'" + strings.Repeat("x", 9) + "'"
	steps := []scriptStep{
		// k odd on s1, even on s0.
		{0, "INSERT IGNORE INTO modeitems VALUES (1, 1, " + long + "), (2, 99999999999, 'b'), (3, 3, " + long + "), (4, 4, 'd'), (5, -99999999999, " + long + ")", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SELECT @@warning_count", nil},
		{0, "INSERT INTO modeitems VALUES (6, 6, 'ok'), (8, 8, 'ok'), (7, 7, " + long + ")", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SELECT k, v, s FROM modeitems ORDER BY k", nil},
		// Past max_error_count the first rows' conditions are kept: each
		// shard lists its own first ones, the statement the first of all.
		{0, "SET max_error_count = 3", nil},
		{0, "INSERT IGNORE INTO modeitems VALUES (11, 1, " + long + "), (12, 2, " + long + "), (13, 3, " + long + "), (14, 4, " + long + "), (15, 5, " + long + ")", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SELECT @@warning_count", nil},
		{0, "INSERT IGNORE INTO modeitems VALUES (20, 1, " + long + "), (22, 2, " + long + "), (24, 3, " + long + "), (21, 4, " + long + "), (23, 5, " + long + ")", nil},
		{0, "SHOW WARNINGS", nil},
		// A duplicate IGNORE skips names no row: it comes after the
		// conditions of its part's earlier rows, and the parts' in the
		// order of their rows (s1's rows first here, s0's part runs first).
		{0, "SET max_error_count = DEFAULT", nil},
		{0, "INSERT IGNORE INTO modeitems VALUES (41, 1, 'a'), (1, 1, 'a'), (42, 2, 'b'), (2, 2, 'b')", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "INSERT IGNORE INTO modeitems VALUES (43, 1, " + long + "), (3, 1, 'a'), (44, 2, 'b'), (4, 2, 'b'), (46, 6, " + long + ")", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SELECT @@warning_count", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
