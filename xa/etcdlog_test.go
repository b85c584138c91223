package xa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// logBuf collects a test's logs; they are printed if the test fails.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count is how many log lines contain s.
func (b *logBuf) count(s string) int { return strings.Count(b.String(), s) }

func testLogger(t *testing.T) (*slog.Logger, *logBuf) {
	b := &logBuf{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", b.String())
		}
	})
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// openEtcdLog opens an EtcdLog that is closed at the end of the test.
func openEtcdLog(t *testing.T, cfg EtcdConfig) *EtcdLog {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger, _ = testLogger(t)
	}
	l, err := NewEtcdLog(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewEtcdLog: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

func TestEtcdLogConformance(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	var n atomic.Int64
	testLogConformance(t, func(t *testing.T) logTarget {
		prefix := fmt.Sprintf("/xaproxy-conformance/%d/", n.Add(1))
		const ttl = 2 * time.Second
		return logTarget{
			ttl: ttl,
			open: func(t *testing.T) Log {
				return openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: prefix, LeaseTTL: ttl})
			},
			stopKeepAlive: func(l Log, instance string) { l.(*EtcdLog).stopKeepAlive(instance) },
		}
	})
}

// leaseOf returns the lease the instance key is bound to (0 if no key).
func leaseOf(t *testing.T, l *EtcdLog, instance string) clientv3.LeaseID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := l.cli.Get(ctx, l.instKey(instance))
	if err != nil {
		t.Fatalf("get %s: %v", l.instKey(instance), err)
	}
	if len(resp.Kvs) == 0 {
		return 0
	}
	return clientv3.LeaseID(resp.Kvs[0].Lease)
}

// leaseTTL is the remaining TTL of a lease in seconds, -1 if it is gone.
func leaseTTL(t *testing.T, l *EtcdLog, id clientv3.LeaseID) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := l.cli.TimeToLive(ctx, id)
	if err != nil {
		t.Fatalf("TimeToLive(%x): %v", id, err)
	}
	return resp.TTL
}

func TestEtcdLogStoredFormat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}}) // default prefix /xaproxy/
	gtrid := mustGenerator(t, "px1", time.Now()).Next()
	d, err := l.Decide(ctx, Decision{Gtrid: gtrid, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1"})
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := etcd.Get(t, "/xaproxy/dec/"+gtrid)
	if !ok {
		t.Fatalf("no key /xaproxy/dec/%s; keys: %v", gtrid, etcd.GetPrefix(t, "/"))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("value %q: %v", raw, err)
	}
	want := map[string]any{"v": 1.0, "gtrid": gtrid, "outcome": "commit", "participants": []any{"s0", "s1"},
		"instance": "px1", "at": d.At.Format(time.RFC3339Nano)}
	if fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("stored %s\nwant     %v", raw, want)
	}

	if err := l.Register(ctx, "px1"); err != nil {
		t.Fatal(err)
	}
	raw, ok = etcd.Get(t, "/xaproxy/inst/px1")
	var reg registration
	if !ok || json.Unmarshal([]byte(raw), &reg) != nil || reg.Instance != "px1" || reg.Lease != leaseHex(leaseOf(t, l, "px1")) {
		t.Errorf("instance key = %q, %v", raw, ok)
	}
	if ttl := leaseTTL(t, l, leaseOf(t, l, "px1")); ttl < 8 || ttl > 10 {
		t.Errorf("lease TTL = %d, want the default 10s", ttl)
	}

	// A corrupt record is reported by Get and Decide, skipped by List.
	etcd.Put(t, "/xaproxy/dec/corrupt", "{not json")
	if _, _, err := l.Get(ctx, "corrupt"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get(corrupt) = %v, want ErrCorrupt", err)
	}
	if _, err := l.Decide(ctx, Decision{Gtrid: "corrupt", Outcome: Abort}); !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrUnknown) {
		t.Errorf("Decide(corrupt) = %v, want ErrUnknown and ErrCorrupt (something unreadable is stored)", err)
	}
	if list, err := l.List(ctx); err != nil || len(list) != 1 || list[0].Gtrid != gtrid {
		t.Errorf("List = %+v, %v; want only %s", list, err, gtrid)
	}
}

func TestEtcdLogListPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}})
	gen := mustGenerator(t, "px1", time.Now())
	const n = 2*listPageSize + 17
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := l.Decide(ctx, Decision{Gtrid: gen.Next(), Outcome: Abort, Instance: "px1"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	etcd.Put(t, "/xaproxy/dec0", "outside the prefix")
	list, err := l.List(ctx)
	if err != nil || len(list) != n {
		t.Fatalf("List = %d, %v; want %d", len(list), err, n)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].Gtrid >= list[i].Gtrid {
			t.Fatalf("List not sorted at %d: %s >= %s", i, list[i-1].Gtrid, list[i].Gtrid)
		}
	}
}

// TestEtcdLogOutage kills etcd: every call fails within its deadline;
// after a restart the same EtcdLog works again.
func TestEtcdLogOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	logger, logs := testLogger(t)
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Logger: logger}) // default timeouts
	gen := mustGenerator(t, "px1", time.Now())
	before, err := l.Decide(ctx, Decision{Gtrid: gen.Next(), Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1"})
	if err != nil {
		t.Fatal(err)
	}

	etcd.Kill(t)
	const limit = 5 * time.Second
	lost := gen.Next()
	type result struct {
		op      string
		err     error
		elapsed time.Duration
	}
	calls := map[string]func() error{
		"Decide": func() error {
			_, err := l.Decide(ctx, Decision{Gtrid: lost, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1"})
			if err != nil && !errors.Is(err, ErrUnknown) {
				return fmt.Errorf("error does not wrap ErrUnknown: %w", err)
			}
			return err
		},
		"Get":       func() error { _, _, err := l.Get(ctx, before.Gtrid); return err },
		"Delete":    func() error { return l.Delete(ctx, before.Gtrid) },
		"List":      func() error { _, err := l.List(ctx); return err },
		"Alive":     func() error { _, err := l.Alive(ctx, "px1"); return err },
		"Instances": func() error { _, err := l.Instances(ctx); return err },
		"Register":  func() error { return l.Register(ctx, "px-down") },
	}
	results := make(chan result, len(calls))
	for op, call := range calls {
		go func() {
			start := time.Now()
			err := call()
			results <- result{op, err, time.Since(start)}
		}()
	}
	for range calls {
		r := <-results
		t.Logf("etcd down: %s failed after %s: %v", r.op, r.elapsed.Round(time.Millisecond), r.err)
		if r.err == nil {
			t.Errorf("%s succeeded with etcd down", r.op)
		} else if strings.Contains(r.err.Error(), "does not wrap") {
			t.Errorf("%s: %v", r.op, r.err)
		}
		if r.elapsed >= limit {
			t.Errorf("%s took %s with etcd down, want < %s", r.op, r.elapsed, limit)
		}
	}
	if logs.count("decision write outcome unknown") == 0 {
		t.Error("no log about the unknown decision write")
	}

	etcd.Start(t)
	// The same EtcdLog, not recreated: the first call after the restart works.
	start := time.Now()
	after, err := l.Decide(ctx, Decision{Gtrid: gen.Next(), Outcome: Abort, Instance: "px1"})
	if err != nil {
		t.Fatalf("Decide after etcd restart: %v", err)
	}
	t.Logf("first Decide after the restart took %s", time.Since(start).Round(time.Millisecond))
	if got, ok, err := l.Get(ctx, before.Gtrid); err != nil || !ok || !got.Same(before) {
		t.Errorf("Get(decided before the outage) = %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := l.Get(ctx, lost); err != nil || ok {
		t.Errorf("Get(decision attempted while down) = %v, %v; want not stored", ok, err)
	}
	if list, err := l.List(ctx); err != nil || len(list) != 2 {
		t.Errorf("List = %+v, %v; want 2 decisions", list, err)
	}
	if got, ok, err := l.Get(ctx, after.Gtrid); err != nil || !ok || got.Outcome != Abort {
		t.Errorf("Get(after) = %+v, %v, %v", got, ok, err)
	}
	if err := l.Register(ctx, "px-up"); err != nil {
		t.Errorf("Register after restart: %v", err)
	}
}

func TestEtcdLogNewFailsFastWhenEtcdDown(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	etcd.Kill(t)
	start := time.Now()
	_, err := NewEtcdLog(context.Background(), EtcdConfig{Endpoints: []string{etcd.Endpoint()}, DialTimeout: time.Second})
	if err == nil {
		t.Fatal("NewEtcdLog with etcd down: no error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("NewEtcdLog took %s with a 1s DialTimeout", d)
	}
	if _, err := NewEtcdLog(context.Background(), EtcdConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewEtcdLog without endpoints = %v, want ErrInvalid", err)
	}
}

// With AllowUnreachable, NewEtcdLog returns at once with etcd down;
// RegisterInBackground returns after one failed attempt and retries until
// etcd answers, logging the failure and the success once each, and the
// same log then works, fenced, with no restart.
func TestEtcdLogStartsWhileEtcdDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	etcd.Stop(t)
	logger, logs := testLogger(t)
	start := time.Now()
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, DialTimeout: 5 * time.Second,
		RequestTimeout: time.Second, AllowUnreachable: true, Logger: logger})
	if d := time.Since(start); d >= time.Second {
		t.Errorf("NewEtcdLog with AllowUnreachable took %s with etcd down, want no wait", d)
	}
	if l.Reachable(ctx) {
		t.Error("Reachable with etcd down")
	}
	if err := l.RegisterInBackground(ctx, "bad name!", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("RegisterInBackground(invalid name) = %v, want ErrInvalid", err)
	}
	registered := make(chan struct{})
	start = time.Now()
	if err := l.RegisterInBackground(ctx, "px1", func() { close(registered) }); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= 5*time.Second {
		t.Errorf("RegisterInBackground took %s with etcd down and a 1s request timeout", d)
	}
	// Several attempts fail (requests of 1s, pauses of at most 1s).
	time.Sleep(4 * time.Second)
	select {
	case <-registered:
		t.Fatal("registered with etcd down")
	default:
	}
	if f, ok := l.Fence("px1"); ok {
		t.Errorf("Fence with etcd down = %v, want none", f)
	}
	if n := logs.count("cannot register in the decision log"); n != 1 {
		t.Errorf("%d log lines about the failing registration, want 1", n)
	}

	etcd.Start(t)
	up := time.Now()
	select {
	case <-registered:
		t.Logf("registered %s after etcd answered", time.Since(up).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatal("not registered 20s after etcd came back")
	}
	fence, ok := l.Fence("px1")
	if !ok || fence.Token == 0 {
		t.Fatalf("Fence after the registration = %v, %v", fence, ok)
	}
	if got := leaseOf(t, l, "px1"); int64(got) != fence.Token {
		t.Errorf("instance key bound to lease %x, fence token %x", got, fence.Token)
	}
	if n := logs.count("registered after failed attempts"); n != 1 {
		t.Errorf("%d log lines about the late registration, want 1", n)
	}
	gen := mustGenerator(t, "px1", time.Now())
	d := Decision{Gtrid: gen.Next(), Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1", Fence: fence}
	if got, err := l.Decide(ctx, d); err != nil || got.Outcome != Commit || got.Instance != "px1" {
		t.Errorf("fenced Decide after the late registration = %+v, %v", got, err)
	}
	if err := l.Register(ctx, "px1"); !errors.Is(err, ErrAlreadyRegistered) {
		t.Errorf("Register(px1) again = %v, want ErrAlreadyRegistered", err)
	}
}

// Close ends RegisterInBackground's retries at once, even in the middle of
// an attempt; a cancelled context ends them too, without registering. With
// etcd up it registers before returning and never calls back.
func TestEtcdLogRegisterInBackgroundStops(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	called := make(chan struct{}, 3)
	callback := func() { called <- struct{}{} }
	up := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, AllowUnreachable: true})
	if err := up.RegisterInBackground(context.Background(), "px0", callback); err != nil {
		t.Fatal(err)
	}
	if _, ok := up.Fence("px0"); !ok {
		t.Error("RegisterInBackground with etcd up returned before registering")
	}

	etcd.Stop(t)
	logger, _ := testLogger(t)
	const reqTimeout = 5 * time.Second
	cfg := EtcdConfig{Endpoints: []string{etcd.Endpoint()}, RequestTimeout: reqTimeout, AllowUnreachable: true, Logger: logger}

	l, err := NewEtcdLog(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.RegisterInBackground(context.Background(), "px1", callback); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // past the first pause: a retry is waiting for etcd now
	start := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= reqTimeout-time.Second {
		t.Errorf("Close took %s during a registration attempt (request timeout %s)", d, reqTimeout)
	}
	if err := l.RegisterInBackground(context.Background(), "px2", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("RegisterInBackground after Close = %v, want ErrClosed", err)
	}

	l2 := openEtcdLog(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	if err := l2.RegisterInBackground(ctx, "px3", callback); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	etcd.Start(t)
	time.Sleep(2 * time.Second)
	if _, ok := l2.Fence("px3"); ok {
		t.Error("registered after its context ended")
	}
	if alive, err := l2.Alive(context.Background(), "px3"); err != nil || alive {
		t.Errorf("Alive(px3) = %v, %v after its context ended, want false", alive, err)
	}
	if len(called) != 0 {
		t.Error("registered callback called without a registration")
	}
}

// A registration survives an etcd outage shorter than its TTL: the same
// lease, kept alive afterwards.
func TestEtcdLogRegistrationSurvivesShortOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	logger, logs := testLogger(t)
	const ttl = 6 * time.Second
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, LeaseTTL: ttl, Logger: logger})
	if err := l.Register(ctx, "px1"); err != nil {
		t.Fatal(err)
	}
	lease := leaseOf(t, l, "px1")
	etcd.Kill(t)
	time.Sleep(time.Second)
	etcd.Start(t)
	restarted := time.Now()
	// etcd itself extends every lease by its TTL when it restarts: only a
	// lease still there well after that proves that keep-alives resumed.
	for time.Since(restarted) < ttl+3*time.Second {
		if got := leaseOf(t, l, "px1"); got != lease {
			t.Fatalf("instance key bound to lease %x, want the original %x", got, lease)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if remaining := leaseTTL(t, l, lease); remaining <= 0 {
		t.Errorf("lease %x TTL = %d, want > 0", lease, remaining)
	}
	if n := logs.count("re-created"); n != 0 {
		t.Errorf("registration re-created %d times after a short outage", n)
	}
}

// After an outage longer than the TTL the registration is re-created with
// a new lease (and the old lease revoked), without any call from the user.
func TestEtcdLogRegistrationRecreatedAfterLongOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	logger, logs := testLogger(t)
	const ttl = 2 * time.Second
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, LeaseTTL: ttl, Logger: logger})
	observer := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}})
	if err := l.Register(ctx, "px1"); err != nil {
		t.Fatal(err)
	}
	old := leaseOf(t, l, "px1")
	etcd.Kill(t)
	time.Sleep(2 * ttl)
	etcd.Start(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if cur := leaseOf(t, l, "px1"); cur != 0 && cur != old {
			t.Logf("registration re-created: lease %x -> %x", old, cur)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registration still on lease %x 10s after etcd came back", old)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The line is logged after the new lease is in etcd, where the loop
	// above may see it first.
	for end := time.Now().Add(2 * time.Second); logs.count("instance registration re-created") == 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := logs.count("instance registration re-created"); n != 1 {
		t.Errorf("%d log lines about the re-creation, want one", n)
	}
	waitLeaseGone(t, l, old)
	// And it is kept alive again.
	time.Sleep(2 * ttl)
	if alive, err := observer.Alive(ctx, "px1"); err != nil || !alive {
		t.Errorf("Alive(px1) = %v, %v after the re-creation", alive, err)
	}
}

func waitLeaseGone(t *testing.T, l *EtcdLog, id clientv3.LeaseID) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for leaseTTL(t, l, id) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("lease %x still exists", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A lease that expired while etcd was up (the instance was paused or cut
// off longer than the TTL: simulated by revoking it) is re-created.
func TestEtcdLogRegistrationRecreatedAfterLeaseLoss(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	etcd := harness.StartEtcd(t)
	logger, logs := testLogger(t)
	const ttl = 3 * time.Second
	l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, LeaseTTL: ttl, Logger: logger})
	if err := l.Register(ctx, "px1"); err != nil {
		t.Fatal(err)
	}
	old := leaseOf(t, l, "px1")
	if _, err := l.cli.Revoke(ctx, old); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(ttl + 2*time.Second)
	for {
		if cur := leaseOf(t, l, "px1"); cur != 0 && cur != old {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registration not re-created within %s after its lease was revoked", ttl+2*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if logs.count("lease not found") == 0 {
		t.Error("no log saying why the registration was re-created")
	}
}

// --- fault injection on the KV client: the paths of an unknown outcome ---

// faultKV wraps the etcd KV client; txn and get, when set, decide what each
// Txn commit and Get does (call real() to do it for real).
type faultKV struct {
	clientv3.KV
	mu   sync.Mutex
	txns int
	gets int
	txn  func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error)
	get  func(n int, real func() (*clientv3.GetResponse, error)) (*clientv3.GetResponse, error)
}

func (f *faultKV) Txn(ctx context.Context) clientv3.Txn {
	return &faultTxn{ctx: ctx, kv: f}
}

func (f *faultKV) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	f.mu.Lock()
	f.gets++
	n, hook := f.gets, f.get
	f.mu.Unlock()
	real := func() (*clientv3.GetResponse, error) { return f.KV.Get(ctx, key, opts...) }
	if hook == nil {
		return real()
	}
	return hook(n, real)
}

// faultTxn records the transaction; its real commit ignores the
// cancellation of the caller's context, so that a test can apply it late.
type faultTxn struct {
	ctx              context.Context
	kv               *faultKV
	cmps             []clientv3.Cmp
	thenOps, elseOps []clientv3.Op
}

func (t *faultTxn) If(cs ...clientv3.Cmp) clientv3.Txn { t.cmps = append(t.cmps, cs...); return t }
func (t *faultTxn) Then(ops ...clientv3.Op) clientv3.Txn {
	t.thenOps = append(t.thenOps, ops...)
	return t
}
func (t *faultTxn) Else(ops ...clientv3.Op) clientv3.Txn {
	t.elseOps = append(t.elseOps, ops...)
	return t
}
func (t *faultTxn) Commit() (*clientv3.TxnResponse, error) {
	t.kv.mu.Lock()
	t.kv.txns++
	n, hook := t.kv.txns, t.kv.txn
	t.kv.mu.Unlock()
	real := func() (*clientv3.TxnResponse, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 5*time.Second)
		defer cancel()
		return t.kv.KV.Txn(ctx).If(t.cmps...).Then(t.thenOps...).Else(t.elseOps...).Commit()
	}
	if hook == nil {
		return real()
	}
	return hook(n, real)
}

func (f *faultKV) counts() (txns, gets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.txns, f.gets
}

var (
	errTimeout     = status.Error(codes.DeadlineExceeded, "injected: context deadline exceeded")
	errUnavailable = status.Error(codes.Unavailable, "injected: connection lost")
)

func TestEtcdLogDecideUnknownOutcome(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	ctx := context.Background()
	var n atomic.Int64
	// setup returns a log with a fault-injecting KV, a plain second client
	// on the same prefix, and a decision to write.
	setup := func(t *testing.T) (*EtcdLog, *faultKV, *EtcdLog, Decision) {
		prefix := fmt.Sprintf("/xaproxy-faults/%d/", n.Add(1))
		l := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: prefix})
		other := openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: prefix})
		f := &faultKV{KV: l.kv}
		l.kv = f
		d := Decision{Gtrid: mustGenerator(t, "px1", time.Now()).Next(), Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "px1"}
		return l, f, other, d
	}

	t.Run("AppliedButAnswerLost", func(t *testing.T) {
		l, f, _, d := setup(t)
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			if n == 1 {
				if _, err := real(); err != nil {
					t.Errorf("real txn: %v", err)
				}
				return nil, errTimeout
			}
			return real()
		}
		got, err := l.Decide(ctx, d)
		if err != nil || got.Outcome != Commit || got.Instance != "px1" {
			t.Fatalf("Decide = %+v, %v; want our commit, found by re-reading", got, err)
		}
		if txns, gets := f.counts(); txns != 1 || gets != 1 {
			t.Errorf("%d txns, %d gets; want 1, 1", txns, gets)
		}
	})

	t.Run("NotAppliedThenRetried", func(t *testing.T) {
		l, f, _, d := setup(t)
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			if n == 1 {
				return nil, errUnavailable
			}
			return real()
		}
		got, err := l.Decide(ctx, d)
		if err != nil || got.Outcome != Commit {
			t.Fatalf("Decide = %+v, %v; want our commit after a retry", got, err)
		}
		if txns, gets := f.counts(); txns != 2 || gets != 1 {
			t.Errorf("%d txns, %d gets; want 2, 1", txns, gets)
		}
	})

	t.Run("RecovererWonMeanwhile", func(t *testing.T) {
		l, f, other, d := setup(t)
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			if n == 1 {
				// Our write is lost in flight; recovery on another
				// instance writes ABORT before we re-read.
				if _, err := other.Decide(ctx, Decision{Gtrid: d.Gtrid, Outcome: Abort, Instance: "px2"}); err != nil {
					t.Errorf("recoverer: %v", err)
				}
				return nil, errTimeout
			}
			return real()
		}
		got, err := l.Decide(ctx, d)
		if err != nil || got.Outcome != Abort || got.Instance != "px2" {
			t.Fatalf("Decide = %+v, %v; want the recoverer's abort", got, err)
		}
	})

	t.Run("LateApplyAfterEmptyReRead", func(t *testing.T) {
		// The first txn is still in flight when the re-read finds nothing;
		// it lands before the retry, which must then report it (Else
		// branch) instead of claiming a fresh write.
		l, f, _, d := setup(t)
		var pending func() (*clientv3.TxnResponse, error)
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			if n == 1 {
				pending = real
				return nil, errTimeout
			}
			return real()
		}
		f.get = func(n int, real func() (*clientv3.GetResponse, error)) (*clientv3.GetResponse, error) {
			resp, err := real() // empty: the first txn has not landed
			if _, perr := pending(); perr != nil {
				t.Errorf("late txn: %v", perr)
			}
			return resp, err
		}
		got, err := l.Decide(ctx, d)
		if err != nil || got.Outcome != Commit || got.Instance != "px1" {
			t.Fatalf("Decide = %+v, %v", got, err)
		}
		if txns, gets := f.counts(); txns != 2 || gets != 1 {
			t.Errorf("%d txns, %d gets; want 2, 1", txns, gets)
		}
	})

	t.Run("ReReadFails", func(t *testing.T) {
		l, f, other, d := setup(t)
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			_, _ = real()
			return nil, errTimeout
		}
		f.get = func(int, func() (*clientv3.GetResponse, error)) (*clientv3.GetResponse, error) {
			return nil, errUnavailable
		}
		_, err := l.Decide(ctx, d)
		if !errors.Is(err, ErrUnknown) {
			t.Fatalf("Decide = %v, want ErrUnknown", err)
		}
		// It was in fact stored: answering "not stored" would have been a lie.
		if got, ok, err := other.Get(ctx, d.Gtrid); err != nil || !ok || got.Outcome != Commit {
			t.Errorf("stored: %+v, %v, %v", got, ok, err)
		}
	})

	t.Run("NeverSettles", func(t *testing.T) {
		l, f, other, d := setup(t)
		f.txn = func(int, func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			return nil, errUnavailable
		}
		_, err := l.Decide(ctx, d)
		if !errors.Is(err, ErrUnknown) {
			t.Fatalf("Decide = %v, want ErrUnknown (an earlier attempt may still land)", err)
		}
		if txns, gets := f.counts(); txns != decideAttempts || gets != decideAttempts {
			t.Errorf("%d txns, %d gets; want %d each", txns, gets, decideAttempts)
		}
		if _, ok, _ := other.Get(ctx, d.Gtrid); ok {
			t.Error("stored although no txn was applied")
		}
	})

	t.Run("CancelledAfterUnknown", func(t *testing.T) {
		l, f, _, d := setup(t)
		cctx, cancel := context.WithCancel(ctx)
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			cancel() // the client went away while the write was in flight
			return nil, context.Canceled
		}
		_, err := l.Decide(cctx, d)
		if !errors.Is(err, ErrUnknown) {
			t.Fatalf("Decide = %v, want ErrUnknown", err)
		}
		if _, gets := f.counts(); gets != 1 {
			t.Errorf("%d re-reads, want 1 (with a fresh deadline, despite the cancelled context)", gets)
		}
	})

	t.Run("DefiniteFailure", func(t *testing.T) {
		l, f, _, d := setup(t)
		f.txn = func(int, func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			return nil, rpctypes.ErrGRPCRequestTooLarge
		}
		_, err := l.Decide(ctx, d)
		if err == nil || errors.Is(err, ErrUnknown) {
			t.Fatalf("Decide = %v, want a definite error", err)
		}
		if txns, gets := f.counts(); txns != 1 || gets != 0 {
			t.Errorf("%d txns, %d gets; want 1, 0", txns, gets)
		}
	})
}

func TestDefiniteFailure(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{rpctypes.ErrGRPCRequestTooLarge, true},
		{rpctypes.ErrRequestTooLarge, true},
		{rpctypes.ErrGRPCPermissionDenied, true},
		{rpctypes.ErrPermissionDenied, true},
		{fmt.Errorf("wrapped: %w", rpctypes.ErrPermissionDenied), true},
		{rpctypes.ErrGRPCNoLeader, false},
		{rpctypes.ErrNoLeader, false},
		{rpctypes.ErrTimeout, false},
		{rpctypes.ErrTooManyRequests, false},
		{context.DeadlineExceeded, false},
		{context.Canceled, false},
		{errTimeout, false},
		{errUnavailable, false},
		{errors.New("something else"), false},
	} {
		if got := definiteFailure(tc.err); got != tc.want {
			t.Errorf("definiteFailure(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
