package xa

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// flakyCommit is a branch whose first failures XA COMMITs fail with err.
type flakyCommit struct {
	*fakeBranch
	failures int
	err      error
}

func (b *flakyCommit) ExecAll(ctx context.Context, stmts ...string) error {
	if strings.HasPrefix(stmts[0], "XA COMMIT") && b.failures > 0 {
		b.failures--
		b.mu.Lock()
		b.sent = append(b.sent, "XA COMMIT(failed)")
		b.mu.Unlock()
		return b.err
	}
	return b.fakeBranch.ExecAll(ctx, stmts...)
}

// Phase two retries a branch whose connection failed, not one the server
// refused, and stops after PhaseTwoAttempts; the decision stays for
// recovery unless every branch committed. Plain and pipelined branches
// (execEach) behave alike.
func TestPhaseTwoRetries(t *testing.T) {
	lost := io.ErrUnexpectedEOF
	refused := mysql.NewError(mysql.ER_XAER_RMFAIL, "refused")
	for _, tc := range []struct {
		name      string
		attempts  int // PhaseTwoAttempts
		failures  int
		err       error
		wantSends int  // XA COMMITs sent to the flaky branch
		wantDone  bool // decision deleted
	}{
		{"no failure", 3, 0, lost, 1, true},
		{"lost once, retried", 3, 1, lost, 2, true},
		{"lost every time, given up", 3, 10, lost, 3, false},
		{"refused by the server, not retried", 3, 10, refused, 1, false},
		{"lost once, no retry allowed: decision kept", 1, 1, lost, 1, false},
	} {
		for _, pipe := range []bool{false, true} {
			name := tc.name
			if pipe {
				name += " (pipelined branches)"
			}
			t.Run(name, func(t *testing.T) {
				log := NewMemLog()
				if err := log.Register(context.Background(), "p1.x"); err != nil {
					t.Fatal(err)
				}
				c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics(nil))
				c.PhaseTwoAttempts = tc.attempts
				gen, _ := NewGenerator(testTag, "p1", time.Now())
				gtrid := gen.Next()
				flaky := &flakyCommit{fakeBranch: &fakeBranch{shard: "s1"}, failures: tc.failures, err: tc.err}
				steady := &fakeBranch{shard: "s0"}
				bs := []Branch{steady, flaky}
				if pipe {
					bs = []Branch{&pipeFake{fakeBranch: steady}, &pipeFlaky{flakyCommit: flaky}}
				}
				if err := c.Commit(context.Background(), gtrid, c.Fence(), bs); err != nil {
					t.Fatalf("Commit: %v (the decision was stored: the client gets OK)", err)
				}
				c.Wait()
				if got := strings.Count(flaky.log(), "XA COMMIT"); got != tc.wantSends {
					t.Errorf("flaky branch got %d XA COMMITs (%s), want %d", got, flaky.log(), tc.wantSends)
				}
				if got := steady.log(); got != "XA END,XA PREPARE,XA COMMIT" {
					t.Errorf("steady branch got %q", got)
				}
				_, found, err := log.Open().Get(context.Background(), gtrid)
				if err != nil {
					t.Fatal(err)
				}
				if found == tc.wantDone {
					t.Errorf("decision kept = %v, want %v", found, !tc.wantDone)
				}
			})
		}
	}
}

// pipeFlaky is flakyCommit sent and answered apart.
type pipeFlaky struct {
	*flakyCommit
	pending []string
}

func (p *pipeFlaky) SendAll(ctx context.Context, stmts ...string) error {
	p.pending = stmts
	return nil
}

func (p *pipeFlaky) ReadAll(ctx context.Context) error {
	return p.flakyCommit.ExecAll(ctx, p.pending...)
}

func (p *pipeFlaky) Abort() {}

// cancelOnFail is a flakyCommit whose failed XA COMMIT also ends the
// commit's context (the client went away).
type cancelOnFail struct {
	*flakyCommit
	cancel context.CancelFunc
}

func (b *cancelOnFail) ExecAll(ctx context.Context, stmts ...string) error {
	err := b.flakyCommit.ExecAll(ctx, stmts...)
	if err != nil {
		// After the retry is decided, during its pause.
		time.AfterFunc(10*time.Millisecond, b.cancel)
	}
	return err
}

// TestPhaseTwoRetryStopsWithContext: a retry waits for its pause or for the
// context, whichever ends first (the pause here is an hour), and a branch
// it gave up on keeps the decision for recovery.
func TestPhaseTwoRetryStopsWithContext(t *testing.T) {
	log := NewMemLog()
	if err := log.Register(context.Background(), "p1.x"); err != nil {
		t.Fatal(err)
	}
	c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics(nil))
	c.PhaseTwoAttempts = 3
	c.phaseTwoPause = time.Hour
	gen, _ := NewGenerator(testTag, "p1", time.Now())
	gtrid := gen.Next()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	flaky := &cancelOnFail{flakyCommit: &flakyCommit{fakeBranch: &fakeBranch{shard: "s1"}, failures: 10, err: io.ErrUnexpectedEOF}, cancel: cancel}
	if err := c.Commit(ctx, gtrid, c.Fence(), []Branch{&fakeBranch{shard: "s0"}, flaky}); err != nil {
		t.Fatalf("Commit: %v (the decision was stored: the client gets OK)", err)
	}
	c.Wait()
	if got := strings.Count(flaky.log(), "XA COMMIT"); got != 1 {
		t.Errorf("flaky branch got %d XA COMMITs (%s), want 1: no retry once the context ended", got, flaky.log())
	}
	if _, found, err := log.Open().Get(context.Background(), gtrid); err != nil || !found {
		t.Errorf("decision found = %v (%v), want kept for recovery", found, err)
	}
}

// closingBranch is a flakyCommit that can close its connection, which
// detaches its prepared branch on the fake shard (fakeShards.attached).
type closingBranch struct {
	*flakyCommit
	shards *fakeShards
}

func (b *closingBranch) Close() {
	b.shards.mu.Lock()
	defer b.shards.mu.Unlock()
	b.shards.attached[fakeThread] = false
}

// TestPhaseTwoRetriesOnFreshConnection: a branch whose XA COMMIT lost its
// connection is retried on a fresh connection to its shard (Fresh), after
// its own is closed so that the server detaches the prepared branch. While
// the old connection stays open the server answers XAER_NOTA: the retries
// stop and the decision stays for recovery.
func TestPhaseTwoRetriesOnFreshConnection(t *testing.T) {
	for _, tc := range []struct {
		name      string
		closable  bool
		wantLog   []string // what the fresh connections committed
		wantDone  bool     // decision deleted
		wantSends int      // XA COMMITs on the branch's own connection
	}{
		{"closed, then committed elsewhere", true, []string{"s1:XA COMMIT"}, true, 1},
		{"still attached: XAER_NOTA, left to recovery", false, nil, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := NewMemLog()
			if err := log.Register(context.Background(), "p1.x"); err != nil {
				t.Fatal(err)
			}
			c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics(nil))
			c.phaseTwoPause = time.Millisecond
			gen, _ := NewGenerator(testTag, "p1", time.Now())
			gtrid := gen.Next()
			shards := &fakeShards{
				prepared: map[string]map[XID]bool{"s1": {BranchXID(gtrid, "s1", fakeThread): true}},
				attached: map[uint32]bool{fakeThread: true},
			}
			c.Fresh = shards
			flaky := &flakyCommit{fakeBranch: &fakeBranch{shard: "s1"}, failures: 10, err: io.ErrUnexpectedEOF}
			var b Branch = flaky
			if tc.closable {
				b = &closingBranch{flakyCommit: flaky, shards: shards}
			}
			if err := c.Commit(context.Background(), gtrid, c.Fence(), []Branch{&fakeBranch{shard: "s0"}, b}); err != nil {
				t.Fatalf("Commit: %v (the decision was stored: the client gets OK)", err)
			}
			c.Wait()
			if got := strings.Count(flaky.log(), "XA COMMIT"); got != tc.wantSends {
				t.Errorf("the branch's own connection got %d XA COMMITs (%s), want %d", got, flaky.log(), tc.wantSends)
			}
			if !slices.Equal(shards.log, tc.wantLog) {
				t.Errorf("fresh connections committed %q, want %q", shards.log, tc.wantLog)
			}
			_, found, err := log.Open().Get(context.Background(), gtrid)
			if err != nil {
				t.Fatal(err)
			}
			if found == tc.wantDone {
				t.Errorf("decision kept = %v, want %v", found, !tc.wantDone)
			}
		})
	}
}
