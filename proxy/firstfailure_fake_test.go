package proxy

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// TestFakePinFailureLostEndsTransaction: a split INSERT failing on s0
// naming no row, where s1's part (run to compare) raised a warning, runs
// s0's first rows alone to place that warning (failedInsertConditions);
// s0's branch lost there was swallowed and the transaction went on with a
// dead branch. The whole transaction is rolled back, naming s0.
func TestFakePinFailureLostEndsTransaction(t *testing.T) {
	e, s0, s1 := newSplitFailureEnv(t)
	warn := fakeshard.Answer{Affected: 1, Warnings: []fakeshard.Warning{{Level: "Note", Code: 1265, Message: "Data truncated for column 'v' at row 1"}}}
	s1.On("INSERT INTO `ranged`", warn)
	s1.On("INSERT INTO ranged", warn)
	var savepoints atomic.Int32
	s0.OnFunc("SAVEPOINT", func(uint32, string) fakeshard.Answer {
		// The first is the part's own (markPart); the next pinFailure's.
		return fakeshard.Answer{Drop: savepoints.Add(1) > 1}
	})
	c := e.connect(t)
	exec(t, c, "BEGIN")
	_, err := c.Execute("INSERT INTO ranged (id, v) VALUES (1, 'a'), (200, 'b'), (2, 'c')")
	me, isMy := err.(*mysql.MyError)
	if !isMy || !strings.Contains(me.Message, "whole transaction was rolled back") || !strings.Contains(me.Message, "shard s0") {
		t.Fatalf("split INSERT with s0's branch lost while pinning: %v, want the whole transaction rolled back on s0", err)
	}
	if savepoints.Load() < 2 {
		t.Errorf("s0 received %d savepoints, want its part's and pinFailure's", savepoints.Load())
	}
}

// TestFakeCheckPartLostNamesItsShard: s1's part, run to compare with
// s0's failure, losing its branch rolls the transaction back naming s1,
// where the proxy named s0, whose part had failed as a statement.
func TestFakeCheckPartLostNamesItsShard(t *testing.T) {
	e, _, s1 := newSplitFailureEnv(t)
	s1.On("INSERT INTO `ranged`", fakeshard.Answer{Drop: true})
	s1.On("INSERT INTO ranged", fakeshard.Answer{Drop: true})
	c := e.connect(t)
	exec(t, c, "BEGIN")
	_, err := c.Execute("INSERT INTO ranged (id, v) VALUES (1, 'a'), (200, 'b'), (2, 'c')")
	me, isMy := err.(*mysql.MyError)
	if !isMy || !strings.Contains(me.Message, "on shard s1;") {
		t.Fatalf("split INSERT with s1's branch lost in its check: %v, want the transaction rolled back on shard s1", err)
	}
}

// newSplitFailureEnv is two fake shards where a split INSERT into ranged
// fails on s0 with a duplicate naming no row; each shard answers the
// lock wait timeouts a check part reads (checkwait.go).
func newSplitFailureEnv(t *testing.T) (e *fakeEnv, s0, s1 *fakeshard.Shard) {
	t.Helper()
	e = newFakeEnv(t)
	s0, s1 = e.shards["s0"], e.shards["s1"]
	for _, f := range e.shards {
		f.On("SELECT @@SESSION.innodb_lock_wait_timeout", fakeshard.Rows([]string{"a", "b"}, []any{int64(50), int64(86400)}))
	}
	s0.On("INSERT INTO `ranged`", fakeshard.Error(mysql.ER_DUP_ENTRY, "Duplicate entry '2' for key 'PRIMARY'"))
	s0.On("INSERT INTO ranged", fakeshard.Error(mysql.ER_DUP_ENTRY, "Duplicate entry '2' for key 'PRIMARY'"))
	return e, s0, s1
}
