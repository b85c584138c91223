package integration

import (
	"fmt"
	"strings"
	"testing"
)

// Rows that tie on an ORDER BY over several shards come in one MariaDB's
// order when it reads them by an index on the ORDER BY column: that of
// the primary key within each value (backwards for DESC), so that a page
// (LIMIT) holds one server's rows. Before, the merge gave the first
// shard's rows of a tie first: ORDER BY s LIMIT 5 gave k = 6, 12, 18, 24,
// 30 (all on s0) where one server gives 3, 6, 9, 12, 15.
func TestOrderByTiesInKeyOrder(t *testing.T) {
	t.Parallel()
	var rows []string
	for k := 1; k <= 30; k++ {
		rows = append(rows, fmt.Sprintf("(%d, %d, '%c', %d)", k, (k*7)%4, 'a'+(k*5)%3, k%5))
	}
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20), n INT, KEY (s), KEY (n, s))",
		"INSERT INTO modeitems VALUES "+strings.Join(rows, ", "))
	var steps []scriptStep
	for _, q := range []string{
		"SELECT k, s FROM modeitems ORDER BY s",
		"SELECT k, s FROM modeitems ORDER BY s LIMIT 5",
		"SELECT k, s FROM modeitems ORDER BY s LIMIT 7, 5",
		"SELECT k, s FROM modeitems ORDER BY s DESC LIMIT 5",
		"SELECT k FROM modeitems WHERE s > 'a' ORDER BY s LIMIT 4",
		"SELECT k, n, s FROM modeitems ORDER BY n, s LIMIT 8",
		"SELECT k, n FROM modeitems ORDER BY n DESC, s DESC LIMIT 8",
	} {
		steps = append(steps, scriptStep{0, q, nil})
	}
	steps = append(steps, scriptStep{0, "SELECT k, s FROM modeitems WHERE s >= ? ORDER BY s LIMIT ?", []any{"b", 6}})
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
