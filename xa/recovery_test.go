package xa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// fakeShards is a set of shards whose prepared branches recovery can list
// and finish.
type fakeShards struct {
	mu       sync.Mutex
	prepared map[string]map[XID]bool // shard -> prepared branch xids
	attached map[uint32]bool         // owner connections still open: their branches answer 1397
	killed   []uint32
	log      []string
	// exitReads: a killed owner thread keeps its transaction for this many
	// Attached reads, during which MariaDB takes XA COMMIT/ROLLBACK of its
	// branch with OK and does nothing (logged as "LOST").
	exitReads   int
	exiting     map[uint32]int
	attachedErr error // Attached fails (no PROCESS privilege)
	// ownerFinishesAfter: after this many Recover calls (a pass's scan),
	// the owners finish their branches themselves and their connections
	// go on serving other transactions (still attached).
	ownerFinishesAfter int
	recovers           int
	// ownerCloses: the owners' connections also close when they finish.
	ownerCloses bool
	// notaUnknown: XA COMMIT/ROLLBACK of an xid not prepared answers 1397,
	// as MariaDB does (the fake otherwise ignores it).
	notaUnknown bool
	boot        int64   // when the shards' servers started (Boot)
	bootSeq     []int64 // Boot's next answers, before boot
	bootErr     error
	// strangers hold transactions of their own (Attached lists them)
	// under ids a branch's bqual may name.
	strangers map[uint32]bool
}

func (f *fakeShards) Names() []string { return []string{"s0", "s1"} }

func (f *fakeShards) Conn(ctx context.Context, shard string) (ShardConn, func(), error) {
	return fakeShardConn{f, shard}, func() {}, nil
}

type fakeShardConn struct {
	f     *fakeShards
	shard string
}

func (c fakeShardConn) Recover(ctx context.Context) ([]XID, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	var out []XID
	for x := range c.f.prepared[c.shard] {
		out = append(out, x)
	}
	c.f.recovers++
	if c.f.recovers == c.f.ownerFinishesAfter {
		for _, xids := range c.f.prepared {
			clear(xids)
		}
		if c.f.ownerCloses {
			clear(c.f.attached)
		}
	}
	return out, nil
}

func (c fakeShardConn) ExecAll(ctx context.Context, stmts ...string) error {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	for _, s := range stmts {
		verb := strings.SplitN(s, " X'", 2)[0]
		known := false
		for x := range c.f.prepared[c.shard] {
			known = known || strings.HasSuffix(s, " "+x.SQL())
		}
		if c.f.notaUnknown && !known {
			return mysql.NewError(mysql.ER_XAER_NOTA, "XAER_NOTA")
		}
		for x := range c.f.prepared[c.shard] {
			if !strings.HasSuffix(s, " "+x.SQL()) {
				continue
			}
			_, thread := x.Owner()
			if _, ok := c.f.exiting[thread]; ok {
				delete(c.f.prepared[c.shard], x)
				c.f.log = append(c.f.log, c.shard+":LOST")
				continue
			}
			if c.f.attached[thread] || (thread == 0 && c.f.attached[0]) {
				return mysql.NewError(mysql.ER_XAER_NOTA, "XAER_NOTA")
			}
			delete(c.f.prepared[c.shard], x)
			c.f.log = append(c.f.log, c.shard+":"+verb)
		}
	}
	return nil
}

func (c fakeShardConn) Boot(ctx context.Context) (int64, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	if len(c.f.bootSeq) > 0 {
		b := c.f.bootSeq[0]
		c.f.bootSeq = c.f.bootSeq[1:]
		return b, nil
	}
	return c.f.boot, c.f.bootErr
}

// Kill closes an owner connection: its branches stay prepared, detached.
func (c fakeShardConn) Kill(ctx context.Context, thread uint32) error {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	c.f.killed = append(c.f.killed, thread)
	if c.f.exitReads > 0 {
		if c.f.exiting == nil {
			c.f.exiting = map[uint32]int{}
		}
		c.f.exiting[thread] = c.f.exitReads
		return nil
	}
	delete(c.f.attached, thread)
	return nil
}

// Attached lists the owner connections still holding their transactions;
// each read brings exiting threads closer to detaching.
func (c fakeShardConn) Attached(ctx context.Context) (map[uint32]bool, error) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	if c.f.attachedErr != nil {
		return nil, c.f.attachedErr
	}
	att := maps.Clone(c.f.attached)
	if att == nil {
		att = map[uint32]bool{}
	}
	maps.Copy(att, c.f.strangers)
	for thread, left := range c.f.exiting {
		if left <= 1 {
			delete(c.f.exiting, thread)
			delete(c.f.attached, thread)
		} else {
			c.f.exiting[thread] = left - 1
		}
	}
	return att, nil
}

// branchPair is a gtrid's branches on s0 and s1, started by the backend
// connections 100 and 101 (or, legacy, with bare shard names).
func branchPair(gtrid string, legacy bool) map[string]map[XID]bool {
	if legacy {
		return map[string]map[XID]bool{"s0": {NewXID(gtrid, "s0"): true}, "s1": {NewXID(gtrid, "s1"): true}}
	}
	return map[string]map[XID]bool{"s0": {BranchXID(gtrid, "s0", 100): true}, "s1": {BranchXID(gtrid, "s1", 101): true}}
}

func TestRecoveryFinishesBranches(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dead, _ := NewGenerator(testTag, "dead", time.Unix(100, 0))
	alive, _ := NewGenerator(testTag, "alive", time.Unix(200, 0))
	foreign, _ := NewGenerator(DeploymentTag("other deployment"), "dead", time.Unix(100, 0))
	stranger, _ := NewGenerator(testTag, "stranger", time.Unix(300, 0))      // never registered in this log
	legacy := func(seq int) string { return "dead-2s-" + strconv.Itoa(seq) } // what versions before tags made
	tests := []struct {
		name     string
		gtrid    string
		legacy   bool     // bqual without the owner connection
		decision Outcome  // stored before the pass ("" none)
		attached bool     // the owner connections are still open
		age      bool     // the branches are older than abandon_after
		want     string   // shard actions, sorted by shard
		stored   Outcome  // decision after the pass ("" none)
		actions  []string // actions the report must contain
		killed   int      // owner connections killed
		scope    Scope
		// finished: the owner finishes its branches right after the scan,
		// its connections serving other transactions (closes: or closed).
		finished, closes bool
	}{
		{name: "commit decision: commit every branch, then delete the record on the next pass",
			gtrid: dead.Next(), decision: Commit, want: "s0:XA COMMIT,s1:XA COMMIT", stored: Commit, actions: []string{"commit"}},
		{name: "abort decision: roll back",
			gtrid: dead.Next(), decision: Abort, want: "s0:XA ROLLBACK,s1:XA ROLLBACK", stored: Abort, actions: []string{"rollback"}},
		{name: "no decision, owner run gone: write ABORT and roll back",
			gtrid: dead.Next(), want: "s0:XA ROLLBACK,s1:XA ROLLBACK", stored: Abort, actions: []string{"abort_decided", "rollback"}},
		{name: "no decision, owner alive and young: wait",
			gtrid: alive.Next(), want: "", stored: "", actions: []string{"wait"}},
		{name: "held by a dead owner's open connection (1397): kill it, then commit",
			gtrid: dead.Next(), decision: Commit, attached: true, want: "s0:XA COMMIT,s1:XA COMMIT", stored: Commit,
			actions: []string{"owner_killed", "commit"}, killed: 2},
		{name: "held by a live owner's connection, young: nothing concluded, nothing killed",
			gtrid: alive.Next(), decision: Commit, attached: true, want: "", stored: Commit, actions: []string{"owner_busy"}},
		{name: "held by a live owner past abandon_after, no decision: ABORT, kill, roll back",
			gtrid: alive.Next(), attached: true, age: true, want: "s0:XA ROLLBACK,s1:XA ROLLBACK", stored: Abort,
			actions: []string{"abort_decided", "owner_killed", "rollback"}, killed: 2},
		{name: "held by a dead owner's connection, but the owner committed after the scan and serves others: nothing killed",
			gtrid: dead.Next(), decision: Commit, attached: true, finished: true, want: "", stored: Commit,
			actions: []string{"owner_finished"}},
		{name: "no decision, owner run gone, but committed and forgotten after the scan: no ABORT written",
			gtrid: dead.Next(), finished: true, want: "", stored: "", actions: []string{"owner_finished"}},
		{name: "held by a live owner past abandon_after, finished after the scan: no ABORT, nothing killed",
			gtrid: alive.Next(), attached: true, age: true, finished: true, want: "", stored: "", actions: []string{"owner_finished"}},
		{name: "held by a dead owner's connection, finished after the scan and closed: nothing killed, nothing left",
			gtrid: dead.Next(), decision: Commit, attached: true, finished: true, closes: true, want: "", stored: Commit,
			actions: []string{"owner_finished"}},
		{name: "held, legacy bqual names no connection: nothing killed",
			gtrid: legacy(1), legacy: true, decision: Commit, attached: true, want: "", stored: Commit, actions: []string{"owner_busy"}, scope: ScopeLegacy},
		{name: "another deployment's branches, owner dead: left alone, no decision written",
			gtrid: foreign.Next(), want: "", stored: "", actions: []string{"left_alone"}, scope: ScopeForeign},
		{name: "another deployment's, even with a decision under this prefix: left alone",
			gtrid: foreign.Next(), decision: Commit, want: "", stored: Commit, actions: []string{"left_alone"}, scope: ScopeForeign},
		{name: "no decision, owner never registered in this log (same tag, another etcd): left alone",
			gtrid: stranger.Next(), want: "", stored: "", actions: []string{"left_alone"}, scope: ScopeUnknownOwner},
		{name: "legacy gtrid without a decision here: left alone, never aborted",
			gtrid: legacy(2), legacy: true, want: "", stored: "", actions: []string{"left_alone"}, scope: ScopeLegacy},
		{name: "legacy gtrid with its decision here: finished by it",
			gtrid: legacy(3), legacy: true, decision: Commit, want: "s0:XA COMMIT,s1:XA COMMIT", stored: Commit, actions: []string{"commit"}, scope: ScopeLegacy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := NewMemLog(WithLeaseTTL(0))
			if err := log.Register(ctx, Incarnation("alive", alive.Epoch())); err != nil {
				t.Fatal(err)
			}
			// The dead run registered once; its registration is gone (a
			// crash: expired at once with this log's lease TTL of 0).
			if err := log.Register(ctx, Incarnation("dead", dead.Epoch())); err != nil {
				t.Fatal(err)
			}
			log.StopKeepAlive(Incarnation("dead", dead.Epoch()))
			if tt.decision != "" {
				if _, err := log.Decide(ctx, Decision{Gtrid: tt.gtrid, Outcome: tt.decision, Participants: []string{"s0", "s1"}, Instance: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			shards := &fakeShards{prepared: branchPair(tt.gtrid, tt.legacy), attached: map[uint32]bool{}}
			if tt.attached {
				shards.attached = map[uint32]bool{0: true, 100: true, 101: true}
			}
			if tt.finished {
				shards.ownerFinishesAfter = len(shards.Names())
				shards.ownerCloses, shards.notaUnknown = tt.closes, true
			}
			r := NewRecoverer(log.Open(), shards, testTag, "rec", time.Hour, quiet, NewMetrics(nil))
			r.killRetry = time.Millisecond
			if tt.age {
				start := time.Now()
				r.now = func() time.Time { return start }
				r.trackAges(map[string][]branch{tt.gtrid: nil}) // first seen now...
				r.now = func() time.Time { return start.Add(2 * time.Hour) }
			}
			rep, err := r.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sortedCopy(shards.log), ","); got != tt.want {
				t.Errorf("shard actions %q, want %q", got, tt.want)
			}
			for _, a := range tt.actions {
				found := false
				for _, got := range rep.Actions {
					found = found || got.What == a && got.Err == ""
				}
				if !found {
					t.Errorf("report lacks action %s: %+v", a, rep.Actions)
				}
			}
			if len(shards.killed) != tt.killed {
				t.Errorf("killed owner connections %v, want %d", shards.killed, tt.killed)
			}
			wantScope := tt.scope
			if wantScope == "" {
				wantScope = ScopeOwn
			}
			if len(rep.InDoubt) != 2 || rep.InDoubt[0].Scope != wantScope || rep.InDoubt[1].Scope != wantScope {
				t.Errorf("in doubt %+v, want 2 branches of scope %s", rep.InDoubt, wantScope)
			}
			d, found, _ := log.Get(ctx, tt.gtrid)
			if (tt.stored == "") == found || (found && d.Outcome != tt.stored) {
				t.Errorf("stored decision %v (found %v), want %q", d.Outcome, found, tt.stored)
			}
			// A second pass deletes a decision whose branches are all finished
			// (an ABORT only because its owner run is gone or presumed so),
			// and reports a left-alone gtrid only once.
			rep2, err := r.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" {
				_, found, _ := log.Get(ctx, tt.gtrid)
				keep := tt.stored == Abort && strings.Contains(tt.gtrid, ":alive-") // its live coordinator may still look it up
				if found != keep {
					t.Errorf("after the second pass the decision is stored=%v", found)
				}
			}
			for _, a := range rep2.Actions {
				if a.What == "left_alone" {
					t.Errorf("second pass reported %s again", a.What)
				}
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestRecoveryForgetsFinishedRuns: the record of a run that is over and
// owns no listed branch and no decision is removed; a live run's, this
// run's and those still owning something are kept.
func TestRecoveryForgetsFinishedRuns(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	log := NewMemLog(WithLeaseTTL(0))
	gens := map[string]*Generator{}
	for i, name := range []string{"live", "self", "done", "branch", "decided"} {
		gens[name], _ = NewGenerator(testTag, name, time.Unix(int64(100+i), 0))
		reg := Incarnation(name, gens[name].Epoch())
		if err := log.Register(ctx, reg); err != nil {
			t.Fatal(err)
		}
		if name != "live" && name != "self" {
			log.StopKeepAlive(reg) // crashed
		}
	}
	branchGtrid := gens["branch"].Next()
	if _, err := log.Decide(ctx, Decision{Gtrid: gens["decided"].Next(), Outcome: Commit, Participants: []string{"s2"}}); err != nil {
		t.Fatal(err)
	}
	// The dead run's branch is listed by this pass (which rolls it back).
	shards := &fakeShards{prepared: branchPair(branchGtrid, false), attached: map[uint32]bool{}}
	r := NewRecoverer(log.Open(), shards, testTag, "rec", time.Hour, quiet, NewMetrics(nil))
	self := Incarnation("self", gens["self"].Epoch())
	r.SetLocal(self, func(string) bool { return false }, func(string) bool { return false }, nil)
	log.StopKeepAlive(self) // even without its registration, this run keeps its record
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := log.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, name := range []string{"branch", "live", "self"} {
		want = append(want, Incarnation(name, gens[name].Epoch()))
	}
	// "decided": its decision is deleted by this pass (no branch listed), so
	// its record goes on the next pass.
	want = append(want, Incarnation("decided", gens["decided"].Epoch()))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("runs after a pass %v, want %v", got, want)
	}
}

// TestRecoveryWaitsForKilledOwnerToDetach: a killed owner connection's
// branch becomes findable a moment before InnoDB detaches its transaction,
// and MariaDB answers OK to an XA COMMIT in between without committing.
// Recovery finishes a killed owner's branch only once Attached no longer
// lists the thread; when it cannot read Attached, only on a later pass.
func TestRecoveryWaitsForKilledOwnerToDetach(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dead, _ := NewGenerator(testTag, "dead", time.Unix(100, 0))
	for _, tt := range []struct {
		name        string
		attachedErr error
		passes      []string // shard actions after each pass
	}{
		{name: "Attached readable: commit once detached, in the same pass",
			passes: []string{"s0:XA COMMIT,s1:XA COMMIT"}},
		{name: "Attached unreadable: kill, commit on the next pass",
			attachedErr: errors.New("needs PROCESS"), passes: []string{"", "s0:XA COMMIT,s1:XA COMMIT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			log := NewMemLog(WithLeaseTTL(0))
			gtrid := dead.Next()
			if _, err := log.Decide(ctx, Decision{Gtrid: gtrid, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "dead"}); err != nil {
				t.Fatal(err)
			}
			shards := &fakeShards{prepared: branchPair(gtrid, false), attached: map[uint32]bool{100: true, 101: true},
				exitReads: 3, attachedErr: tt.attachedErr}
			r := NewRecoverer(log.Open(), shards, testTag, "rec", 0, quiet, NewMetrics(nil))
			r.killRetry = time.Millisecond
			for i, want := range tt.passes {
				if tt.attachedErr != nil && i > 0 {
					// Passes are seconds apart: the killed threads are gone.
					shards.mu.Lock()
					shards.exiting, shards.attached = nil, map[uint32]bool{}
					shards.mu.Unlock()
				}
				if _, err := r.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				if got := strings.Join(sortedCopy(shards.log), ","); got != want {
					t.Fatalf("after pass %d shard actions %q, want %q", i+1, got, want)
				}
			}
			if len(shards.killed) != 2 {
				t.Errorf("killed %v, want both owner connections", shards.killed)
			}
		})
	}
}

// TestRecoveryNoKillWhileCommitting: a COMMIT decision of this process's
// own coordinator, which is committing it now: its connection goes back to
// the pool once committed, so a kill could hit another session's
// statement. Past abandon_after that phase two is stuck and the kill frees
// the locks; an ABORT is never committed, so its owner is killed too.
func TestRecoveryNoKillWhileCommitting(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	self, _ := NewGenerator(testTag, "self", time.Unix(200, 0))
	for _, tt := range []struct {
		outcome   Outcome
		busy, old bool
		killed    int
	}{
		{outcome: Commit, busy: true, killed: 0},
		{outcome: Commit, busy: false, killed: 2},
		{outcome: Commit, busy: true, old: true, killed: 2},
		{outcome: Abort, busy: true, killed: 2},
	} {
		t.Run(fmt.Sprintf("%s busy=%v old=%v", tt.outcome, tt.busy, tt.old), func(t *testing.T) {
			log := NewMemLog(WithLeaseTTL(0)) // self is not registered: its owner counts as gone
			gtrid := self.Next()
			if _, err := log.Decide(ctx, Decision{Gtrid: gtrid, Outcome: tt.outcome, Participants: []string{"s0", "s1"}, Instance: "self"}); err != nil {
				t.Fatal(err)
			}
			shards := &fakeShards{prepared: branchPair(gtrid, false), attached: map[uint32]bool{100: true, 101: true}}
			r := NewRecoverer(log.Open(), shards, testTag, "self", time.Hour, quiet, NewMetrics(nil))
			r.killRetry = time.Millisecond
			r.SetLocal(Incarnation("self", self.Epoch()), func(string) bool { return tt.busy }, func(string) bool { return false }, func(string) {})
			if tt.old {
				start := time.Now()
				r.now = func() time.Time { return start }
				r.trackAges(map[string][]branch{gtrid: nil})
				r.now = func() time.Time { return start.Add(2 * time.Hour) } // past abandon_after
			}
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if len(shards.killed) != tt.killed {
				t.Errorf("killed %v, want %d owner connections", shards.killed, tt.killed)
			}
		})
	}
}

// TestRecoveryAfterShardRestart: a restart detaches prepared branches and
// connection ids start again; a new connection with the id in a branch's
// bqual, holding a transaction of its own, is not its owner: the branch is
// finished without a kill. Where the boots cannot tell, nothing is killed.
func TestRecoveryAfterShardRestart(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	owner, _ := NewGenerator(testTag, "owner", time.Unix(100, 0))
	for _, tt := range []struct {
		name string
		// after the first pass: the shards' boot and what holds id 100
		boot      int64
		bootSeq   []int64
		bootErr   error
		attached  map[uint32]bool // answer 1397 for their branches
		strangers map[uint32]bool
		want      string
	}{
		{name: "restarted: a stranger got the owner's id; both branches committed",
			boot: 5000, strangers: map[uint32]bool{100: true}, want: "s0:XA COMMIT,s1:XA COMMIT"},
		{name: "restarted, yet 1397 for the branch: not killed on the boots' word",
			boot: 5000, attached: map[uint32]bool{100: true}, want: "s1:XA COMMIT"},
		{name: "boot unreadable since: a branch listed under a boot keeps its id alive",
			boot: 1000, bootErr: errors.New("no GLOBAL_STATUS"), strangers: map[uint32]bool{100: true}, want: "s1:XA COMMIT"},
		{name: "restarted during the pass, after its scan: no kill",
			boot: 5000, bootSeq: []int64{1000, 1000}, strangers: map[uint32]bool{100: true}, want: "s1:XA COMMIT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			log := NewMemLog(WithLeaseTTL(0))
			run := Incarnation("owner", owner.Epoch())
			if err := log.Register(ctx, run); err != nil {
				t.Fatal(err)
			}
			gtrid := owner.Next()
			if _, err := log.Decide(ctx, Decision{Gtrid: gtrid, Outcome: Commit, Participants: []string{"s0", "s1"}, Instance: "owner"}); err != nil {
				t.Fatal(err)
			}
			shards := &fakeShards{prepared: branchPair(gtrid, false), attached: map[uint32]bool{100: true, 101: true}, boot: 1000}
			r := NewRecoverer(log.Open(), shards, testTag, "rec", time.Hour, quiet, NewMetrics(nil))
			r.killRetry = time.Millisecond
			if _, err := r.RunOnce(ctx); err != nil { // the owner is alive and holds its branches
				t.Fatal(err)
			}
			if len(shards.log) != 0 || len(shards.killed) != 0 {
				t.Fatalf("first pass: shard actions %v, killed %v, want none", shards.log, shards.killed)
			}
			// The owner's connections and run are gone.
			shards.mu.Lock()
			shards.boot, shards.bootSeq, shards.bootErr = tt.boot, tt.bootSeq, tt.bootErr
			shards.attached, shards.strangers = tt.attached, tt.strangers
			shards.mu.Unlock()
			log.StopKeepAlive(run)
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sortedCopy(shards.log), ","); got != tt.want {
				t.Errorf("shard actions %q, want %q", got, tt.want)
			}
			if len(shards.killed) != 0 {
				t.Errorf("killed %v, want none", shards.killed)
			}
		})
	}
}
