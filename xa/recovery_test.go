package xa

import (
	"context"
	"io"
	"log/slog"
	"slices"
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
	prepared map[string]map[string]bool // shard -> gtrid -> prepared
	attached map[string]bool            // gtrid -> still held by its coordinator's session (1397)
	log      []string
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
	for g := range c.f.prepared[c.shard] {
		out = append(out, NewXID(g, c.shard))
	}
	return out, nil
}

func (c fakeShardConn) ExecAll(ctx context.Context, stmts ...string) error {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	for _, s := range stmts {
		verb := strings.SplitN(s, " X'", 2)[0]
		for g := range c.f.prepared[c.shard] {
			if !strings.Contains(s, NewXID(g, c.shard).SQL()) {
				continue
			}
			if c.f.attached[g] {
				return mysql.NewError(mysql.ER_XAER_NOTA, "XAER_NOTA")
			}
			delete(c.f.prepared[c.shard], g)
			c.f.log = append(c.f.log, c.shard+":"+verb)
		}
	}
	return nil
}

func TestRecoveryFinishesBranches(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dead, _ := NewGenerator("dead", time.Unix(100, 0))
	alive, _ := NewGenerator("alive", time.Unix(200, 0))
	tests := []struct {
		name     string
		gtrid    string
		decision Outcome // stored before the pass ("" none)
		attached bool
		want     string   // shard actions, sorted by shard
		stored   Outcome  // decision after the pass ("" none)
		actions  []string // actions the report must contain
	}{
		{name: "commit decision: commit every branch, then delete the record on the next pass",
			gtrid: dead.Next(), decision: Commit, want: "s0:XA COMMIT,s1:XA COMMIT", stored: Commit, actions: []string{"commit"}},
		{name: "abort decision: roll back",
			gtrid: dead.Next(), decision: Abort, want: "s0:XA ROLLBACK,s1:XA ROLLBACK", stored: Abort, actions: []string{"rollback"}},
		{name: "no decision, owner run gone: write ABORT and roll back",
			gtrid: dead.Next(), want: "s0:XA ROLLBACK,s1:XA ROLLBACK", stored: Abort, actions: []string{"abort_decided", "rollback"}},
		{name: "no decision, owner alive and young: wait",
			gtrid: alive.Next(), want: "", stored: "", actions: []string{"wait"}},
		{name: "listed but held by its coordinator's session (1397): nothing concluded",
			gtrid: dead.Next(), decision: Commit, attached: true, want: "", stored: Commit, actions: []string{"owner_busy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := NewMemLog()
			if err := log.Register(ctx, Incarnation("alive", alive.Epoch())); err != nil {
				t.Fatal(err)
			}
			if tt.decision != "" {
				if _, err := log.Decide(ctx, Decision{Gtrid: tt.gtrid, Outcome: tt.decision, Participants: []string{"s0", "s1"}, Instance: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			shards := &fakeShards{
				prepared: map[string]map[string]bool{"s0": {tt.gtrid: true}, "s1": {tt.gtrid: true}},
				attached: map[string]bool{tt.gtrid: tt.attached},
			}
			r := NewRecoverer(log.Open(), shards, "rec", time.Hour, quiet, NewMetrics(nil))
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
					found = found || got.What == a
				}
				if !found {
					t.Errorf("report lacks action %s: %+v", a, rep.Actions)
				}
			}
			d, found, _ := log.Get(ctx, tt.gtrid)
			if (tt.stored == "") == found || (found && d.Outcome != tt.stored) {
				t.Errorf("stored decision %v (found %v), want %q", d.Outcome, found, tt.stored)
			}
			// A second pass deletes a decision whose branches are all finished
			// (an ABORT only because its owner run is gone).
			if tt.want != "" {
				if _, err := r.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				if _, found, _ := log.Get(ctx, tt.gtrid); found {
					t.Errorf("decision for a finished gtrid not deleted")
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
