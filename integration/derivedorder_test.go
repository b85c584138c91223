package integration

import (
	"fmt"
	"strings"
	"testing"
)

// A query whose only table is a derived table over one sharded table
// answers in one MariaDB's order: it merges the derived table into the
// query and scans the primary key, so that LIMIT without ORDER BY gives
// its first rows. Before, the
// merge gave the shards' rows one shard after the other (LIMIT 4: k = 2,
// 6, 10, 14 where one server gives 1, 2, 3, 5).
func TestDerivedTableScanOrder(t *testing.T) {
	t.Parallel()
	var rows []string
	for k := 1; k <= 30; k++ {
		rows = append(rows, fmt.Sprintf("(%d, %d, '%c')", k, (k*7)%4, 'a'+(k*5)%3))
	}
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20), KEY (s))",
		"INSERT INTO modeitems VALUES "+strings.Join(rows, ", "))
	steps := textSteps(
		"SELECT * FROM (SELECT k, s FROM modeitems WHERE v > 0) d",
		"SELECT * FROM (SELECT k, s FROM modeitems WHERE v > 0) d LIMIT 4",
		"SELECT s FROM (SELECT k AS id, s FROM modeitems WHERE v > 0) d LIMIT 3, 4",
		"SELECT d.s FROM (SELECT * FROM modeitems WHERE v < 3) AS d WHERE d.k > 4 LIMIT 5",
	)
	steps = append(steps, scriptStep{0, "SELECT * FROM (SELECT k, s FROM modeitems WHERE v > ?) d LIMIT ?", []any{0, 4}},
		// Without the key, on one shard: run there.
		scriptStep{0, "SELECT * FROM (SELECT s FROM modeitems WHERE k IN (1, 3, 5)) d LIMIT 2", nil},
		scriptStep{0, "SELECT COUNT(*), MIN(s) FROM (SELECT s FROM modeitems) d", nil},
		scriptStep{0, "SELECT s FROM (SELECT s, v FROM modeitems) d ORDER BY s, v", nil})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	// Without the key over several shards, and without an ORDER BY, the
	// merge cannot give one server's order: refused.
	for _, q := range []string{
		"SELECT * FROM (SELECT s FROM modeitems WHERE v > 0) d LIMIT 4",
		"SELECT s FROM (SELECT k + 0 AS k, s FROM modeitems) d",
	} {
		_, err := proxy.QueryContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "Error 1235 (42000): a query over a derived table that reads sharded table modeitems over several shards needs an ORDER BY") {
			t.Errorf("%s: got %v, want the refusal", q, err)
		}
	}
}
