package proxy

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
	"github.com/xaproxy/xaproxy/router"
)

// TestFakeReservedSavepointRefused: the savepoint the proxy sets before each
// part of a multi-shard write is refused to clients in a transaction over
// shards: the next such write would move theirs, and ROLLBACK TO it would
// keep what that write did on its first shards. Other names run.
func TestFakeReservedSavepointRefused(t *testing.T) {
	tests := []struct {
		stmt    string
		refused bool
	}{
		{"SAVEPOINT __xaproxy_stmt", true},
		{"SAVEPOINT `__XAPROXY_STMT`", true},
		{"SAVEPOINT __xaproxy_stmt2", false},
		{"SAVEPOINT a", false},
	}
	for _, tt := range tests {
		t.Run(tt.stmt, func(t *testing.T) {
			e := newFakeEnv(t)
			c := e.connect(t)
			exec(t, c, "BEGIN")
			_, err := c.Execute(tt.stmt)
			me, isMy := err.(*mysql.MyError)
			switch {
			case tt.refused && (!isMy || me.Code != mysql.ER_NOT_SUPPORTED_YET):
				t.Errorf("%s: %v, want error %d", tt.stmt, err, mysql.ER_NOT_SUPPORTED_YET)
			case !tt.refused && err != nil:
				t.Errorf("%s: %v, want OK", tt.stmt, err)
			}
			exec(t, c, "ROLLBACK")
		})
	}
}

// TestFakeLostBranchEndsMultiShardWrite: a multi-shard write whose later
// part finds its shard's branch connection lost (here while the session's
// variables are brought to it) did not fail as a statement: the branch is
// gone, so the whole transaction is rolled back, as for a connection lost
// during the part itself, and the first shard's part is not merely undone
// to its savepoint.
func TestFakeLostBranchEndsMultiShardWrite(t *testing.T) {
	e := newFakeEnv(t)
	for _, f := range e.shards {
		f.On("INSERT INTO ranged", fakeshard.Answer{Affected: 1})
		f.On("INSERT INTO `ranged`", fakeshard.Answer{Affected: 1})
		f.On("SELECT @x", fakeshard.Rows([]string{"@x", "HEX(@x)", "COLLATION(@x)"}, []any{int64(5), "5", "binary"}))
	}
	c := e.connect(t)
	// The SET runs on the transaction's first branch (s0): s1's is brought
	// to it before its next statement.
	exec(t, c, "BEGIN", "INSERT INTO ranged (id, v) VALUES (1, 'a')", "INSERT INTO ranged (id, v) VALUES (200, 'c')")
	branch := e.usedBy("s1", "XA START")
	if len(branch) != 1 {
		t.Fatalf("s1 branch connections: %v, want one", branch)
	}
	e.shards["s1"].OnFunc("SET @x", func(conn uint32, _ string) fakeshard.Answer {
		return fakeshard.Answer{Drop: conn == branch[0]}
	})
	exec(t, c, "SET @x = 5")
	_, err := c.Execute("INSERT INTO ranged (id, v) VALUES (2, 'b'), (201, 'd')")
	me, isMy := err.(*mysql.MyError)
	if !isMy || !strings.Contains(me.Message, "whole transaction was rolled back") {
		t.Fatalf("multi-shard INSERT with s1's branch lost: %v, want the whole transaction rolled back", err)
	}
	s0 := e.usedBy("s0", "XA START")
	if len(s0) != 1 {
		t.Fatalf("s0 branch connections: %v, want one", s0)
	}
	got := clientQueries(e.queries("s0", s0[0]))
	if slices.ContainsFunc(got, func(q string) bool { return strings.HasPrefix(q, "ROLLBACK TO") }) ||
		!slices.ContainsFunc(got, func(q string) bool { return strings.Contains(q, "XA ROLLBACK") }) {
		t.Errorf("s0 branch received %q, want its XA ROLLBACK and no ROLLBACK TO SAVEPOINT", got)
	}
}

// TestUndoPartsWithoutTransaction: with no transaction (a statement that
// runs outside one), no branch is lost and nothing can be undone: an
// error, never a nil dereference, so the caller rolls back as before.
func TestUndoPartsWithoutTransaction(t *testing.T) {
	s := &Session{}
	if s.branchLost("s0") {
		t.Error("branchLost without a transaction = true, want false")
	}
	if err := s.undoParts(context.Background(), nil); err != nil {
		t.Errorf("undoParts of no part: %v, want nil", err)
	}
	if err := s.undoParts(context.Background(), []router.Part{{Shard: "s0"}}); err == nil {
		t.Error("undoParts of a part without a transaction: nil, want an error")
	}
}
