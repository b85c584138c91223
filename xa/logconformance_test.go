package xa

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// logTarget is one fresh, empty store under test.
type logTarget struct {
	// open returns a new client of the store (another proxy instance's
	// view of the same etcd). Clients are closed at the end of the test.
	open func(t *testing.T) Log
	// ttl of registrations.
	ttl time.Duration
	// stopKeepAlive makes l stop keeping instance's registration alive
	// without revoking it, as a crash of the process would.
	stopKeepAlive func(l Log, instance string)
}

// testLogConformance runs the behaviour every Log must have. newTarget
// returns a fresh, empty store for each subtest.
func testLogConformance(t *testing.T, newTarget func(t *testing.T) logTarget) {
	ctx := context.Background()

	t.Run("ConcurrentDecideOneOutcome", func(t *testing.T) {
		tg := newTarget(t)
		clients := []Log{tg.open(t), tg.open(t), tg.open(t)}
		gen := mustGenerator(t, "px1", time.Now())
		const callers, rounds = 20, 5
		for round := range rounds {
			gtrid := gen.Next()
			results := make([]Decision, callers)
			errs := make([]error, callers)
			asked := make([]Decision, callers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range callers {
				outcome := Commit
				if i%2 == 1 {
					outcome = Abort
				}
				asked[i] = Decision{Gtrid: gtrid, Outcome: outcome, Participants: []string{"s0", "s1"},
					Instance: fmt.Sprintf("caller%d", i)}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i], errs[i] = clients[i%len(clients)].Decide(ctx, asked[i])
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d: caller %d: Decide: %v", round, i, err)
				}
			}
			winner := results[0]
			won := 0
			for i, r := range results {
				if !r.Same(winner) {
					t.Errorf("round %d: caller %d saw %+v, caller 0 saw %+v", round, i, r, winner)
				}
				if r.Instance == asked[i].Instance {
					won++
					if r.Outcome != asked[i].Outcome {
						t.Errorf("round %d: caller %d won with outcome %s, asked %s", round, i, r.Outcome, asked[i].Outcome)
					}
				}
			}
			if won != 1 {
				t.Errorf("round %d: %d callers were told their own decision was stored, want exactly 1", round, won)
			}
			for _, c := range clients {
				got, ok, err := c.Get(ctx, gtrid)
				if err != nil || !ok || !got.Same(winner) {
					t.Errorf("round %d: Get = %+v, %v, %v; want %+v", round, got, ok, err, winner)
				}
			}
		}
		list, err := clients[0].List(ctx)
		if err != nil || len(list) != rounds {
			t.Errorf("List: %d decisions, %v; want %d", len(list), err, rounds)
		}
	})

	t.Run("DecideReturnsExisting", func(t *testing.T) {
		tg := newTarget(t)
		l := tg.open(t)
		gtrid := mustGenerator(t, "px1", time.Now()).Next()
		before := time.Now()
		commit := Decision{Gtrid: gtrid, Outcome: Commit, Participants: []string{"s1", "s0"}, Instance: "px1"}
		got, err := l.Decide(ctx, commit)
		if err != nil {
			t.Fatalf("Decide: %v", err)
		}
		if got.At.Before(before.Add(-time.Second)) || got.At.After(time.Now().Add(time.Second)) {
			t.Errorf("At = %v, want about now (filled in)", got.At)
		}
		commit.At = got.At
		if !got.Same(commit) {
			t.Errorf("Decide = %+v, want %+v", got, commit)
		}
		// The other outcome, from another instance: the commit stays.
		got2, err := tg.open(t).Decide(ctx, Decision{Gtrid: gtrid, Outcome: Abort, Instance: "px2"})
		if err != nil || !got2.Same(commit) {
			t.Errorf("Decide(abort) = %+v, %v; want the stored commit %+v", got2, err, commit)
		}
		// Deciding the same thing again (a retry) returns it.
		got3, err := l.Decide(ctx, commit)
		if err != nil || !got3.Same(commit) {
			t.Errorf("Decide(same) = %+v, %v", got3, err)
		}
		// An explicit At is kept (in UTC).
		at := time.Date(2026, 5, 4, 12, 0, 0, 123456789, time.FixedZone("X", 3600))
		abort := Decision{Gtrid: gtrid + "b", Outcome: Abort, Instance: "px2", At: at}
		got4, err := l.Decide(ctx, abort)
		if err != nil || !got4.At.Equal(at) || got4.At.Location() != time.UTC || got4.Participants != nil {
			t.Errorf("Decide(abort with At) = %+v, %v", got4, err)
		}
		stored, ok, err := l.Get(ctx, abort.Gtrid)
		if err != nil || !ok || !stored.Same(got4) {
			t.Errorf("Get = %+v, %v, %v; want %+v", stored, ok, err, got4)
		}
	})

	t.Run("DecideRejectsInvalid", func(t *testing.T) {
		tg := newTarget(t)
		l := tg.open(t)
		for _, d := range []Decision{
			{Gtrid: "", Outcome: Commit, Participants: []string{"s0"}},
			{Gtrid: "g/1", Outcome: Commit, Participants: []string{"s0"}},
			{Gtrid: string(make([]byte, 65)), Outcome: Abort},
			{Gtrid: "g1", Outcome: "maybe"},
			{Gtrid: "g1", Outcome: Commit},                                   // commit without participants
			{Gtrid: "g1", Outcome: Commit, Participants: []string{"s0", ""}}, // empty participant
		} {
			if _, err := l.Decide(ctx, d); !errors.Is(err, ErrInvalid) {
				t.Errorf("Decide(%+v) = %v, want ErrInvalid", d, err)
			}
		}
		if list, err := l.List(ctx); err != nil || len(list) != 0 {
			t.Errorf("List after invalid decisions = %v, %v", list, err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := l.Decide(cctx, Decision{Gtrid: "g2", Outcome: Abort})
		if err == nil || errors.Is(err, ErrUnknown) {
			t.Errorf("Decide with a cancelled context = %v, want a definite error", err)
		}
		if _, ok, err := l.Get(ctx, "g2"); ok || err != nil {
			t.Errorf("Get after a cancelled Decide = %v, %v; want nothing stored", ok, err)
		}
	})

	t.Run("GetDeleteList", func(t *testing.T) {
		tg := newTarget(t)
		l := tg.open(t)
		gen := mustGenerator(t, "px1", time.Now())
		if _, ok, err := l.Get(ctx, gen.Next()); ok || err != nil {
			t.Fatalf("Get(missing) = %v, %v", ok, err)
		}
		if list, err := l.List(ctx); err != nil || len(list) != 0 {
			t.Fatalf("List(empty) = %v, %v", list, err)
		}
		var want []Decision
		for i := range 5 {
			d := Decision{Gtrid: gen.Next(), Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1"}
			if i%2 == 1 {
				d = Decision{Gtrid: d.Gtrid, Outcome: Abort, Instance: "px2"}
			}
			got, err := l.Decide(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, got)
		}
		slices.SortFunc(want, func(a, b Decision) int { return strings.Compare(a.Gtrid, b.Gtrid) })
		checkList := func(want []Decision) {
			t.Helper()
			list, err := tg.open(t).List(ctx)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(list) != len(want) {
				t.Fatalf("List = %d decisions, want %d: %+v", len(list), len(want), list)
			}
			for i := range list {
				if !list[i].Same(want[i]) {
					t.Errorf("List[%d] = %+v, want %+v", i, list[i], want[i])
				}
			}
		}
		checkList(want)
		if err := l.Delete(ctx, want[1].Gtrid); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, ok, err := l.Get(ctx, want[1].Gtrid); ok || err != nil {
			t.Errorf("Get after Delete = %v, %v", ok, err)
		}
		if err := l.Delete(ctx, want[1].Gtrid); err != nil {
			t.Errorf("Delete(missing) = %v", err)
		}
		checkList(append(want[:1:1], want[2:]...))
	})

	t.Run("RegisterAliveInstances", func(t *testing.T) {
		tg := newTarget(t)
		l, other := tg.open(t), tg.open(t)
		actx, cancelA := context.WithCancel(ctx)
		defer cancelA()
		if err := l.Register(actx, "px-a"); err != nil {
			t.Fatalf("Register(px-a): %v", err)
		}
		if err := l.Register(ctx, "px-b"); err != nil {
			t.Fatalf("Register(px-b): %v", err)
		}
		if err := l.Register(ctx, "px-a"); !errors.Is(err, ErrAlreadyRegistered) {
			t.Errorf("second Register(px-a) = %v, want ErrAlreadyRegistered", err)
		}
		if err := l.Register(ctx, "bad/name"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Register(bad/name) = %v, want ErrInvalid", err)
		}
		if err := l.Register(ctx, strings.Repeat("r", MaxRegistrationNameLen+1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Register(129 bytes) = %v, want ErrInvalid", err)
		}
		// A registration may name one run of an instance, longer than an
		// instance name may be.
		run := strings.Repeat("i", MaxInstanceLen) + ".dn1972juln4c"
		if err := l.Register(ctx, run); err != nil {
			t.Errorf("Register(%s): %v", run, err)
		}
		if alive, err := other.Alive(ctx, run); err != nil || !alive {
			t.Errorf("Alive(%s) = %v, %v", run, alive, err)
		}
		for _, tc := range []struct {
			name  string
			alive bool
		}{{"px-a", true}, {"px-b", true}, {"px-c", false}} {
			if alive, err := other.Alive(ctx, tc.name); err != nil || alive != tc.alive {
				t.Errorf("Alive(%s) = %v, %v; want %v", tc.name, alive, err, tc.alive)
			}
		}
		if got, err := other.Instances(ctx); err != nil || !slices.Equal(got, []string{run, "px-a", "px-b"}) {
			t.Errorf("Instances = %v, %v", got, err)
		}
		// The registration outlives several TTLs while kept alive.
		time.Sleep(tg.ttl * 2)
		if alive, err := other.Alive(ctx, "px-a"); err != nil || !alive {
			t.Errorf("Alive(px-a) after 2 TTLs = %v, %v; want true (kept alive)", alive, err)
		}
		// Cancelling the registering context revokes at once.
		cancelA()
		waitAlive(t, other, "px-a", false, 3*time.Second)
		if alive, err := other.Alive(ctx, "px-b"); err != nil || !alive {
			t.Errorf("Alive(px-b) = %v, %v after px-a was revoked", alive, err)
		}
		// And the name can be registered again.
		if err := l.Register(ctx, "px-a"); err != nil {
			t.Errorf("Register(px-a) after revocation: %v", err)
		}
		waitAlive(t, other, "px-a", true, 3*time.Second)
	})

	t.Run("RunsOutliveRegistrations", func(t *testing.T) {
		tg := newTarget(t)
		l, other := tg.open(t), tg.open(t)
		gone, cancel := context.WithCancel(ctx)
		if err := l.Register(gone, "px-gone.1"); err != nil {
			t.Fatal(err)
		}
		if err := l.Register(ctx, "px-live.1"); err != nil {
			t.Fatal(err)
		}
		cancel()
		waitAlive(t, other, "px-gone.1", false, 3*time.Second)
		if got, err := other.Runs(ctx); err != nil || !slices.Equal(got, []string{"px-gone.1", "px-live.1"}) {
			t.Errorf("Runs = %v, %v; want both runs, the revoked one too", got, err)
		}
		// A run registered now is never forgotten; one that is over is.
		for _, run := range []string{"px-live.1", "px-gone.1", "px-never.1"} {
			if err := other.ForgetRun(ctx, run); err != nil {
				t.Errorf("ForgetRun(%s): %v", run, err)
			}
		}
		if got, err := other.Runs(ctx); err != nil || !slices.Equal(got, []string{"px-live.1"}) {
			t.Errorf("Runs after ForgetRun = %v, %v; want only the registered run", got, err)
		}
		if err := other.ForgetRun(ctx, "bad/name"); !errors.Is(err, ErrInvalid) {
			t.Errorf("ForgetRun(bad/name) = %v, want ErrInvalid", err)
		}
	})

	t.Run("RegistrationExpiresWithoutKeepAlive", func(t *testing.T) {
		tg := newTarget(t)
		l, other := tg.open(t), tg.open(t)
		if err := l.Register(ctx, "px-crash"); err != nil {
			t.Fatalf("Register: %v", err)
		}
		tg.stopKeepAlive(l, "px-crash")
		stopped := time.Now()
		if alive, err := other.Alive(ctx, "px-crash"); err != nil || !alive {
			t.Fatalf("Alive right after the keep-alive stopped = %v, %v; want true until the TTL", alive, err)
		}
		waitAlive(t, other, "px-crash", false, tg.ttl+5*time.Second)
		if d := time.Since(stopped); d < tg.ttl/2 {
			t.Errorf("registration gone %s after the keep-alive stopped, TTL is %s", d, tg.ttl)
		}
		t.Logf("registration expired %s after the keep-alive stopped (TTL %s)", time.Since(stopped).Round(10*time.Millisecond), tg.ttl)
		// A restarted process takes the name over.
		if err := other.Register(ctx, "px-crash"); err != nil {
			t.Errorf("Register after expiry: %v", err)
		}
	})

	t.Run("FencedDecideAfterRegistrationLoss", func(t *testing.T) {
		tg := newTarget(t)
		l := tg.open(t)
		rctx, cancel := context.WithCancel(ctx)
		if err := l.Register(rctx, "pf.1"); err != nil {
			t.Fatal(err)
		}
		fence, ok := l.Fence("pf.1")
		if !ok || fence.Token == 0 {
			t.Fatalf("Fence = %v, %v", fence, ok)
		}
		gen, _ := NewGenerator(testTag, "pf", time.Now())
		// While the registration holds, a fenced decision is stored.
		g1 := gen.Next()
		if d, err := l.Decide(ctx, Decision{Gtrid: g1, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "pf", Fence: fence}); err != nil || d.Outcome != Commit {
			t.Fatalf("fenced Decide while registered = %v, %v", d, err)
		}
		// The registration is lost and made again: the old token no longer holds.
		cancel()
		waitAlive(t, l, "pf.1", false, 5*time.Second)
		if err := l.Register(ctx, "pf.1"); err != nil {
			t.Fatal(err)
		}
		g2 := gen.Next()
		_, err := l.Decide(ctx, Decision{Gtrid: g2, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "pf", Fence: fence})
		if !errors.Is(err, ErrFenced) {
			t.Fatalf("Decide under a lost registration: %v, want ErrFenced", err)
		}
		if _, found, err := l.Get(ctx, g2); err != nil || found {
			t.Fatalf("a fenced decision was stored: %v, %v", found, err)
		}
		// A fence on an existing decision returns it, as any Decide does.
		if d, err := l.Decide(ctx, Decision{Gtrid: g1, Outcome: Abort, Instance: "other", Fence: fence}); err != nil || d.Outcome != Commit {
			t.Fatalf("Decide of an existing decision = %v, %v; want the stored commit", d, err)
		}
	})

	t.Run("RestartTakesOverLiveKey", func(t *testing.T) {
		tg := newTarget(t)
		crashed, restarted, observer := tg.open(t), tg.open(t), tg.open(t)
		if err := crashed.Register(ctx, "px1"); err != nil {
			t.Fatal(err)
		}
		tg.stopKeepAlive(crashed, "px1")
		if err := restarted.Register(ctx, "px1"); err != nil {
			t.Fatalf("Register of a crashed run's unexpired name: %v", err)
		}
		time.Sleep(tg.ttl + tg.ttl/2) // the crashed run's lease expires
		if alive, err := observer.Alive(ctx, "px1"); err != nil || !alive {
			t.Errorf("Alive(px1) = %v, %v after the old lease expired; the new run holds it", alive, err)
		}
	})

	t.Run("CloseRevokesAndRejects", func(t *testing.T) {
		tg := newTarget(t)
		l, other := tg.open(t), tg.open(t)
		if err := l.Register(ctx, "px-close"); err != nil {
			t.Fatal(err)
		}
		if err := other.Register(ctx, "px-other"); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if alive, err := other.Alive(ctx, "px-close"); err != nil || alive {
			t.Errorf("Alive after Close = %v, %v; want false at once (revoked)", alive, err)
		}
		if alive, err := other.Alive(ctx, "px-other"); err != nil || !alive {
			t.Errorf("Alive(other client's instance) after Close = %v, %v", alive, err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := l.Decide(ctx, Decision{Gtrid: "g1", Outcome: Abort}); !errors.Is(err, ErrClosed) {
			t.Errorf("Decide after Close = %v, want ErrClosed", err)
		}
		if _, _, err := l.Get(ctx, "g1"); !errors.Is(err, ErrClosed) {
			t.Errorf("Get after Close = %v, want ErrClosed", err)
		}
		if err := l.Register(ctx, "px-late"); !errors.Is(err, ErrClosed) {
			t.Errorf("Register after Close = %v, want ErrClosed", err)
		}
	})
}

// waitAlive polls until Alive(instance) == want or the timeout passes.
func waitAlive(t *testing.T, l Log, instance string, want bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		alive, err := l.Alive(context.Background(), instance)
		if err == nil && alive == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alive(%s) = %v, %v after %s; want %v", instance, alive, err, timeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
