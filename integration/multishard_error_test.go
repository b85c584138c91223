package integration

import (
	"testing"
	"time"
)

// TestMultiShardStatementErrorKeepsTransaction: a statement over two
// shards that fails on one of them fails alone, as on one MariaDB: what it
// did on the other shard is undone, the transaction goes on and COMMIT
// keeps what the earlier statements wrote. (The proxy used to roll the
// whole transaction back and still answer the next COMMIT with OK.)
func TestMultiShardStatementErrorKeepsTransaction(t *testing.T) {
	t.Parallel()
	f := startReturningFixture(t)
	ctx := testCtx(t, 2*time.Minute)
	proxy := f.p.DB(t, appUser, appPass, "shop", "")
	direct := f.s0.DB(t, "direct")
	mustExec(t, proxy, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT)")
	mustExec(t, direct, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT)")
	// k = 2 lives on s0, k = 1 and 3 on s1 (mod 2); s0 is reached first.
	steps := []scriptStep{
		{0, "BEGIN", nil},
		{0, "INSERT INTO txitems VALUES (2, 1)", nil},
		{0, "INSERT INTO txitems VALUES (2, 2), (1, 2)", nil}, // 1062 on s0, its first shard
		{0, "INSERT INTO txitems VALUES (2, 3), (3, 3) RETURNING k, v", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		{0, "COMMIT", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		// The failing shard's branch is opened by the failing statement
		// itself (s0 had none yet): it must still commit cleanly.
		{0, "BEGIN", nil},
		{0, "INSERT INTO txitems VALUES (7, 7)", nil},
		{0, "INSERT INTO txitems VALUES (6, 'x'), (9, 9)", nil}, // 1366 on s0, its first shard
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		{0, "COMMIT", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		{0, "SET autocommit = 0", nil},
		{0, "INSERT INTO txitems VALUES (4, 4)", nil},
		{0, "INSERT INTO txitems VALUES (4, 5), (5, 5)", nil}, // 1062 on s0 first
		{0, "COMMIT", nil},
		{0, "SET autocommit = 1", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		// Failing on the second shard it reaches: the part that ran on s0
		// (in a branch it opened itself, then in one already open) is
		// undone, and the transaction goes on.
		{0, "BEGIN", nil},
		{0, "INSERT INTO txitems VALUES (1, 1)", nil},
		{0, "INSERT INTO txitems VALUES (10, 10), (1, 10)", nil}, // 1062 on s1, its second shard
		{0, "INSERT INTO txitems VALUES (12, 12), (1, 12) RETURNING k, v", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		{0, "COMMIT", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
		{0, "SET autocommit = 0", nil},
		{0, "INSERT INTO txitems VALUES (14, 14), (13, 13)", nil},
		{0, "INSERT INTO txitems VALUES (16, 16), (13, 'x')", nil}, // 1366 on s1
		{0, "DELETE FROM txitems WHERE k IN (14, 13)", nil},
		{0, "COMMIT", nil},
		{0, "SET autocommit = 1", nil},
		{0, "SELECT k, v FROM txitems ORDER BY k", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, proxy, 1), steps)
	want := runScript(ctx, t, openSessions(ctx, t, direct, 1), steps)
	compareScript(t, steps, got, want)
}
