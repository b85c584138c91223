package xa

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/xaproxy/xaproxy/backend"
)

// fakeBranch records the statements a coordinator sends and fails those
// matching failOn.
type fakeBranch struct {
	shard  string
	failOn string // substring of a statement that gets fail
	fail   error
	mu     sync.Mutex
	sent   []string
}

func (b *fakeBranch) Shard() string { return b.shard }

// fakeThread is the backend connection id of every fake branch.
const fakeThread = 7

func (b *fakeBranch) ThreadID() uint32 { return fakeThread }

func (b *fakeBranch) ExecAll(ctx context.Context, stmts ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Every XA statement names the branch as XA START did: the bqual
	// carries the owner connection (BranchXID).
	bqual := "X'" + strings.ToUpper(hex.EncodeToString([]byte(b.shard+"."+strconv.Itoa(fakeThread)))) + "'"
	for _, s := range stmts {
		if !strings.Contains(s, bqual) {
			b.sent = append(b.sent, "XID-WITHOUT-OWNER:"+s)
		}
		b.sent = append(b.sent, strings.SplitN(s, " X'", 2)[0])
		if b.failOn != "" && strings.HasPrefix(s, b.failOn) {
			return b.fail
		}
	}
	return nil
}

// pipeFake is a fakeBranch whose statements are sent and answered apart,
// as backend.Conn's are (execEach).
type pipeFake struct {
	*fakeBranch
	pending []string
	unread  bool
}

func (p *pipeFake) SendAll(ctx context.Context, stmts ...string) error {
	if p.unread {
		p.fakeBranch.sent = append(p.fakeBranch.sent, "SENT-BEFORE-READING")
	}
	p.pending, p.unread = stmts, true
	return nil
}

func (p *pipeFake) ReadAll(ctx context.Context) error {
	p.unread = false
	return p.fakeBranch.ExecAll(ctx, p.pending...)
}

func (p *pipeFake) Abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, "ABORT")
}

// Branches that execEach must pipeline: a method missing here would
// silently send the fakes, or backend.Conn, through parallel instead.
var (
	_ pipelined = (*backend.Conn)(nil)
	_ pipelined = (*pipeFake)(nil)
	_ pipelined = (*pipeFlaky)(nil)
)

func (b *fakeBranch) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.sent, ",")
}

func TestCoordinatorCommit(t *testing.T) {
	deadlock := mysql.NewError(mysql.ER_XA_RBDEADLOCK, "rolled back")
	tests := []struct {
		name     string
		branches []*fakeBranch
		fault    FaultFunc
		wantCode uint16 // 0: success
		want     []string
		decision Outcome // stored after the call ("" none)
		phases   int     // phases observed in xaproxy_xa_commit_phase_seconds
	}{
		{
			name:     "one branch commits in one phase",
			branches: []*fakeBranch{{shard: "s0"}},
			want:     []string{"XA END,XA COMMIT"},
		},
		{
			name:     "two branches: prepare, decide, commit",
			branches: []*fakeBranch{{shard: "s0"}, {shard: "s1"}},
			want:     []string{"XA END,XA PREPARE,XA COMMIT", "XA END,XA PREPARE,XA COMMIT"},
			phases:   3,
		},
		{
			name:     "a NO vote rolls every branch back and reports the shard's code",
			branches: []*fakeBranch{{shard: "s0"}, {shard: "s1", failOn: "XA PREPARE", fail: deadlock}},
			wantCode: mysql.ER_LOCK_DEADLOCK,
			want:     []string{"XA END,XA PREPARE,XA END", "XA END,XA PREPARE,XA END"},
		},
		{
			name:     "decision log down: rollback, nothing in doubt",
			branches: []*fakeBranch{{shard: "s0"}, {shard: "s1"}},
			fault: func(op, key string) (bool, error) {
				if op == "decide" {
					return false, errors.New("etcd unavailable")
				}
				return false, nil
			},
			wantCode: mysql.ER_ERROR_DURING_COMMIT,
			want:     []string{"XA END,XA PREPARE,XA END", "XA END,XA PREPARE,XA END"},
			phases:   2,
		},
		{
			name:     "unknown decision: branches left prepared for recovery",
			branches: []*fakeBranch{{shard: "s0"}, {shard: "s1"}},
			fault: func(op, key string) (bool, error) {
				if op == "decide" {
					return true, fmt.Errorf("lost answer: %w", ErrUnknown)
				}
				return false, nil
			},
			wantCode: mysql.ER_ERROR_DURING_COMMIT,
			want:     []string{"XA END,XA PREPARE", "XA END,XA PREPARE"},
			decision: Commit,
			phases:   2,
		},
	}
	for _, tc := range tests {
		for _, pipe := range []bool{false, true} {
			tt := tc
			tt.branches = make([]*fakeBranch, len(tc.branches))
			for i, b := range tc.branches {
				tt.branches[i] = &fakeBranch{shard: b.shard, failOn: b.failOn, fail: b.fail}
			}
			name := tt.name
			if pipe {
				name += " (pipelined branches)"
			}
			t.Run(name, func(t *testing.T) {
				var opts []MemOption
				if tt.fault != nil {
					opts = append(opts, WithFault(tt.fault))
				}
				log := NewMemLog(opts...)
				if err := log.Register(context.Background(), "p1.x"); err != nil {
					t.Fatal(err)
				}
				metrics := NewMetrics(nil)
				c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), metrics)
				gen, _ := NewGenerator(testTag, "p1", time.Now())
				gtrid := gen.Next()
				bs := make([]Branch, len(tt.branches))
				for i, b := range tt.branches {
					bs[i] = b
					if pipe {
						bs[i] = &pipeFake{fakeBranch: b}
					}
				}
				err := c.Commit(context.Background(), gtrid, c.Fence(), bs)
				c.Wait()
				if tt.wantCode == 0 && err != nil {
					t.Fatalf("Commit: %v", err)
				}
				if tt.wantCode != 0 {
					me, ok := serverErr(err)
					if !ok || me.Code != tt.wantCode {
						t.Fatalf("Commit error %v, want code %d", err, tt.wantCode)
					}
				}
				for i, b := range tt.branches {
					if got := b.log(); !strings.HasPrefix(got, tt.want[i]) {
						t.Errorf("branch %s got %q, want prefix %q", b.shard, got, tt.want[i])
					}
					if got := b.log(); strings.Contains(got, "SENT-BEFORE-READING") {
						t.Errorf("branch %s got a command before its last answer was read: %q", b.shard, got)
					}
				}
				if n := testutil.CollectAndCount(metrics.phaseLatency); n != tt.phases {
					t.Errorf("%d commit phases observed, want %d", n, tt.phases)
				}
				// Two-phase commits delete their decision once done; an unknown
				// outcome keeps it for recovery.
				d, found, _ := log.Open().Get(context.Background(), gtrid)
				if tt.decision == "" && found {
					t.Errorf("decision %v left behind", d)
				}
				if tt.decision != "" && (!found || d.Outcome != tt.decision) {
					t.Errorf("decision = %v (found %v), want %s", d, found, tt.decision)
				}
			})
		}
	}
}

func TestCoordinatorFindsAbortFromRecovery(t *testing.T) {
	log := NewMemLog()
	if err := log.Register(context.Background(), "p1.x"); err != nil {
		t.Fatal(err)
	}
	c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics(nil))
	gen, _ := NewGenerator(testTag, "p1", time.Now())
	gtrid := gen.Next()
	// Recovery on another instance got there first.
	if _, err := log.Decide(context.Background(), Decision{Gtrid: gtrid, Outcome: Abort, Instance: "p2"}); err != nil {
		t.Fatal(err)
	}
	b0, b1 := &fakeBranch{shard: "s0"}, &fakeBranch{shard: "s1"}
	err := c.Commit(context.Background(), gtrid, c.Fence(), []Branch{b0, b1})
	me, ok := serverErr(err)
	if !ok || me.Code != mysql.ER_XA_RBROLLBACK {
		t.Fatalf("err = %v, want 1402", err)
	}
	for _, b := range []*fakeBranch{b0, b1} {
		if strings.Contains(b.log(), "XA COMMIT") || !strings.Contains(b.log(), "XA ROLLBACK") {
			t.Errorf("branch %s: %s", b.shard, b.log())
		}
	}
}

func TestCoordinatorFencedAfterRegistrationLoss(t *testing.T) {
	log := NewMemLog()
	ctx, cancel := context.WithCancel(context.Background())
	if err := log.Register(ctx, "p1.x"); err != nil {
		t.Fatal(err)
	}
	c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics(nil))
	fence := c.Fence()
	// The registration is lost (a pause longer than the lease) and made
	// again: a transaction begun under the old one must not commit.
	cancel()
	time.Sleep(10 * time.Millisecond)
	if err := log.Register(context.Background(), "p1.x"); err != nil {
		t.Fatal(err)
	}
	gen, _ := NewGenerator(testTag, "p1", time.Now())
	b0, b1 := &fakeBranch{shard: "s0"}, &fakeBranch{shard: "s1"}
	err := c.Commit(context.Background(), gen.Next(), fence, []Branch{b0, b1})
	if me, ok := serverErr(err); !ok || me.Code != mysql.ER_XA_RBROLLBACK {
		t.Fatalf("err = %v, want 1402", err)
	}
	if strings.Contains(b0.log(), "XA COMMIT") {
		t.Fatalf("fenced transaction committed: %s", b0.log())
	}
}

// TestCommitReaders: a transaction where at most one branch wrote commits
// the writer in one phase first, then the readers, with no decision; a
// writer that fails rolls the readers back; a reader that fails is
// reported and the transaction stays committed.
func TestCommitReaders(t *testing.T) {
	lost := errors.New("connection lost")
	tests := []struct {
		name       string
		writer     *fakeBranch // nil: none wrote
		readers    []*fakeBranch
		wantErr    bool
		wantFailed int
		want       []string // the writer's log first, if any, then the readers'
		kind       string
		refused    bool // verify says no: nothing runs
	}{
		{
			name:    "one writer, one reader",
			writer:  &fakeBranch{shard: "s0"},
			readers: []*fakeBranch{{shard: "s1"}},
			want:    []string{"XA END,XA COMMIT", "XA END,XA COMMIT"},
			kind:    "one_writer",
		},
		{
			name:    "readers only",
			readers: []*fakeBranch{{shard: "s0"}, {shard: "s1"}},
			want:    []string{"XA END,XA COMMIT", "XA END,XA COMMIT"},
			kind:    "read_only",
		},
		{
			name:    "the writer fails: the readers are rolled back",
			writer:  &fakeBranch{shard: "s0", failOn: "XA COMMIT", fail: mysql.NewError(mysql.ER_LOCK_DEADLOCK, "deadlock")},
			readers: []*fakeBranch{{shard: "s1"}},
			wantErr: true,
			want:    []string{"XA END,XA COMMIT,XA ROLLBACK", "XA END,XA ROLLBACK"},
		},
		{
			name:       "a reader fails: committed, the reader reported",
			writer:     &fakeBranch{shard: "s0"},
			readers:    []*fakeBranch{{shard: "s1", failOn: "XA END", fail: lost}, {shard: "s2"}},
			wantFailed: 1,
			want:       []string{"XA END,XA COMMIT", "XA END", "XA END,XA COMMIT"},
			kind:       "one_writer",
		},
		{
			name:    "verify says no: nothing runs",
			writer:  &fakeBranch{shard: "s0"},
			readers: []*fakeBranch{{shard: "s1"}},
			refused: true,
			want:    []string{"", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := NewMemLog()
			if err := log.Register(context.Background(), "p1.x"); err != nil {
				t.Fatal(err)
			}
			metrics := NewMetrics(nil)
			c := NewCoordinator(log, "p1", "p1.x", slog.New(slog.NewTextHandler(io.Discard, nil)), metrics)
			gen, _ := NewGenerator(testTag, "p1", time.Now())
			gtrid := gen.Next()
			var writer Branch
			all := tt.readers
			if tt.writer != nil {
				writer = tt.writer
				all = append([]*fakeBranch{tt.writer}, tt.readers...)
			}
			readers := make([]Branch, len(tt.readers))
			for i, b := range tt.readers {
				readers[i] = b
			}
			failed, done, err := c.CommitReaders(context.Background(), gtrid, writer, readers, func(context.Context) bool { return !tt.refused })
			if done == tt.refused {
				t.Fatalf("CommitReaders done %v, verify said %v", done, !tt.refused)
			}
			c.Wait()
			if (err != nil) != tt.wantErr {
				t.Fatalf("CommitReaders error %v, want error %v", err, tt.wantErr)
			}
			if len(failed) != tt.wantFailed {
				t.Errorf("%d readers reported failed, want %d", len(failed), tt.wantFailed)
			}
			for i, b := range all {
				if got := b.log(); got != tt.want[i] {
					t.Errorf("branch %s: %s, want %s", b.shard, got, tt.want[i])
				}
			}
			if d, ok, _ := log.Get(context.Background(), gtrid); ok {
				t.Errorf("a decision was written: %+v", d)
			}
			if tt.kind != "" {
				if n := testutil.ToFloat64(metrics.commits.WithLabelValues(tt.kind)); n != 1 {
					t.Errorf("commits{kind=%q} = %v, want 1", tt.kind, n)
				}
			}
		})
	}
}
