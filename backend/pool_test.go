package backend_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// fakePoolWith is fakePool with the bounds of cfg.
func fakePoolWith(t *testing.T, cfg backend.PoolConfig) *backend.Pool {
	t.Helper()
	f := fakeshard.New("s0")
	cfg.Dialer = backend.DialFunc(func(ctx context.Context, _ backend.Target) (net.Conn, error) { return f.Dial(ctx) })
	p := backend.NewPool(backend.Target{Shard: "s0", Addr: "fake:s0", User: fakeshard.User, Password: fakeshard.Password}, cfg)
	t.Cleanup(func() {
		p.Close()
		f.Close()
	})
	return p
}

func acquireN(t *testing.T, p *backend.Pool, n int) []*backend.Conn {
	t.Helper()
	out := make([]*backend.Conn, n)
	for i := range out {
		c, err := p.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

func wantStats(t *testing.T, p *backend.Pool, open, idle int) {
	t.Helper()
	if o, i := p.Stats(); o != open || i != idle {
		t.Fatalf("Stats = %d open, %d idle; want %d, %d", o, i, open, idle)
	}
}

// TestPoolHandsOutTheMostRecent: idle connections are a stack.
func TestPoolHandsOutTheMostRecent(t *testing.T) {
	p := fakePoolWith(t, backend.PoolConfig{MaxOpen: 4, MaxIdle: 4})
	cs := acquireN(t, p, 3)
	for _, c := range cs {
		p.Release(c)
	}
	for _, want := range []*backend.Conn{cs[2], cs[1], cs[0]} {
		c := acquireN(t, p, 1)[0]
		if c != want {
			t.Fatalf("got connection %d, want %d (the last released)", c.ThreadID(), want.ThreadID())
		}
	}
}

// TestPoolReapsTheExcess: after a burst, connections the load no longer
// needs close after the idle timeout, although the pool is busy all along.
func TestPoolReapsTheExcess(t *testing.T) {
	p := fakePoolWith(t, backend.PoolConfig{MaxOpen: 4, MaxIdle: 4, IdleTimeout: 200 * time.Millisecond})
	for _, c := range acquireN(t, p, 3) {
		p.Release(c)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := acquireN(t, p, 1)[0]
		p.Release(c)
		if open, _ := p.Stats(); open == 1 {
			break
		}
		if time.Now().After(deadline) {
			open, idle := p.Stats()
			t.Fatalf("after 5 s of one connection's load: %d open, %d idle; want 1 open", open, idle)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPoolWaiters: with MaxOpen in use, an acquirer waits for a released
// connection, or for the slot of a closed one, which it dials; one that
// gives up leaves nothing behind.
func TestPoolWaiters(t *testing.T) {
	tests := []struct {
		name   string
		broken bool // the connection released is broken: the waiter dials
	}{
		{name: "a released connection goes to the waiter"},
		{name: "a closed connection's slot goes to the waiter", broken: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fakePoolWith(t, backend.PoolConfig{MaxOpen: 1, MaxIdle: 1})
			held := acquireN(t, p, 1)[0]
			got := make(chan *backend.Conn, 1)
			go func() {
				c, err := p.Acquire(context.Background())
				if err != nil {
					t.Error(err)
				}
				got <- c
			}()
			for deadline := time.Now().Add(5 * time.Second); p.Waiting() != 1; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the second acquirer never queued")
				}
			}
			if tt.broken {
				held.MarkBroken()
			}
			p.Release(held)
			var c *backend.Conn
			select {
			case c = <-got:
			case <-time.After(5 * time.Second):
				t.Fatal("the waiter got nothing")
			}
			if c == nil {
				return
			}
			if same := c == held; same == tt.broken {
				t.Fatalf("the waiter got the released connection: %v, want %v", same, !tt.broken)
			}
			wantStats(t, p, 1, 0)
			p.Release(c)
			wantStats(t, p, 1, 1)
		})
	}
	t.Run("a waiter that times out leaves nothing behind", func(t *testing.T) {
		p := fakePoolWith(t, backend.PoolConfig{MaxOpen: 1, MaxIdle: 1, WaitTimeout: 100 * time.Millisecond})
		held := acquireN(t, p, 1)[0]
		_, err := p.Acquire(context.Background())
		if me, ok := backend.ServerError(err); !ok || me.Code != mysql.ER_CON_COUNT_ERROR {
			t.Fatalf("Acquire with max_open in use: %v, want error 1040", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := p.Acquire(ctx); err != context.Canceled {
			t.Fatalf("Acquire with a cancelled context: %v", err)
		}
		p.Release(held)
		wantStats(t, p, 1, 1)
		if c := acquireN(t, p, 1)[0]; c != held {
			t.Fatal("the released connection was not reused")
		}
	})
}
