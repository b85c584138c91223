package integration

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestXAPhaseTwoRetryOnFreshConnection: the connection to one shard is
// reset between the COMMIT decision and phase two. The proxy closes it and
// commits that branch over a fresh connection at once, and the client gets
// OK; recovery, which runs hourly here, is not what finishes it. (The retry
// used to re-send XA COMMIT on the lost connection, which refuses to
// write: the branch stayed prepared, holding its locks, until recovery.)
func TestXAPhaseTwoRetryOnFreshConnection(t *testing.T) {
	b := startBank(t)
	link := harness.NewLink(t, b.shards["s1"].Addr())
	cfg := b.proxyConfig("p1", []string{"XAPROXY_TEST_FAULT=after-decision:stop"})
	throughLink(&cfg, "s1", link)
	cfg.Coordinator = strings.Replace(cfg.Coordinator, "recover_every: 1s", "recover_every: 1h", 1)
	p1 := env.StartProxy(t, cfg)
	t.Cleanup(func() { _ = syscall.Kill(p1.PID(), syscall.SIGCONT) })
	defer p1.Stop(t)
	db := bankDB(t, p1)
	src, dst := b.takeOn(t, "s0"), b.takeOn(t, "s1")
	res := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		res <- transfer(ctx, db, src, dst, 100, "fresh-retry")
	}()
	if !waitFor(10*time.Second, func() bool { return processState(p1.PID()) == "T" }) {
		t.Fatalf("p1 (pid %d) did not stop itself after the decision (state %q)", p1.PID(), processState(p1.PID()))
	}
	gtrids := gtridsOf(b.prepared(t))
	if len(gtrids) != 1 {
		t.Fatalf("want the transfer prepared on s0 and s1 while p1 is stopped, got %v", b.prepared(t))
	}
	link.Reset() // every connection of p1 to s1: RST
	p1.Signal(t, syscall.SIGCONT)
	select {
	case err := <-res:
		if err != nil {
			t.Fatalf("transfer: %v, want OK (the decision was stored)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no answer to COMMIT 30 s after p1 resumed")
	}
	if !waitFor(5*time.Second, func() bool {
		_, decided := b.decisions(t)[gtrids[0]]
		return len(b.prepared(t)) == 0 && !decided
	}) {
		t.Fatalf("5 s after COMMIT: prepared %v, decisions %v; want s1's branch committed by the retry and the decision deleted",
			b.prepared(t), b.decisions(t))
	}
	if got, want := []int64{b.balance(t, src), b.balance(t, dst)}, []int64{bankInitialBal - 100, bankInitialBal + 100}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("balances src, dst = %v, want %v", got, want)
	}
}
