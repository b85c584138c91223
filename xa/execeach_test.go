package xa

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var errAborted = errors.New("aborted")

// stalled is a pipelined branch whose answer never comes: only Abort ends
// its ReadAll, as the deadline Abort sets ends backend.Conn's.
type stalled struct {
	*fakeBranch
	aborts atomic.Int32
	once   sync.Once
	done   chan struct{}
}

func (b *stalled) SendAll(ctx context.Context, stmts ...string) error { return nil }

func (b *stalled) ReadAll(ctx context.Context) error {
	select {
	case <-b.done:
		return errAborted
	case <-time.After(10 * time.Second):
		return errors.New("never aborted")
	}
}

func (b *stalled) Abort() {
	b.aborts.Add(1)
	b.once.Do(func() { close(b.done) })
}

// execEach watches its context once for the whole phase: when it ends,
// every branch's I/O is aborted; when the phase ends first, none is.
func TestExecEachWatchesThePhase(t *testing.T) {
	gen, _ := NewGenerator(testTag, "p1", time.Now())
	gtrid := gen.Next()
	stmts := func(b Branch) []string { return []string{"XA END " + branchXID(gtrid, b).SQL()} }
	t.Run("context ends mid-phase", func(t *testing.T) {
		bs := []*stalled{
			{fakeBranch: &fakeBranch{shard: "s0"}, done: make(chan struct{})},
			{fakeBranch: &fakeBranch{shard: "s1"}, done: make(chan struct{})},
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		var c Coordinator
		errs := c.execEach(ctx, []Branch{bs[0], bs[1]}, stmts)
		for i, b := range bs {
			if !errors.Is(errs[i], errAborted) {
				t.Errorf("branch %s: error %v, want it aborted", b.shard, errs[i])
			}
			if n := b.aborts.Load(); n != 1 {
				t.Errorf("branch %s aborted %d times, want 1", b.shard, n)
			}
		}
	})
	t.Run("context ends as the phase does", func(t *testing.T) {
		// The last answer arrives as ctx ends: the watch has fired and
		// aborts the branches; execEach must not return before it has,
		// or a branch could be reused and then aborted under its next user.
		ctx, cancel := context.WithCancel(context.Background())
		bs := []*pipeFake{{fakeBranch: &fakeBranch{shard: "s0"}}, {fakeBranch: &fakeBranch{shard: "s1"}}}
		last := &cancelOnRead{pipeFake: bs[1], cancel: cancel}
		var c Coordinator
		for i, err := range c.execEach(ctx, []Branch{bs[0], last}, stmts) {
			if err != nil {
				t.Fatalf("branch %d: %v", i, err)
			}
		}
		for _, b := range bs {
			b.mu.Lock()
			aborted := slices.Contains(b.sent, "ABORT")
			b.mu.Unlock()
			if !aborted {
				t.Errorf("branch %s not aborted when execEach returned: %v", b.shard, b.sent)
			}
		}
	})
	t.Run("phase ends first", func(t *testing.T) {
		bs := []*pipeFake{{fakeBranch: &fakeBranch{shard: "s0"}}, {fakeBranch: &fakeBranch{shard: "s1"}}}
		ctx, cancel := context.WithCancel(context.Background())
		var c Coordinator
		for i, err := range c.execEach(ctx, []Branch{bs[0], bs[1]}, stmts) {
			if err != nil {
				t.Fatalf("branch %d: %v", i, err)
			}
		}
		cancel()
		time.Sleep(20 * time.Millisecond) // an AfterFunc left armed would have run by now
		for _, b := range bs {
			if slices.Contains(b.sent, "ABORT") {
				t.Errorf("branch %s aborted after its phase ended: %v", b.shard, b.sent)
			}
			if got := b.log(); got != "XA END" {
				t.Errorf("branch %s ran %q, want XA END", b.shard, got)
			}
		}
	})
}

// cancelOnRead ends its context as its answer is read, the moment a
// phase's context may end in.
type cancelOnRead struct {
	*pipeFake
	cancel context.CancelFunc
}

func (b *cancelOnRead) ReadAll(ctx context.Context) error {
	err := b.pipeFake.ReadAll(ctx)
	b.cancel()
	return err
}
