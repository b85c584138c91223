package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/integration/harness"
	"github.com/xaproxy/xaproxy/xa"
)

// TestRecoveryKilledOwnerBranchCommitted: recovery kills the connection
// that still holds a branch with a COMMIT decision, and the branch must
// really be committed. MariaDB makes a closing connection's prepared branch
// findable by other sessions before InnoDB detaches its transaction, and an
// XA COMMIT in between answers OK, commits nothing and forgets the xid: the
// update stays prepared, unlisted by XA RECOVER, its row locked, until the
// shard restarts. Many user variables on the owner connection make its
// exit slow, so that an XA COMMIT sent right after the KILL lands there
// (5 of 5 times on MariaDB 10.11 before recovery waited for the detach).
func TestRecoveryKilledOwnerBranchCommitted(t *testing.T) {
	m := harness.StartMariaDB(t, "xakill")
	m.Exec(t, "CREATE DATABASE b", "CREATE TABLE b.a (id INT PRIMARY KEY, v INT) ENGINE=InnoDB", "INSERT INTO b.a VALUES (1, 0)")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := backend.NewPool(backend.Target{Shard: "s0", Addr: m.Addr(), User: "root"}, backend.PoolConfig{MaxOpen: 4, MaxIdle: 4})
	t.Cleanup(pool.Close)
	db := m.DB(t, "")

	owner, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	var thread uint32
	if err := owner.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&thread); err != nil {
		t.Fatal(err)
	}
	var set strings.Builder
	set.WriteString("SET @v0 = 0")
	for i := 1; i < 100000; i++ {
		fmt.Fprintf(&set, ", @v%d = %d", i, i)
	}
	tag := xa.DeploymentTag("xakill")
	gen, err := xa.NewGenerator(tag, "p1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	gtrid := gen.Next()
	x := xa.BranchXID(gtrid, "s0", thread).SQL()
	for _, q := range []string{set.String(), "XA START " + x, "UPDATE b.a SET v = v + 1 WHERE id = 1", "XA END " + x, "XA PREPARE " + x} {
		if _, err := owner.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}

	shards := recoveryShards{names: []string{"s0"}, pools: map[string]*backend.Pool{"s0": pool}}
	c, release, err := shards.Conn(ctx, "s0")
	if err != nil {
		t.Fatal(err)
	}
	att, err := c.Attached(ctx)
	release()
	if err != nil || !att[thread] {
		t.Fatalf("Attached = %v, %v; want the owner thread %d listed", att, err, thread)
	}

	log := xa.NewMemLog()
	if _, err := log.Decide(ctx, xa.Decision{Gtrid: gtrid, Outcome: xa.Commit, Participants: []string{"s0"}, Instance: "p1"}); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := xa.NewRecoverer(log.Open(), shards, tag, "p2", 0, quiet, xa.NewMetrics(nil))
	rep, err := r.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recovery actions: %+v", rep.Actions)

	var v, orphans int
	if err := db.QueryRowContext(ctx, "SELECT v FROM b.a WHERE id = 1").Scan(&v); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // INNODB_TRX is a snapshot refreshed when unread for 100 ms
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = 0").Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, "XA RECOVER")
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for rows.Next() {
		listed++
	}
	rows.Close()
	if v != 1 {
		t.Fatalf("v = %d after recovery committed the branch, want 1 (XA RECOVER lists %d branches, %d detached InnoDB transactions left)", v, listed, orphans)
	}
	if listed != 0 || orphans != 0 {
		t.Errorf("after the commit XA RECOVER lists %d branches and InnoDB holds %d detached transactions, want none", listed, orphans)
	}
	probe, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	if _, err := probe.ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := probe.ExecContext(ctx, "UPDATE b.a SET v = v + 1 WHERE id = 1"); err != nil {
		t.Errorf("the committed row is still locked: %v", err)
	}
}
