package backend_test

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

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

// TestStartWithSettle: a statement queued by StartWith travels with the
// next command, and its answer must be read by Settle before the
// command's own. A read that skips Settle fails and drops the connection
// instead of handing the caller the start's answer.
func TestStartWithSettle(t *testing.T) {
	const start = "XA START 'g','s0.1',1"
	tests := []struct {
		name     string
		readOnly bool // SendReadOnly with a COM_PING: the start goes as its own command
		startErr bool // the shard refuses the start
		settle   bool
		// want: the command's answer is read (an OK packet), else wantErr
		// (a server error from Settle, or the missing Settle).
		wantErrCode uint16
		wantBroken  bool
		wantLog     []string
	}{
		{name: "settled", settle: true, wantLog: []string{start + "; DO 1"}},
		{name: "start refused", settle: true, startErr: true, wantErrCode: mysql.ER_XAER_DUPID, wantLog: []string{start + "; DO 1"}},
		{name: "read without settle", wantBroken: true, wantLog: []string{start + "; DO 1"}},
		{name: "pipelined, settled", readOnly: true, settle: true, wantLog: []string{start}},
		{name: "pipelined, start refused", readOnly: true, settle: true, startErr: true, wantErrCode: mysql.ER_XAER_DUPID, wantLog: []string{start}},
		{name: "pipelined, read without settle", readOnly: true, wantBroken: true, wantLog: []string{start}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p, f := fakePool(t)
			if tt.startErr {
				f.On("XA START", fakeshard.Error(mysql.ER_XAER_DUPID, "XAER_DUPID: The XID already exists"))
			}
			c, err := p.AcquireDB(ctx, "shop")
			if err != nil {
				t.Fatal(err)
			}
			id := f.Conns()[0]
			before := len(f.Queries(id))
			c.StartWith(start)
			if tt.readOnly {
				err = c.SendReadOnly(ctx, mysql.COM_PING, nil)
			} else {
				err = c.Send(ctx, mysql.COM_QUERY, []byte("DO 1"))
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.settle {
				err = c.Settle(ctx)
			}
			if err == nil {
				var pk []byte
				pk, err = c.ReadPacket(nil)
				if err == nil && (len(pk) == 0 || pk[0] != mysql.OK_HEADER) {
					t.Fatalf("answer %x, want an OK packet", pk)
				}
			}
			switch me, _ := backend.ServerError(err); {
			case tt.wantErrCode != 0:
				if me == nil || me.Code != tt.wantErrCode {
					t.Fatalf("error %v, want server error %d", err, tt.wantErrCode)
				}
			case tt.wantBroken:
				if err == nil || me != nil {
					t.Fatalf("error %v, want the missing Settle reported", err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if c.Broken() != tt.wantBroken {
				t.Errorf("Broken() = %v, want %v", c.Broken(), tt.wantBroken)
			}
			// A read refused before Settle does not wait for the shard,
			// which may still be taking the query in.
			deadline := time.Now().Add(5 * time.Second)
			for len(f.Queries(id)) < before+len(tt.wantLog) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if got := f.Queries(id)[before:]; !slices.Equal(got, tt.wantLog) {
				t.Errorf("shard received %q, want %q", got, tt.wantLog)
			}
			if !tt.wantBroken {
				// In step: the next command gets its own answer.
				if err := c.Ping(ctx); err != nil {
					t.Fatalf("ping after: %v", err)
				}
			}
			p.Release(c)
		})
	}
}
