package proxy

import (
	"slices"
	"strings"
	"sync/atomic"
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
			var starts atomic.Int32
			e.shards["s0"].OnFunc("XA START", func(uint32, string) fakeshard.Answer {
				if starts.Add(1) == 1 {
					return fakeshard.Error(mysql.ER_XAER_DUPID, "XAER_DUPID: The XID already exists")
				}
				return fakeshard.OK()
			})
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
				var used [][]string
				var ids []uint32
				for _, id := range e.shards[shard].Conns() {
					if qs := clientQueries(e.queries(shard, id)); len(qs) > 0 {
						used = append(used, qs)
						ids = append(ids, id)
					}
				}
				if len(used) != 1 {
					t.Fatalf("%s: %d connections ran statements (%q), want one", shard, len(used), used)
				}
				x, _ := branchXID(t, shard, ids[0], used[0][0])
				exp := make([]string, len(want))
				for i, w := range want {
					exp[i] = strings.ReplaceAll(w, "{x}", x)
				}
				if !slices.Equal(used[0], exp) {
					t.Errorf("%s conn %d received\n %q\nwant\n %q", shard, ids[0], used[0], exp)
				}
			}
		})
	}
}
