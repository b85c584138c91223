package xa

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestMemLogConformance(t *testing.T) {
	t.Parallel()
	testLogConformance(t, func(t *testing.T) logTarget {
		const ttl = 300 * time.Millisecond
		store := NewMemLog(WithLeaseTTL(ttl))
		var once sync.Once
		return logTarget{
			ttl: ttl,
			open: func(t *testing.T) Log {
				var l *MemLog
				once.Do(func() { l = store })
				if l == nil {
					l = store.Open()
				}
				t.Cleanup(func() { _ = l.Close() })
				return l
			},
			stopKeepAlive: func(l Log, instance string) { l.(*MemLog).StopKeepAlive(instance) },
		}
	})
}

func TestMemLogFaults(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	var mu sync.Mutex
	faults := map[string]struct {
		apply bool
		err   error
	}{}
	l := NewMemLog(WithFault(func(op, key string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		f, ok := faults[op+" "+key]
		if !ok {
			return true, nil
		}
		return f.apply, f.err
	}))
	set := func(opKey string, apply bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		faults[opKey] = struct {
			apply bool
			err   error
		}{apply, err}
	}
	// Lost answer: stored, but the caller is told it is unknown.
	set("decide g1", true, ErrUnknown)
	if _, err := l.Decide(ctx, Decision{Gtrid: "g1", Outcome: Commit, Participants: []string{"s0"}}); !errors.Is(err, ErrUnknown) {
		t.Errorf("Decide(g1) = %v, want ErrUnknown", err)
	}
	if d, ok, err := l.Get(ctx, "g1"); !ok || err != nil || d.Outcome != Commit {
		t.Errorf("Get(g1) = %+v, %v, %v; want the commit stored despite the error", d, ok, err)
	}
	// Definite failure: nothing stored.
	set("decide g2", false, boom)
	if _, err := l.Decide(ctx, Decision{Gtrid: "g2", Outcome: Abort}); !errors.Is(err, boom) {
		t.Errorf("Decide(g2) = %v, want boom", err)
	}
	if _, ok, err := l.Get(ctx, "g2"); ok || err != nil {
		t.Errorf("Get(g2) = %v, %v; want nothing stored", ok, err)
	}
	set("get g1", false, boom)
	if _, _, err := l.Get(ctx, "g1"); !errors.Is(err, boom) {
		t.Errorf("Get(g1) = %v, want boom", err)
	}
	set("alive px1", false, boom)
	if _, err := l.Alive(ctx, "px1"); !errors.Is(err, boom) {
		t.Errorf("Alive = %v, want boom", err)
	}
}

func TestMemLogClockExpiry(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	l := NewMemLog(WithLeaseTTL(10*time.Second), WithClock(clock))
	if err := l.Register(ctx, "px1"); err != nil {
		t.Fatal(err)
	}
	advance(time.Hour)
	if alive, _ := l.Alive(ctx, "px1"); !alive {
		t.Fatal("kept-alive registration expired")
	}
	l.StopKeepAlive("px1")
	advance(9 * time.Second)
	if alive, _ := l.Alive(ctx, "px1"); !alive {
		t.Fatal("registration expired before its TTL")
	}
	advance(time.Second)
	if alive, _ := l.Alive(ctx, "px1"); alive {
		t.Fatal("registration alive after its TTL")
	}
	d, err := l.Decide(ctx, Decision{Gtrid: "g1", Outcome: Abort})
	if err != nil || !d.At.Equal(clock()) {
		t.Errorf("Decide At = %v, %v; want the clock's %v", d.At, err, clock())
	}
}
