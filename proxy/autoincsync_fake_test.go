package proxy

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/xaproxy/xaproxy/internal/fakeshard"
	"github.com/xaproxy/xaproxy/router"
)

// TestResyncAfterUnreadCounters: a table whose shards' counters a
// statement moved and could not be read is not given ids until they are:
// resync reads them (refusing while a shard fails), raises the sequence
// past them and forgets the table.
func TestResyncAfterUnreadCounters(t *testing.T) {
	e := newFakeEnv(t)
	var failing atomic.Bool
	failing.Store(true)
	for name, top := range map[string]uint64{"s0": 41, "s1": 500} {
		e.shards[name].OnFunc("SELECT COALESCE(MAX(AUTO_INCREMENT), 1) - 1 FROM information_schema.TABLES", func(uint32, string) fakeshard.Answer {
			if failing.Load() {
				return fakeshard.Error(1205, "Lock wait timeout exceeded")
			}
			return fakeshard.Rows([]string{"top"}, []any{top})
		})
	}
	ctx := context.Background()
	tbl := router.AutoIncTable{Schema: "shop", Table: "ranged"}
	if err := e.srv.resync(ctx, tbl); err != nil {
		t.Fatalf("a table nothing moved: %v", err)
	}
	e.srv.unsynced.mark(tbl)
	if err := e.srv.resync(ctx, tbl); err == nil {
		t.Fatal("resync with a failing shard: no error, want one (ids would repeat)")
	}
	if !e.srv.unsynced.has(tbl) {
		t.Fatal("a failed resync forgot the table")
	}
	failing.Store(false)
	if err := e.srv.resync(ctx, tbl); err != nil {
		t.Fatalf("resync: %v", err)
	}
	if e.srv.unsynced.has(tbl) {
		t.Error("the table is still marked after a resync")
	}
	next, err := e.srv.ids.Next(ctx, "shop", "ranged", 1, 0, func(context.Context) (uint64, error) { return 0, nil })
	if err != nil {
		t.Fatal(err)
	}
	if next != 501 {
		t.Errorf("next id %d after the counters' 500, want 501", next)
	}
}
