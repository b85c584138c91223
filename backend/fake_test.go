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
// next command, and the command's answer is reached only through the
// Pending's Settle, which reads the start's answer first. A refused start
// leaves nothing of the command to read. A Pending dropped unsettled, or a
// Reply read after a later command, cannot misread: the connection refuses
// and is dropped. A refused start is queued again (Unstarted).
func TestStartWithSettle(t *testing.T) {
	const start = "XA START 'g','s0.1',1"
	tests := []struct {
		name  string
		start string // queued by StartWith; "" none
		// send: "query" (Send a COM_QUERY, the start inline), "ping" (Send
		// a COM_PING: the start runs first, answered), "pipelined"
		// (SendReadOnly a COM_PING: the start goes as its own command).
		send     string
		startErr bool // the shard refuses the start
		// misuse: "" settle and read; "drop" drop the Pending and run an
		// internal command; "stale" read the Reply of an earlier command
		// after sending this one unsettled.
		misuse      string
		wantErrCode uint16 // a server error, from Send or Settle
		wantBroken  bool
		wantLog     []string
	}{
		{name: "no start", send: "query", wantLog: []string{"DO 1"}},
		{name: "inline, settled", start: start, send: "query", wantLog: []string{start + "; DO 1"}},
		{name: "inline, start refused", start: start, send: "query", startErr: true, wantErrCode: mysql.ER_XAER_DUPID, wantLog: []string{start + "; DO 1"}},
		{name: "inline, dropped unsettled", start: start, send: "query", misuse: "drop", wantBroken: true, wantLog: []string{start + "; DO 1"}},
		{name: "inline, stale reply", start: start, send: "query", misuse: "stale", wantBroken: true, wantLog: []string{"DO 0", start + "; DO 1"}},
		{name: "own round trip, settled", start: start, send: "ping", wantLog: []string{start}},
		{name: "own round trip, start refused", start: start, send: "ping", startErr: true, wantErrCode: mysql.ER_XAER_DUPID, wantLog: []string{start}},
		{name: "pipelined, settled", start: start, send: "pipelined", wantLog: []string{start}},
		{name: "pipelined, start refused", start: start, send: "pipelined", startErr: true, wantErrCode: mysql.ER_XAER_DUPID, wantLog: []string{start}},
		{name: "pipelined, dropped unsettled", start: start, send: "pipelined", misuse: "drop", wantBroken: true, wantLog: []string{start}},
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
			var stale backend.Reply
			if tt.misuse == "stale" {
				sent, err := c.Send(ctx, mysql.COM_QUERY, []byte("DO 0"))
				if err == nil {
					stale, err = sent.Settle(ctx)
				}
				if err == nil {
					_, err = stale.ReadPacket(nil) // DO 0's OK: stale from now on
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			c.StartWith(tt.start)
			var sent backend.Pending
			switch tt.send {
			case "query":
				sent, err = c.Send(ctx, mysql.COM_QUERY, []byte("DO 1"))
			case "ping":
				sent, err = c.Send(ctx, mysql.COM_PING, nil)
			case "pipelined":
				sent, err = c.SendReadOnly(ctx, mysql.COM_PING, nil)
			}
			if err == nil {
				switch tt.misuse {
				case "":
					var r backend.Reply
					if r, err = sent.Settle(ctx); err == nil {
						var pk []byte
						pk, err = r.ReadPacket(nil)
						if err == nil && (len(pk) == 0 || pk[0] != mysql.OK_HEADER) {
							t.Fatalf("answer %x, want an OK packet", pk)
						}
					}
				case "drop":
					err = c.ExecAll(ctx, "DO 2")
				case "stale":
					_, err = stale.ReadPacket(nil)
				}
			}
			switch me, _ := backend.ServerError(err); {
			case tt.wantErrCode != 0:
				if me == nil || me.Code != tt.wantErrCode {
					t.Fatalf("error %v, want server error %d", err, tt.wantErrCode)
				}
			case tt.wantBroken:
				if err == nil || me != nil {
					t.Fatalf("error %v, want the unsettled start reported", err)
				}
			case err != nil:
				t.Fatal(err)
			}
			if c.Broken() != tt.wantBroken {
				t.Errorf("Broken() = %v, want %v", c.Broken(), tt.wantBroken)
			}
			// A refused read does not wait for the shard, which may still
			// be taking the query in.
			deadline := time.Now().Add(5 * time.Second)
			for len(f.Queries(id)) < before+len(tt.wantLog) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if got := f.Queries(id)[before:]; !slices.Equal(got, tt.wantLog) {
				t.Errorf("shard received %q, want %q", got, tt.wantLog)
			}
			if tt.startErr {
				// The refused start opened nothing: it is queued again.
				if !c.Unstarted() {
					t.Error("Unstarted() = false after the shard refused the start")
				}
				c.StartWith("")
			}
			if !tt.wantBroken {
				if c.Dirty() {
					t.Error("Dirty() after the answer was read")
				}
				// In step: the next command gets its own answer.
				if err := c.Ping(ctx); err != nil {
					t.Fatalf("ping after: %v", err)
				}
			}
			p.Release(c)
		})
	}
}

// TestSettleNothingSent: the zero Pending, which a failed Send returns with
// its error, settles to an error instead of a reader of nothing.
func TestSettleNothingSent(t *testing.T) {
	if _, err := (backend.Pending{}).Settle(context.Background()); err == nil {
		t.Fatal("Settle of the zero Pending: no error")
	}
}

// TestPrepareCache: Prepare answers a statement it prepared before from
// its cache, also right after serving another; Reprepare replaces it, and
// the next Prepare gets the new statement, not the one Prepare last
// returned (which the shard has closed).
func TestPrepareCache(t *testing.T) {
	ctx := context.Background()
	p, _ := fakePool(t)
	c, err := p.AcquireDB(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Release(c)
	const q1, q2 = "SELECT 1 FROM t WHERE id = ?", "SELECT 2 FROM t WHERE id = ?"
	prep := func(q string) *backend.Stmt {
		t.Helper()
		st, err := c.Prepare(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a := prep(q1)
	if prep(q1) != a {
		t.Fatal("the same text prepared twice in a row")
	}
	b := prep(q2)
	if b == a || prep(q1) != a || prep(q2) != b {
		t.Fatal("two texts in turn must each keep their statement")
	}
	fresh, err := c.Reprepare(ctx, q2)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == b || fresh.ID == b.ID {
		t.Fatal("Reprepare returned the old statement")
	}
	if got := prep(q2); got != fresh {
		t.Fatalf("after Reprepare, Prepare gave statement %d, want %d", got.ID, fresh.ID)
	}
}
