package integration

import "testing"

// MariaDB's DELETE takes LOW_PRIORITY, QUICK and IGNORE in any order and
// repeated; through the proxy such a DELETE, on one shard or several,
// answers and deletes as on one MariaDB (1064 before).
func TestDeleteOptionsInAnyOrder(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, 40, 'd'), (5, 50, 'e')")
	steps := []scriptStep{
		{0, "DELETE IGNORE LOW_PRIORITY QUICK FROM modeitems WHERE k = 1", nil},
		{0, "DELETE QUICK IGNORE FROM modeitems WHERE v > 35", nil}, // two shards
		{0, "SELECT k FROM modeitems ORDER BY k", nil},
		{0, "DELETE IGNORE IGNORE FROM modeitems WHERE k = 2", nil},
		{0, "delete quick low_priority from modeitems where s = 'zz'", nil},
		{0, "SELECT k, v, s FROM modeitems ORDER BY k", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
