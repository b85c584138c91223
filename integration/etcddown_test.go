package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The proxy starts while etcd is down: it serves reads, autocommit writes
// and single-shard transactions, refuses multi-shard commits with 1180
// (changing nothing), and says so on /readyz (200, degraded) and
// /readyz?full=1 (503). Once etcd is started, with no proxy restart, it
// registers, recovers, commits across shards and is fully ready.
func TestEtcdDownAtStart(t *testing.T) {
	b := startBank(t)
	b.etcd.Stop(t)
	start := time.Now()
	p := b.startProxy(t, "p1", "")
	t.Logf("proxy serving %s after its start with etcd down", time.Since(start).Round(time.Millisecond))
	pid := p.PID()
	db := bankDB(t, p)
	ctx := testCtx(t, 4*time.Minute)

	t.Run("readyz degraded", func(t *testing.T) {
		code, body := adminGet(t, p, "/readyz")
		if code != 200 || !strings.HasPrefix(body, "ready, degraded: ") || !strings.Contains(body, "decision log (etcd) is unreachable") {
			t.Errorf("/readyz with etcd down = %d %q, want 200 \"ready, degraded: ...etcd is unreachable...\"", code, body)
		}
		if code, body := adminGet(t, p, "/readyz?full=1"); code != 503 || !strings.Contains(body, "degraded: ") {
			t.Errorf("/readyz?full=1 with etcd down = %d %q, want 503 degraded", code, body)
		}
		for _, reason := range []string{"decision_log_unreachable", "not_registered", "recovery_incomplete"} {
			if v := metric(t, p, `xaproxy_degraded{reason="`+reason+`"}`); v != 1 {
				t.Errorf("xaproxy_degraded{reason=%q} = %v with etcd down, want 1", reason, v)
			}
		}
		if v := metric(t, p, "xaproxy_ready"); v != 1 {
			t.Errorf("xaproxy_ready = %v with etcd down, want 1 (it serves)", v)
		}
	})

	t.Run("reads and autocommit writes", func(t *testing.T) {
		if sum := queryInt(t, db, "SELECT SUM(bal) FROM accounts"); sum != b.total {
			t.Errorf("SELECT SUM(bal) across shards = %d, want %d", sum, b.total)
		}
		id := b.takeOn(t, b.names[2])
		mustExec(t, db, "UPDATE accounts SET bal = bal + 7 WHERE id = ?", id)
		b.wantBalances(t, "after an autocommit UPDATE", map[int64]int64{id: bankInitialBal + 7})
		mustExec(t, db, "UPDATE accounts SET bal = bal - 7 WHERE id = ?", id)
	})

	t.Run("single-shard transaction commits", func(t *testing.T) {
		a1, a2 := b.takeOn(t, b.names[0]), b.takeOn(t, b.names[0])
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		mustExec(t, c, "BEGIN")
		mustExec(t, c, "UPDATE accounts SET bal = bal - 50 WHERE id = ?", a1)
		mustExec(t, c, "UPDATE accounts SET bal = bal + 50 WHERE id = ?", a2)
		mustExec(t, c, "COMMIT")
		b.wantBalances(t, "after a single-shard transaction with etcd down", map[int64]int64{a1: bankInitialBal - 50, a2: bankInitialBal + 50})
	})

	t.Run("multi-shard commit refused with 1180", func(t *testing.T) {
		src, dst := b.takeCross(t)
		err := transfer(ctx, db, src, dst, 100, "down-1")
		if stageOf(err) != "commit" {
			t.Fatalf("transfer %d (%s) -> %d (%s) with etcd down: %v, want COMMIT to fail", src, b.shardOf[src], dst, b.shardOf[dst], err)
		}
		wantMySQLError(t, err, 1180, "")
		if !strings.Contains(err.Error(), "nothing was committed") || !strings.Contains(err.Error(), "etcd") {
			t.Errorf("1180 message does not say that nothing was committed and why: %v", err)
		}
		b.wantBalances(t, "after the refused multi-shard commit", map[int64]int64{src: bankInitialBal, dst: bankInitialBal})
		if b.hasTransfer(t, "down-1", src) {
			t.Error("transfers row of the refused transfer exists")
		}
		if prep := b.prepared(t); len(prep) != 0 {
			t.Errorf("XA RECOVER lists prepared branches after the refused commit: %v", prep)
		}
		assertUnlocked(t, b, src, dst)
	})
	if t.Failed() {
		t.FailNow()
	}

	b.etcd.Start(t)
	up := time.Now()

	t.Run("multi-shard commit works once etcd is back", func(t *testing.T) {
		src, dst := b.takeCross(t)
		var last error
		attempts := 0
		ok := waitFor(60*time.Second, func() bool {
			attempts++
			last = transfer(ctx, db, src, dst, 100, fmt.Sprintf("up-%d", attempts))
			if last != nil && mysqlErrNumber(last) != 1180 {
				t.Fatalf("transfer attempt %d after etcd came back: %v, want OK or 1180 until registered", attempts, last)
			}
			return last == nil
		})
		if !ok {
			t.Fatalf("no multi-shard commit within 60s of etcd's restart (%d attempts); last: %v", attempts, last)
		}
		t.Logf("multi-shard transfer committed %s after etcd came back (attempt %d)", time.Since(up).Round(time.Millisecond), attempts)
		b.wantBalances(t, "after the transfer", map[int64]int64{src: bankInitialBal - 100, dst: bankInitialBal + 100})
		if !b.hasTransfer(t, fmt.Sprintf("up-%d", attempts), src) {
			t.Error("transfers row of the committed transfer missing")
		}
	})

	t.Run("readyz full", func(t *testing.T) {
		if !waitFor(60*time.Second, func() bool {
			code, _ := adminGet(t, p, "/readyz?full=1")
			return code == 200
		}) {
			_, body := adminGet(t, p, "/readyz")
			t.Fatalf("/readyz?full=1 not 200 within 60s of etcd's restart; /readyz says %q", body)
		}
		t.Logf("/readyz?full=1 is 200 %s after etcd came back", time.Since(up).Round(time.Millisecond))
		if code, body := adminGet(t, p, "/readyz"); code != 200 || body != "ready\n" {
			t.Errorf("/readyz = %d %q, want 200 \"ready\\n\"", code, body)
		}
		for _, reason := range []string{"decision_log_unreachable", "not_registered", "recovery_incomplete"} {
			if v := metric(t, p, `xaproxy_degraded{reason="`+reason+`"}`); v != 0 {
				t.Errorf("xaproxy_degraded{reason=%q} = %v with etcd back, want 0", reason, v)
			}
		}
	})

	if p.PID() != pid || !p.Running() {
		t.Errorf("the proxy was restarted or died (pid %d, now %d, running %v)", pid, p.PID(), p.Running())
	}
	if n := len(outputLines(p, "cannot register in the decision log")); n != 1 {
		t.Errorf("%d log lines about the failing registration, want 1", n)
	}
	if n := len(outputLines(p, "registered after failed attempts")); n != 1 {
		t.Errorf("%d log lines about the late registration, want 1", n)
	}
	b.assertClean(t)
}
