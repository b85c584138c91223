package backend_test

import (
	"context"
	"net"
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// fakePool is a pool whose connections go to an in-process fake shard.
func fakePool(t *testing.T) (*backend.Pool, *fakeshard.Shard) {
	t.Helper()
	f := fakeshard.New("s0")
	p := backend.NewPool(backend.Target{Shard: "s0", Addr: "fake:s0", User: fakeshard.User, Password: fakeshard.Password},
		backend.PoolConfig{MaxOpen: 4, MaxIdle: 4, Dialer: backend.DialFunc(func(ctx context.Context, _ backend.Target) (net.Conn, error) {
			return f.Dial(ctx)
		})})
	t.Cleanup(func() {
		p.Close()
		f.Close()
	})
	return p, f
}

// TestPoolDialer: the pool dials through its Dialer and speaks the real
// client protocol over it, multi-statement answers included.
func TestPoolDialer(t *testing.T) {
	ctx := context.Background()
	p, f := fakePool(t)
	c, err := p.AcquireDB(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := p.ServerVersionID(); !ok || id != 101119 {
		t.Errorf("ServerVersionID = %d, %v; want 101119 from the fake's handshake", id, ok)
	}
	if err := c.Sync(ctx, "shop", backend.State{}.With(backend.Var{Name: "@x", Value: "1"})); err != nil {
		t.Fatal(err)
	}
	if err := c.ExecAll(ctx, "XA END 'a'", "XA PREPARE 'a'"); err != nil {
		t.Fatal(err)
	}
	f.On("XA COMMIT 'b'", fakeshard.Error(mysql.ER_XAER_NOTA, "XAER_NOTA: Unknown XID"))
	err = c.ExecAll(ctx, "XA END 'b'", "XA COMMIT 'b'", "DO 1")
	if me, ok := backend.ServerError(err); !ok || me.Code != mysql.ER_XAER_NOTA {
		t.Fatalf("ExecAll with a failing statement: %v, want error %d", err, mysql.ER_XAER_NOTA)
	}
	// The connection is still in step: the next command gets its own answer.
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	p.Release(c)
	if open, idle := p.Stats(); open != 1 || idle != 1 {
		t.Errorf("Stats = %d open, %d idle; want 1, 1", open, idle)
	}
	id := f.Conns()[0]
	want := []string{
		"SET @@session.character_set_client = DEFAULT, @@session.character_set_results = DEFAULT, @@session.collation_connection = DEFAULT; SET @x = 1",
		"XA END 'a'; XA PREPARE 'a'",
		"XA END 'b'; XA COMMIT 'b'; DO 1",
	}
	if got := f.Queries(id); !slices.Equal(got, want) {
		t.Errorf("queries:\n got %q\nwant %q", got, want)
	}
}
