package proxy

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// columnsWithW is scriptCatalog's column answer after a column w was added
// to ranged on a shard directly.
func columnsWithW() fakeshard.Answer {
	return fakeshard.Rows(
		[]string{"TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "COLUMN_TYPE", "IS_NULLABLE", "COLUMN_DEFAULT", "EXTRA"},
		[]any{"shop", "ranged", "id", "1", "int(11)", "NO", nil, ""},
		[]any{"shop", "ranged", "v", "2", "varchar(10)", "YES", "NULL", ""},
		[]any{"shop", "ranged", "w", "3", "int(11)", "YES", "NULL", ""})
}

// A read of the definitions that finds every shard as it was keeps the
// catalog and its generation (plans carry it: a new one plans every cached
// shape and prepared statement again); a change, or a shard that could not
// be read last time, makes a new one.
func TestCatalogReadKeepsWhatIsUnchanged(t *testing.T) {
	e := newFakeEnv(t)
	ctx := context.Background()
	var readErr error
	read := func() *catalog.Catalog {
		t.Helper()
		c, err := e.srv.refreshCatalog(ctx, time.Now())
		if c == nil {
			t.Fatal("no catalog")
		}
		readErr = err
		return c
	}
	first := read()
	if again := read(); again != first || readErr != nil {
		t.Fatalf("an unchanged read made generation %d after %d", again.Gen(), first.Gen())
	}

	e.shards["s1"].On(catalogPrefix(catalog.QueryColumns), columnsWithW())
	changed := read()
	if changed == first || changed.Gen() == first.Gen() {
		t.Fatal("a column added on s1 kept the old catalog")
	}
	// The definition is s0's; s1's differs.
	if d := changed.Differences(); len(d) != 1 || d[0].Shard != "s1" {
		t.Fatalf("differences after the change on s1: %+v", d)
	}

	// s0 cannot be read: its last definitions are kept, and the read
	// fails. While it stays so, and once it answers as before, the
	// catalog is the same: it is kept (no plan is made again at each
	// periodic read of an outage).
	// The outage is said once (Warn), not at every read.
	var logged bytes.Buffer
	e.srv.log = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.shards["s0"].On(catalogPrefix(catalog.QueryColumns), fakeshard.Error(1045, "denied"))
	if partial := read(); readErr == nil || partial != changed {
		t.Fatalf("a read with s0 failing: error %v, new catalog %v", readErr, partial != changed)
	}
	if again := read(); readErr == nil || again != changed {
		t.Fatalf("a second read with s0 failing: error %v, new catalog %v", readErr, again != changed)
	}
	if n := strings.Count(logged.String(), "level=WARN msg=\"schema catalog: some shards could not be read"); n != 1 {
		t.Errorf("the outage was warned of %d times, want once:\n%s", n, logged.String())
	}
	scriptCatalog(e.shards["s0"])
	if healed := read(); readErr != nil || healed != changed {
		t.Fatalf("the read after s0 answered as before: error %v, new catalog %v", readErr, healed != changed)
	}
}

// A read the caller gives up on (the proxy stopping) keeps the catalog:
// the shards' failures then say nothing about them.
func TestCatalogReadCanceled(t *testing.T) {
	e := newFakeEnv(t)
	first, err := e.srv.refreshCatalog(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := e.srv.refreshCatalog(ctx, time.Now())
	if c != first || err == nil {
		t.Fatalf("a canceled read: error %v, new catalog %v", err, c != first)
	}
	// Its failures are not taken for the shards'.
	e.srv.catLoader.mu.Lock()
	defer e.srv.catLoader.mu.Unlock()
	if lastErr := e.srv.catLoader.lastErr; lastErr != nil {
		t.Errorf("a canceled read recorded the shards as failing: %v", lastErr)
	}
}

// readsAfter waits until a catalog read that began after t0 has ended.
func readsAfter(t *testing.T, s *Server, t0 time.Time) {
	t.Helper()
	waitFor(t, "a catalog read", func() bool {
		s.catLoader.mu.Lock() // held for a whole read: this waits for its end
		defer s.catLoader.mu.Unlock()
		return s.catLoader.started.After(t0)
	})
}

// A shard that fails the first read is marked failed in the catalog; the
// first read that reaches it makes a catalog without the mark.
func TestCatalogReadAfterAFirstFailure(t *testing.T) {
	e := newFakeEnv(t)
	ctx := context.Background()
	e.shards["s1"].On(catalogPrefix(catalog.QueryColumns), fakeshard.Error(1045, "denied"))
	first, err := e.srv.refreshCatalog(ctx, time.Now())
	if _, failed := first.Failed()["s1"]; err == nil || !failed {
		t.Fatalf("first read with s1 failing: error %v, failed %v", err, first.Failed())
	}
	scriptCatalog(e.shards["s1"])
	healed, err := e.srv.refreshCatalog(ctx, time.Now())
	if _, failed := healed.Failed()["s1"]; err != nil || failed || healed == first {
		t.Fatalf("read after s1 answered: error %v, failed %v, same catalog %v", err, healed.Failed(), healed == first)
	}
}

// A caller that asked for a read before another caller's read was
// canceled does its own: the canceled one read nothing.
func TestCatalogReadAfterACanceledOne(t *testing.T) {
	e := newFakeEnv(t)
	first, err := e.srv.refreshCatalog(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	asked := time.Now() // a session asks, after the shards changed
	for _, f := range e.shards {
		f.On(catalogPrefix(catalog.QueryColumns), columnsWithW())
	}
	time.Sleep(time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // another session's read, begun later, is canceled
	_, _ = e.srv.refreshCatalog(ctx, time.Now())
	c, err := e.srv.refreshCatalog(context.Background(), asked)
	if err != nil || c == first || len(c.Table("shop", "ranged").Columns) != 3 {
		t.Fatalf("the waiting read: error %v, new catalog %v; want the new column read", err, c != first)
	}
}

// CatalogLoop reads the definitions on its interval: a change made on the
// shards directly is seen without any statement asking for it.
func TestCatalogLoopSeesDirectChanges(t *testing.T) {
	e := newFakeEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, _ := e.srv.refreshCatalog(ctx, time.Now())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.CatalogLoop(ctx, 20*time.Millisecond)
	}()
	t0 := time.Now()
	readsAfter(t, e.srv, t0)
	readsAfter(t, e.srv, time.Now()) // two unchanged reads at least
	if c := e.srv.router.Catalog(); c != first {
		t.Fatalf("unchanged reads replaced the catalog (generation %d after %d)", c.Gen(), first.Gen())
	}
	for _, f := range e.shards {
		f.On(catalogPrefix(catalog.QueryColumns), columnsWithW())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if tb := e.srv.router.Catalog().Table("shop", "ranged"); tb != nil && len(tb.Columns) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the loop did not read the new column within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("CatalogLoop did not return after its context ended")
	}
}
