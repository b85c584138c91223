package xa

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestEtcdLogGroupCommit checks the batched decision and delete writes
// against a real etcd: while a first transaction is held back, concurrent
// decisions queue up and leave as one transaction, and each caller gets
// exactly what its own create-if-absent would have returned.
func TestEtcdLogGroupCommit(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	ctx := context.Background()
	var n atomic.Int64

	// setup opens a registered log whose first transactions (one per
	// in-flight slot) wait until release is closed, so that the writes
	// started meanwhile batch up.
	setup := func(t *testing.T) (l *EtcdLog, other *EtcdLog, fence Fence, gen *Generator, sizes *sizeLog, release chan struct{}) {
		prefix := fmt.Sprintf("/xaproxy-batch/%d/", n.Add(1))
		sizes = &sizeLog{}
		l = openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: prefix, BatchSizes: sizes.add})
		other = openEtcdLog(t, EtcdConfig{Endpoints: []string{etcd.Endpoint()}, Prefix: prefix})
		if err := l.Register(ctx, "pb.1"); err != nil {
			t.Fatal(err)
		}
		fence, ok := l.Fence("pb.1")
		if !ok {
			t.Fatal("no fence after Register")
		}
		release = make(chan struct{})
		f := &faultKV{KV: l.kv}
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			if n <= batchesInFlight {
				<-release
			}
			return real()
		}
		l.kv = f
		gen = mustGenerator(t, "pb", time.Now())
		return l, other, fence, gen, sizes, release
	}

	// decideAll runs Decide for each gtrid concurrently; the first ones
	// are started alone so that they are the transactions held back.
	decideAll := func(l *EtcdLog, fence Fence, gtrids []string, release chan struct{}) ([]Decision, []error) {
		got := make([]Decision, len(gtrids))
		errs := make([]error, len(gtrids))
		var wg sync.WaitGroup
		for i, g := range gtrids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = l.Decide(ctx, Decision{Gtrid: g, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "pb", Fence: fence})
			}()
			if i < batchesInFlight {
				time.Sleep(50 * time.Millisecond)
			}
		}
		time.Sleep(300 * time.Millisecond)
		close(release)
		wg.Wait()
		return got, errs
	}

	t.Run("CommitsBatchUp", func(t *testing.T) {
		l, other, fence, gen, sizes, release := setup(t)
		gtrids := make([]string, 40)
		for i := range gtrids {
			gtrids[i] = gen.Next()
		}
		// Recovery elsewhere already aborted one of them.
		if _, err := other.Decide(ctx, Decision{Gtrid: gtrids[7], Outcome: Abort, Instance: "px2"}); err != nil {
			t.Fatal(err)
		}
		got, errs := decideAll(l, fence, gtrids, release)
		for i, g := range gtrids {
			want := Commit
			if i == 7 {
				want = Abort
			}
			if errs[i] != nil || got[i].Outcome != want {
				t.Errorf("Decide(%s) = %+v, %v; want %s", g, got[i], errs[i], want)
			}
			stored, found, err := other.Get(ctx, g)
			if err != nil || !found || stored.Outcome != want {
				t.Errorf("stored %s = %+v, %v, %v; want %s", g, stored, found, err, want)
			}
		}
		if max := sizes.max(); max < 2 {
			t.Errorf("largest batch %d: concurrent decisions were not batched (sizes %v)", max, sizes.all())
		}
		// Deletes batch up too.
		var wg sync.WaitGroup
		for _, g := range gtrids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Delete(ctx, g); err != nil {
					t.Errorf("Delete(%s): %v", g, err)
				}
			}()
		}
		wg.Wait()
		left, err := other.List(ctx)
		if err != nil || len(left) != 0 {
			t.Errorf("after deleting every decision: List = %d decisions, %v", len(left), err)
		}
	})

	t.Run("DeleteAllChunks", func(t *testing.T) {
		l, other, _, gen, sizes, release := setup(t)
		close(release)
		gtrids := make([]string, maxBatch+6)
		for i := range gtrids {
			gtrids[i] = gen.Next()
			if _, err := other.Decide(ctx, Decision{Gtrid: gtrids[i], Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "pb"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.DeleteAll(ctx, gtrids); err != nil {
			t.Fatal(err)
		}
		if left, err := other.List(ctx); err != nil || len(left) != 0 {
			t.Errorf("after DeleteAll: %d decisions left, %v", len(left), err)
		}
		if got := sizes.all(); len(got) != 2 || got[0] != maxBatch || got[1] != 6 {
			t.Errorf("delete transactions carried %v, want [%d 6]", got, maxBatch)
		}
	})

	t.Run("LostFenceRefusesTheBatch", func(t *testing.T) {
		l, other, fence, gen, sizes, release := setup(t)
		stale := Fence{Registration: fence.Registration, Token: fence.Token + 1}
		gtrids := make([]string, 10)
		for i := range gtrids {
			gtrids[i] = gen.Next()
		}
		if _, err := other.Decide(ctx, Decision{Gtrid: gtrids[3], Outcome: Commit, Participants: []string{"s0"}, Instance: "px2"}); err != nil {
			t.Fatal(err)
		}
		got, errs := decideAll(l, stale, gtrids, release)
		for i, g := range gtrids {
			if i == 3 {
				// A decision already stored is returned, fence or not.
				if errs[i] != nil || got[i].Instance != "px2" {
					t.Errorf("Decide(%s) of a stored decision = %+v, %v; want px2's", g, got[i], errs[i])
				}
				continue
			}
			if !errors.Is(errs[i], ErrFenced) {
				t.Errorf("Decide(%s) under a stale fence = %+v, %v; want ErrFenced", g, got[i], errs[i])
			}
			if _, found, err := other.Get(ctx, g); err != nil || found {
				t.Errorf("%s stored under a stale fence (%v, %v)", g, found, err)
			}
		}
		if sizes.max() < 2 {
			t.Errorf("largest batch %d, want a batch", sizes.max())
		}
	})

	t.Run("LostAnswerIsSettledPerDecision", func(t *testing.T) {
		l, other, fence, gen, sizes, release := setup(t)
		f := l.kv.(*faultKV)
		// The batch is applied but its answer lost: every decision of it
		// settles by re-reading its own key.
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			if n <= batchesInFlight {
				<-release
			}
			resp, err := real()
			if n == batchesInFlight+1 && err == nil {
				return nil, errTimeout
			}
			return resp, err
		}
		gtrids := make([]string, 10)
		for i := range gtrids {
			gtrids[i] = gen.Next()
		}
		got, errs := decideAll(l, fence, gtrids, release)
		for i, g := range gtrids {
			if errs[i] != nil || got[i].Outcome != Commit || got[i].Instance != "pb" {
				t.Errorf("Decide(%s) = %+v, %v; want our commit", g, got[i], errs[i])
			}
			if _, found, err := other.Get(ctx, g); err != nil || !found {
				t.Errorf("%s not stored (%v, %v)", g, found, err)
			}
		}
		if sizes.max() < 2 {
			t.Errorf("largest batch %d, want a batch", sizes.max())
		}
	})

	t.Run("CancelledBeforeSentIsDefinite", func(t *testing.T) {
		l, _, fence, gen, _, release := setup(t)
		defer close(release)
		f := l.kv.(*faultKV)
		f.mu.Lock()
		f.txn = func(n int, real func() (*clientv3.TxnResponse, error)) (*clientv3.TxnResponse, error) {
			<-release
			return real()
		}
		f.mu.Unlock()
		decide := func(ctx context.Context) error {
			_, err := l.Decide(ctx, Decision{Gtrid: gen.Next(), Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "pb", Fence: fence})
			return err
		}
		// Fill every in-flight slot with a held-back batch.
		for i := 0; i < batchesInFlight; i++ {
			go func() { _ = decide(ctx) }()
			time.Sleep(50 * time.Millisecond)
		}
		// The next one waits for a slot: giving up then is a definite
		// failure.
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		err := decide(cctx)
		if err == nil || errors.Is(err, ErrUnknown) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Decide cancelled while queued = %v; want a definite failure (nothing was sent)", err)
		}
	})
}

// sizeLog records batch sizes.
type sizeLog struct {
	mu    sync.Mutex
	sizes []int
}

func (s *sizeLog) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizes = append(s.sizes, n)
}

func (s *sizeLog) all() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.sizes...)
}

func (s *sizeLog) max() int {
	m := 0
	for _, n := range s.all() {
		m = max(m, n)
	}
	return m
}
