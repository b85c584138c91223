package proxy

import (
	"slices"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// TestFakeRefusedStartOpensNoBranch: a shard that refuses the XA START
// travelling with a statement opened no branch. The statement fails with
// the shard's error; the next statement there tries the start again, and a
// transaction that ends first sends that shard nothing, since there is no
// branch to end (XA END would be XAER_NOTA on MariaDB).
func TestFakeRefusedStartOpensNoBranch(t *testing.T) {
	const (
		ins0 = "INSERT INTO ranged (id, v) VALUES (1, 'a')"
		ins1 = "INSERT INTO ranged (id, v) VALUES (200, 'c')"
	)
	tests := []struct {
		name  string
		stmts []string // after BEGIN; the first ins0 is refused, COMMIT follows
		want  map[string][]string
	}{
		{
			name:  "the next statement starts the branch",
			stmts: []string{ins0, ins0, ins1},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, "XA START {x}; " + ins0, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
			},
		},
		{
			name:  "a branch never started is not ended",
			stmts: []string{ins0, ins1},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA COMMIT {x} ONE PHASE"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t)
			for _, f := range e.shards {
				f.On("INSERT INTO ranged", fakeshard.Answer{Affected: 1})
			}
			refuseFirstStart(e.shards["s0"])
			c := e.connect(t)
			exec(t, c, "BEGIN")
			_, err := c.Execute(tt.stmts[0])
			if me, ok := err.(*mysql.MyError); !ok || me.Code != mysql.ER_XAER_DUPID {
				t.Fatalf("%s with its start refused: %v, want error %d", tt.stmts[0], err, mysql.ER_XAER_DUPID)
			}
			exec(t, c, tt.stmts[1:]...)
			exec(t, c, "COMMIT")
			waitFor(t, "every connection back in its pool", e.idle)
			for shard, want := range tt.want {
				e.checkBranch(t, shard, want)
			}
		})
	}
}

// TestFakeRefusedStartEndsPendingChars: a shard that refuses a branch's XA
// START keeps the SET TRANSACTION sent before it pending (MariaDB 10.11:
// SET TRANSACTION READ ONLY; XA START refused with 1440; BEGIN; INSERT gets
// 1792). The transaction ends with the branch never started and the
// connection goes back to its pool: its next use ends those characteristics
// first, so they reach no other transaction (another session's).
func TestFakeRefusedStartEndsPendingChars(t *testing.T) {
	const ins0 = "INSERT INTO ranged (id, v) VALUES (1, 'a')"
	const chars = "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"
	e := newFakeEnv(t)
	e.shards["s0"].On("INSERT INTO ranged", fakeshard.Answer{Affected: 1})
	refuseFirstStart(e.shards["s0"])
	c := e.connect(t)
	exec(t, c, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "BEGIN")
	if _, err := c.Execute(ins0); err == nil {
		t.Fatalf("%s with its start refused: no error", ins0)
	}
	exec(t, c, "ROLLBACK")
	waitFor(t, "every connection back in its pool", e.idle)
	other := e.connect(t)
	exec(t, other, ins0) // autocommit, on the pooled connection
	var used [][]string
	for _, id := range e.shards["s0"].Conns() {
		if qs := clientQueries(e.queries("s0", id)); slices.Contains(qs, chars) {
			used = append(used, qs)
		}
	}
	if len(used) != 1 {
		t.Fatalf("s0: %d connections were told %q (%q), want one", len(used), chars, used)
	}
	qs := used[0]
	i := slices.Index(qs, chars)
	if len(qs) < i+3 || !strings.HasPrefix(qs[i+1], "XA START") {
		t.Fatalf("s0 received %q: want %q, the refused XA START, then the pooled connection's next use", qs, chars)
	}
	if want := "SET @@session.tx_isolation = @@session.tx_isolation, @@session.tx_read_only = @@session.tx_read_only"; qs[i+2] != want {
		t.Errorf("s0 received %q after the refused start: the pending %q was not ended before the next statement (%q)", qs[i+2:], chars, want)
	}
}
