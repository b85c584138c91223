package integration

import "testing"

// TestGroupRepresentativeOverShards: a group whose values differ in ways
// the collation ignores ('a' and 'A', 'b' and 'B ') shows, on one
// MariaDB, the values of the first row it read: on a scan of the table,
// the row with the lowest primary key. A merge over several shards showed
// the first shard's instead ('A' for 'a'). Each shard now also sends the
// lowest key of each group, and the merge keeps the values of the lowest
// over all: also with COUNT(DISTINCT), HAVING and ORDER BY, text and binary
// protocol.
func TestGroupRepresentativeOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		// k odd on s1, even on s0: each group's lowest key is on one
		// shard, its other spellings on the other.
		"INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, NULL, 'A'), (6, 6, 'B '), (7, 7, 'b'), (8, 8, 'C'), (9, 9, 'c')")
	queries := []string{
		"SELECT s FROM modeitems GROUP BY s ORDER BY s",
		"SELECT s, COUNT(*) FROM modeitems GROUP BY s",
		"SELECT s, COUNT(DISTINCT v), SUM(v) FROM modeitems GROUP BY s",
		"SELECT s, COUNT(*) FROM modeitems WHERE k > 1 GROUP BY s HAVING COUNT(*) > 1",
		"SELECT s, MAX(k) FROM modeitems GROUP BY s ORDER BY MAX(k) DESC",
		// GROUP BY takes s for the column, not the alias (ORDER BY takes
		// the alias): v is carried from each group's first row.
		"SELECT v AS s, COUNT(*) FROM modeitems GROUP BY s ORDER BY COUNT(*), s",
	}
	compareQueries(ctx, t, proxy, direct, f, queries, scriptStep{0, "SELECT s, COUNT(*) FROM modeitems WHERE k > ? GROUP BY s", []any{0}})
}
