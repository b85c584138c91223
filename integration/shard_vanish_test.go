package integration

import (
	"context"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestShardVanishedBetweenCommands: a shard closes its connections and
// vanishes from the network between two commands of a transaction (a
// container killed with its network namespace: a FIN, then neither an
// answer nor a reset). The next statement on that shard fails at once, as
// the FIN says, and the ROLLBACK frees the other shard's row. (Shard
// commands written from inside the raw read of their answer, since
// withdrawn, waited here for an answer that could not come, holding the
// other branch's lock: the FIN's readiness was cleared unread.
// TestDockerStack found it when a shard container was killed.)
func TestShardVanishedBetweenCommands(t *testing.T) {
	b := startBank(t)
	link := harness.NewLink(t, b.shards["s1"].Addr())
	cfg := b.proxyConfig("p1", nil)
	throughLink(&cfg, "s1", link)
	p1 := env.StartProxy(t, cfg)
	defer p1.Stop(t)
	defer link.Heal() // before the proxy stops: its dials are not held
	db := bankDB(t, p1)
	src, dst := b.takeOn(t, "s0"), b.takeOn(t, "s1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []struct {
		sql string
		id  int64
	}{
		{"BEGIN", 0},
		{"UPDATE accounts SET bal = bal - 1 WHERE id = ?", src}, // s0's row locked
		{"SELECT bal FROM accounts WHERE id = ?", dst},          // s1's branch open
	} {
		args := []any{}
		if q.id != 0 {
			args = append(args, q.id)
		}
		if _, err := conn.ExecContext(ctx, q.sql, args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	link.Vanish()
	time.Sleep(200 * time.Millisecond) // the FIN reaches the proxy, which reads nothing now

	sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
	start := time.Now()
	_, err = conn.ExecContext(sctx, "UPDATE accounts SET bal = bal + 1 WHERE id = ?", dst)
	took := time.Since(start)
	scancel()
	if err == nil {
		t.Fatalf("UPDATE on the vanished shard: OK after %s, want an error", took)
	}
	if took > 5*time.Second {
		t.Fatalf("UPDATE on the vanished shard answered after %s (%v): the proxy waited for an answer its FIN had ruled out", took.Round(time.Millisecond), err)
	}
	t.Logf("UPDATE on the vanished shard: %v after %s", err, took.Round(time.Millisecond))
	_, _ = conn.ExecContext(ctx, "ROLLBACK")

	// s0's row is free again: a direct write to it does not wait.
	d, err := b.dbOf(src).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 3"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, "UPDATE accounts SET bal = bal WHERE id = ?", src); err != nil {
		t.Fatalf("s0's row of the rolled-back transaction: %v, want it free", err)
	}
}
