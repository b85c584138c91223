// Package backend holds the connections from the proxy to the MySQL/MariaDB
// shards: dialing, pooling, session-state replay and raw command I/O.
package backend

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// Target is where a shard lives and how to log in.
type Target struct {
	Shard    string
	Addr     string
	Network  string // "tcp" or "unix"
	User     string
	Password string
}

// Stmt is a statement prepared on one backend connection.
type Stmt struct {
	ID        uint32
	Params    int
	Columns   int
	RawParams [][]byte
	RawCols   [][]byte
}

// Conn is one connection to a shard. It is owned by one session at a time.
type Conn struct {
	c        *client.Conn
	shard    string
	threadID uint32
	// db and vars describe the session state last applied on this connection,
	// so that a session only pays for a replay when the state differs.
	db       string
	vars     State
	stmts    map[string]*Stmt
	stmtLRU  []string
	lastUsed time.Time
	broken   bool
	lostIO   bool // broken by an I/O error, not by choice
	scratch  []byte
}

// maxCachedStmts bounds the prepared statements kept open per connection;
// MariaDB's max_prepared_stmt_count is server-wide (16382 by default).
const maxCachedStmts = 256

// dial opens a connection in the classic protocol (EOF packets, no query
// attributes) so that result packets can be forwarded to clients untouched.
func dial(ctx context.Context, t Target, timeout time.Duration) (*Conn, error) {
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout}
		return d.DialContext(ctx, network, addr)
	}
	network := t.Network
	if network == "" {
		network = "tcp"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := func(c *client.Conn) error {
		c.UnsetCapability(mysql.CLIENT_DEPRECATE_EOF)
		c.UnsetCapability(mysql.CLIENT_QUERY_ATTRIBUTES)
		_ = c.SetCapability(mysql.CLIENT_MULTI_RESULTS)
		_ = c.SetCapability(mysql.CLIENT_PS_MULTI_RESULTS)
		_ = c.SetCapability(mysql.CLIENT_MULTI_STATEMENTS)
		c.SetAttributes(map[string]string{"program_name": "xaproxy"})
		return nil
	}
	// The handshake itself has no context; a deadline on the socket bounds it.
	c, err := client.ConnectWithDialer(ctx, network, t.Addr, t.User, t.Password, "", func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := dialer(ctx, network, addr)
		if err == nil {
			_ = nc.SetDeadline(time.Now().Add(timeout))
		}
		return nc, err
	}, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to shard %s (%s): %w", t.Shard, t.Addr, err)
	}
	_ = c.Conn.SetDeadline(time.Time{})
	return &Conn{
		c:        c,
		shard:    t.Shard,
		threadID: c.GetConnectionID(),
		stmts:    make(map[string]*Stmt),
		lastUsed: time.Now(),
		scratch:  make([]byte, 4, 16*1024),
	}, nil
}

// Shard names the shard this connection belongs to.
func (b *Conn) Shard() string { return b.shard }

// ThreadID is the backend's connection id (for KILL and XA ownership).
func (b *Conn) ThreadID() uint32 { return b.threadID }

// MarkBroken makes the pool drop the connection instead of reusing it: its
// protocol state is unknown (an I/O error, a cancelled statement).
func (b *Conn) MarkBroken() { b.broken = true }

// Broken tells whether the connection must not be reused.
func (b *Conn) Broken() bool { return b.broken }

func (b *Conn) close() {
	b.broken = true
	_ = b.c.Close()
}

// watch aborts blocking I/O when ctx ends; the connection is then broken.
func (b *Conn) watch(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() {
		b.broken = true
		_ = b.c.Conn.SetDeadline(time.Now())
	})
}

// Exec runs an internal statement and reads its whole result (small results only).
func (b *Conn) Exec(ctx context.Context, query string) (*mysql.Result, error) {
	defer b.watch(ctx)()
	r, err := b.c.Execute(query)
	if err != nil {
		b.noteErr(err)
		return nil, err
	}
	return r, nil
}

// noteErr marks the connection broken unless err is a server error packet,
// after which the protocol state is still clean.
func (b *Conn) noteErr(err error) {
	if !IsServerError(err) {
		b.broken, b.lostIO = true, true
	}
}

// IsServerError tells an error packet from the server (the connection is
// still usable) from an I/O or protocol error.
func IsServerError(err error) bool {
	var me *mysql.MyError
	return asMyError(err, &me)
}

// Ping checks the connection.
func (b *Conn) Ping(ctx context.Context) error {
	defer b.watch(ctx)()
	if err := b.c.Ping(); err != nil {
		b.broken, b.lostIO = true, true
		return err
	}
	return nil
}

// UseDB switches the connection's default database.
func (b *Conn) UseDB(ctx context.Context, db string) error {
	if db == "" || db == b.db {
		return nil
	}
	defer b.watch(ctx)()
	if err := b.c.UseDB(db); err != nil {
		b.noteErr(err)
		return err
	}
	b.db = db
	return nil
}

// stmtKey identifies a prepared statement on this connection: the server
// resolves unqualified tables with the current database and parses with the
// current sql_mode and character set at PREPARE time, so the same text
// prepared under another database or mode is another statement.
func (b *Conn) stmtKey(query string) string {
	mode, _ := b.vars.Get("@@session.sql_mode")
	names, _ := b.vars.Get("NAMES")
	return b.db + "\x00" + mode + "\x00" + names + "\x00" + query
}

// Prepare returns the statement prepared on this connection, preparing it on
// first use. Statements are cached per connection because server-side
// prepared statements live in the server session.
func (b *Conn) Prepare(ctx context.Context, query string) (*Stmt, error) {
	key := b.stmtKey(query)
	if s, ok := b.stmts[key]; ok {
		return s, nil
	}
	defer b.watch(ctx)()
	cs, err := b.c.Prepare(query)
	if err != nil {
		b.noteErr(err)
		return nil, err
	}
	s := &Stmt{ID: cs.ID, Params: cs.Params, Columns: cs.Columns, RawParams: cs.RawParamFields, RawCols: cs.RawColumnFields}
	if len(b.stmtLRU) >= maxCachedStmts {
		old := b.stmtLRU[0]
		b.stmtLRU = b.stmtLRU[1:]
		if os, ok := b.stmts[old]; ok {
			delete(b.stmts, old)
			if err := b.writeCommand(mysql.COM_STMT_CLOSE, le32(os.ID)); err != nil {
				return nil, err
			}
		}
	}
	b.stmts[key] = s
	b.stmtLRU = append(b.stmtLRU, key)
	return s, nil
}

func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

// writeCommand sends one command packet (sequence 0).
func (b *Conn) writeCommand(cmd byte, payload []byte) error {
	b.c.ResetSequence()
	buf := append(b.scratch[:4], cmd)
	buf = append(buf, payload...)
	if err := b.c.WritePacket(buf); err != nil {
		b.broken, b.lostIO = true, true
		return fmt.Errorf("shard %s: %w", b.shard, err)
	}
	if cap(buf) <= 1<<20 {
		b.scratch = buf[:4]
	}
	return nil
}

// Send writes a command and leaves its response to be read with ReadPacket.
func (b *Conn) Send(ctx context.Context, cmd byte, payload []byte) error {
	_ = ctx
	return b.writeCommand(cmd, payload)
}

// ReadPacket reads the next response packet, appending it to dst (which may
// hold reserved header room), so forwarding needs no copy per row.
func (b *Conn) ReadPacket(dst []byte) ([]byte, error) {
	p, err := b.c.ReadPacketReuseMem(dst)
	if err != nil {
		b.broken, b.lostIO = true, true
		return nil, fmt.Errorf("shard %s: lost connection: %w", b.shard, err)
	}
	return p, nil
}

// Deadline support for statement timeouts and cancellation.
func (b *Conn) Watch(ctx context.Context) (stop func() bool) { return b.watch(ctx) }
