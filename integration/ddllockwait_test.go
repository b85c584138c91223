package integration

import (
	"testing"
	"time"
)

// TestDDLLockWaitTimeoutOverShards: a DDL waiting for the metadata lock
// of a transaction that used its table fails after lock_wait_timeout (or
// at once with NOWAIT) with 1205 and changes nothing, as on one MariaDB,
// also when the transaction used only one shard's rows. Before, it
// applied on the shard the transaction had not touched, then timed out on
// the other: an ALTER half applied, a TRUNCATE that emptied one shard.
func TestDDLLockWaitTimeoutOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
	)
	compareSessions(ctx, t, proxy, direct, 2, []scriptStep{
		{1, "SET SESSION lock_wait_timeout = 1", nil},
		{0, "BEGIN", nil},
		{0, "SELECT v FROM gitems WHERE k = 1", nil}, // s1 only
		{1, "ALTER TABLE gitems ADD COLUMN w INT", nil},
		{1, "SHOW WARNINGS", nil},
		{1, "ALTER TABLE gitems NOWAIT ADD INDEX iv (v)", nil},
		{1, "TRUNCATE TABLE gitems", nil},
		{1, "CREATE INDEX iv ON gitems (v) WAIT 1", nil},
		{0, "SELECT * FROM gitems ORDER BY k", nil},
		{0, "COMMIT", nil},
		{1, "SHOW CREATE TABLE gitems", nil},
		{1, "SELECT * FROM gitems ORDER BY k", nil},
		// The lock given back, the DDL runs.
		{1, "ALTER TABLE gitems ADD COLUMN w INT", nil},
		{0, "SELECT * FROM gitems ORDER BY k", nil},
	})
}

// TestDDLWaitingForOneShardBlocksNoOther: while a DDL waits for the
// metadata lock a transaction holds on one shard, that transaction still
// reads the other shard's rows (the DDL holds no shard's lock while it
// waits on another's: no deadlock across shards), and once it commits the
// DDL runs, as on one MariaDB.
func TestDDLWaitingForOneShardBlocksNoOther(t *testing.T) {
	t.Parallel()
	ctx, proxy, _, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
	)
	a, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustExec(t, b, "SET SESSION lock_wait_timeout = 20")
	mustExec(t, a, "BEGIN")
	if v := queryInt(t, a, "SELECT v FROM gitems WHERE k = 1"); v != 1 { // s1
		t.Fatalf("k = 1: v %d", v)
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.ExecContext(ctx, "ALTER TABLE gitems ADD COLUMN w INT")
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the ALTER did not wait for the open transaction: %v", err)
	default:
	}
	start := time.Now()
	if v := queryInt(t, a, "SELECT v FROM gitems WHERE k = 2"); v != 2 { // s0
		t.Errorf("k = 2: v %d", v)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the transaction's read of s0 waited %v for the DDL", d)
	}
	mustExec(t, a, "COMMIT")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the ALTER after the transaction committed: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the ALTER still waits after the transaction committed")
	}
	if n := queryInt(t, a, "SELECT COUNT(w) + COUNT(*) FROM gitems"); n != 4 {
		t.Errorf("after the ALTER: COUNT(w) + COUNT(*) = %d, want 4 (w NULL everywhere)", n)
	}
}
