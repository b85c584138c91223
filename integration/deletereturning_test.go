package integration

import "testing"

// A DELETE ... RETURNING over several shards answers its rows in one
// MariaDB's order, that of the table's primary key (its scan meets them
// so), in both protocols; before, they came shard after shard (k = 10
// before k = 9). Without the key's columns in the list, the order cannot
// be made: refused over several shards, run on one.
func TestDeleteReturningOrder(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"CREATE TABLE modeitems (s VARCHAR(10), k INT, v INT, PRIMARY KEY (s, k))",
		"INSERT INTO gitems VALUES (1,10,'a'),(2,20,'b'),(3,30,'c'),(4,10,'d'),(5,50,'e'),(6,60,'f'),(7,20,'g'),(8,80,'h'),(9,NULL,'A'),(10,10,'e'),(11,1,'x'),(12,2,'y')",
		"INSERT INTO modeitems VALUES ('b',1,1),('a',2,2),('b',2,3),('a',1,4),('c',4,5),('a',3,6)",
	)
	steps := []scriptStep{
		{0, "DELETE FROM gitems WHERE k IN (9, 10) RETURNING *", nil},
		{0, "DELETE FROM gitems WHERE k IN (?, ?, ?) RETURNING v, k", []any{8, 7, 6}},
		{0, "DELETE FROM gitems WHERE k > 4 AND k < 12 RETURNING s, k AS key_col", nil},
		{0, "DELETE FROM gitems WHERE v = 10 RETURNING k", nil},
		{0, "DELETE FROM modeitems WHERE v < 4 RETURNING k, s, v", nil},
		{0, "DELETE FROM modeitems WHERE v > ? RETURNING *", []any{0}},
		// The key is not returned: answered on one shard.
		{0, "DELETE FROM gitems WHERE k IN (2, 12) RETURNING v", nil},
		{0, "DELETE FROM gitems RETURNING k, v", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
	// Over several shards it is refused, and nothing is deleted.
	const want = "Error 1235 (42000): DELETE ... RETURNING of sharded table gitems over several shards must return its primary key column k: one server returns the rows in the primary key's order, by which the proxy merges them; restrict k to values of one shard to run it there (it would touch shards s0, s1)"
	mustExec(t, proxy, "INSERT INTO gitems VALUES (1,1,'a'),(2,2,'b')")
	for _, q := range []string{"DELETE FROM gitems RETURNING v", "DELETE FROM gitems WHERE k IN (1, 2) RETURNING v, k + 0"} {
		if _, err := proxy.QueryContext(ctx, q); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", q, err, want)
		}
	}
	var n int
	if err := proxy.QueryRowContext(ctx, "SELECT COUNT(*) FROM gitems").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows left after the refusals: %d (%v), want 2", n, err)
	}
}
