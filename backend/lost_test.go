package backend

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// TestLostStreamNotReused: once an answer made no sense, the connection
// writes nothing more: what is left on it could be read as the answer to
// the next command (the XA coordinator's phase-two retry of a branch).
func TestLostStreamNotReused(t *testing.T) {
	ctx := context.Background()
	f := fakeshard.New("s0")
	var writes atomic.Int32
	p := NewPool(Target{Shard: "s0", Addr: "fake:s0", User: fakeshard.User, Password: fakeshard.Password},
		PoolConfig{MaxOpen: 1, MaxIdle: 1, Dialer: DialFunc(func(ctx context.Context, _ Target) (net.Conn, error) {
			nc, err := f.Dial(ctx)
			return writeCounter{Conn: nc, n: &writes}, err
		})})
	t.Cleanup(func() {
		p.Close()
		f.Close()
	})
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release(c)
	// Two columns where SELECT @@last_insert_id has one: malformed.
	f.On("SELECT @@last_insert_id", fakeshard.Rows([]string{"a", "b"}, []any{int64(1), int64(2)}))
	if _, _, err := c.ExecAllReadingLastID(ctx, "COMMIT"); err == nil {
		t.Fatal("a malformed answer was accepted")
	}
	before := writes.Load()
	if before == 0 {
		t.Fatal("no write counted before the loss: the counter is not on the connection, so the check below could not fail")
	}
	if err := c.ExecAll(ctx, "XA COMMIT 'x'"); err == nil {
		t.Fatal("ExecAll on a connection whose stream was lost: no error")
	}
	if _, err := c.Exec(ctx, "SELECT 1"); err == nil {
		t.Fatal("Exec on a connection whose stream was lost: no error")
	}
	if n := writes.Load() - before; n != 0 {
		t.Fatalf("%d writes on the connection after its stream was lost, want 0", n)
	}
}
