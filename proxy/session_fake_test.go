package proxy

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/xaproxy/xaproxy/internal/fakeshard"
	"github.com/xaproxy/xaproxy/xa"
)

// Session logic against fake shards (fakeshard_test.go): what each shard
// connection receives for transactions, pins, diagnostics and variables.

// branchXID reads the xid of the XA START that opens a connection's
// queries, checks that it names the connection (bqual "<shard>.<thread
// id>", which recovery relies on) and returns it with its gtrid.
func branchXID(t *testing.T, shard string, id uint32, first string) (x, gtrid string) {
	t.Helper()
	rest, ok := strings.CutPrefix(first, "XA START ")
	if !ok {
		t.Fatalf("%s conn %d: first statement %q is not an XA START", shard, id, first)
	}
	x, _, _ = strings.Cut(rest, "; ")
	hexGtrid, _, _ := strings.Cut(strings.TrimPrefix(x, "X'"), "'")
	g, err := hex.DecodeString(hexGtrid)
	if err != nil {
		t.Fatalf("xid %s: %v", x, err)
	}
	if want := xa.BranchXID(string(g), shard, id).SQL(); x != want {
		t.Fatalf("%s conn %d: xid %s, want %s", shard, id, x, want)
	}
	return x, string(g)
}

func TestFakeTransactionBranches(t *testing.T) {
	const (
		ins0 = "INSERT INTO ranged (id, v) VALUES (1, 'a')"
		upd0 = "UPDATE ranged SET v = 'b' WHERE id = 2"
		ins1 = "INSERT INTO ranged (id, v) VALUES (200, 'c')"
	)
	tests := []struct {
		name  string
		stmts []string
		// want is what the branch connection of each shard receives,
		// {x} standing for its xid; a shard absent here receives nothing.
		want map[string][]string
	}{
		{
			name:  "one shard commits in one phase",
			stmts: []string{"BEGIN", ins0, upd0, "COMMIT"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, upd0, "XA END {x}; XA COMMIT {x} ONE PHASE"},
			},
		},
		{
			name:  "two shards prepare, then commit",
			stmts: []string{"BEGIN", ins0, ins1, upd0, "COMMIT"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, upd0, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
			},
		},
		{
			name:  "rollback ends every branch",
			stmts: []string{"START TRANSACTION", ins1, ins0, "ROLLBACK"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, "XA END {x}; XA ROLLBACK {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA ROLLBACK {x}"},
			},
		},
		{
			name:  "autocommit=0 opens the transaction with the first statement",
			stmts: []string{"SET autocommit = 0", ins0, ins1, "COMMIT"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
			},
		},
		{
			name:  "a transaction with no statement touches no shard",
			stmts: []string{"BEGIN", "COMMIT"},
			want:  map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t)
			for _, f := range e.shards {
				f.On("INSERT INTO ranged", fakeshard.Answer{Affected: 1})
				f.On("UPDATE ranged", fakeshard.Answer{Affected: 1, Info: "Rows matched: 1  Changed: 1  Warnings: 0"})
			}
			c := e.connect(t)
			exec(t, c, tt.stmts...)
			waitFor(t, "every connection back in its pool", e.idle)
			gtrids := map[string]bool{}
			for _, shard := range []string{"s0", "s1"} {
				var used [][]string
				var ids []uint32
				for _, id := range e.shards[shard].Conns() {
					if qs := clientQueries(e.queries(shard, id)); len(qs) > 0 {
						used = append(used, qs)
						ids = append(ids, id)
					}
				}
				want, ok := tt.want[shard]
				if !ok {
					if len(used) > 0 {
						t.Errorf("%s received %q, want nothing", shard, used)
					}
					continue
				}
				if len(used) != 1 {
					t.Fatalf("%s: %d connections ran statements (%q), want the one branch", shard, len(used), used)
				}
				x, gtrid := branchXID(t, shard, ids[0], used[0][0])
				gtrids[gtrid] = true
				exp := make([]string, len(want))
				for i, w := range want {
					exp[i] = strings.ReplaceAll(w, "{x}", x)
				}
				if !slices.Equal(used[0], exp) {
					t.Errorf("%s conn %d received\n %q\nwant\n %q", shard, ids[0], used[0], exp)
				}
			}
			if len(gtrids) > 1 {
				t.Errorf("branches of one transaction have gtrids %v, want one", gtrids)
			}
		})
	}
}
