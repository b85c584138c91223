// Package backend holds the connections from the proxy to the MySQL/MariaDB
// shards: dialing, pooling, session-state replay and raw command I/O.
package backend

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
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
	TLS      *tls.Config // nil: no TLS (see ClientTLSConfig)
}

// Stmt is a statement prepared on one backend connection.
type Stmt struct {
	ID        uint32
	Params    int
	Columns   int
	RawParams [][]byte
	RawCols   [][]byte
	// Extended: the definitions carry MariaDB's extended metadata block.
	Extended bool
}

// Conn is one connection to a shard. It is owned by one session at a time.
type Conn struct {
	c        *client.Conn
	shard    string
	threadID uint32
	// lastInsertID is the connection's @@last_insert_id as far as the
	// proxy knows it (lastIDKnown false: it may have changed since).
	lastInsertID uint64
	lastIDKnown  bool
	// db and vars describe the session state last applied on this connection,
	// so that a session only pays for a replay when the state differs.
	db   string
	vars State
	// nextTxSet: a SET TRANSACTION was sent outside a transaction
	// (NoteNextTxChars); Sync ends it before anything else uses c.
	nextTxSet bool
	stmts     map[stmtKey]*Stmt
	// lastKey and lastStmt repeat the statement Prepare found last:
	// comparing keys is cheaper than hashing one (the same strings,
	// compared by pointer first), and a pooled connection often serves
	// one statement after another. Cleared whenever stmts loses one.
	lastKey  stmtKey
	lastStmt *Stmt
	stmtLRU  []stmtKey
	lastUsed time.Time
	// prefix is a statement to run before the next command (StartWith);
	// inlinePrefix: it was sent inside the last query and its answer comes
	// first.
	prefix       string
	inlinePrefix bool
	// pipelined: the prefix went as its own command right before the last
	// one (SendReadOnly); if it failed, that command's answer is drained.
	pipelined bool
	// sentPrefix is the prefix in flight (inlinePrefix): a shard that
	// refuses it opened no transaction, so it is queued again (Unstarted).
	sentPrefix string
	broken     bool
	lostIO     bool // broken by an I/O error, not by choice
	// aborted is set by Abort, which runs on a context's AfterFunc
	// goroutine while the owner may be reading broken: hence atomic.
	aborted atomic.Bool
	// maxPacket is the shard's max_allowed_packet for this connection, 0
	// until a large command needed it (packet.go).
	maxPacket int
	scratch   []byte
	// hdr receives each response packet's header: a local array would
	// escape through io.ReadFull and cost an allocation per packet.
	hdr [4]byte
	// rd reads responses to forwarded commands. go-mysql's own reader
	// copies each packet three times; go-mysql still reads the answers of
	// the commands it sends itself (Exec, Prepare, Ping, UseDB), which is
	// safe because neither reader can hold bytes of the other's response:
	// the server sends nothing it was not asked for.
	rd *bufio.Reader
	// extMeta: the connection negotiated MariaDB's extended metadata, so
	// every column definition it sends carries the block (extmeta.go);
	// Exec then reads results itself (extmeta_exec.go).
	extMeta bool
}

// maxCachedStmts bounds the prepared statements kept open per connection;
// MariaDB's max_prepared_stmt_count is server-wide (16382 by default).
const maxCachedStmts = 256

// dial opens a connection in the classic protocol (EOF packets, no query
// attributes) so that result packets can be forwarded to clients untouched.
// d opens the stream; the handshake (and TLS) is ours over it.
func dial(ctx context.Context, t Target, timeout time.Duration, d Dialer) (*Conn, error) {
	if d == nil {
		d = NetDialer{Timeout: timeout}
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
		// LOAD DATA LOCAL INFILE: the shard asks for the file, which the
		// proxy relays from its client (localinfile.go in proxy/). The
		// proxy sends such statements only for clients that announced the
		// capability themselves.
		_ = c.SetCapability(mysql.CLIENT_LOCAL_FILES)
		c.SetAttributes(map[string]string{"program_name": "xaproxy"})
		// go-mysql's default, 255 (utf8mb4_0900_ai_ci), is unknown to
		// MariaDB, which then gives the server default (often latin1).
		// Sync sets the session's character set anyway; this only makes
		// the handshake's own state sane.
		return c.SetCollation("utf8mb4_general_ci")
	}
	// The handshake itself has no context; a deadline on the socket bounds it.
	var em *extMetaConn
	c, err := client.ConnectWithDialer(ctx, network, t.Addr, t.User, t.Password, "", func(ctx context.Context, _, _ string) (net.Conn, error) {
		nc, err := d.Dial(ctx, t)
		if err != nil {
			return nil, err
		}
		_ = nc.SetDeadline(time.Now().Add(timeout))
		if t.TLS == nil {
			em = &extMetaConn{Conn: nc}
			return em, nil
		}
		return nc, nil
	}, opts, withTLS(t.TLS))
	if err != nil {
		return nil, fmt.Errorf("connect to shard %s (%s): %w", t.Shard, t.Addr, err)
	}
	_ = c.Conn.SetDeadline(time.Time{})
	return &Conn{
		c:        c,
		shard:    t.Shard,
		threadID: c.GetConnectionID(),
		// A new MariaDB session's LAST_INSERT_ID() is 0.
		lastIDKnown: true,
		vars:        unsyncedCharset(),
		stmts:       make(map[stmtKey]*Stmt),
		lastUsed:    time.Now(),
		scratch:     make([]byte, 4, 16*1024),
		rd:          bufio.NewReaderSize(c.Conn, 64<<10),
		extMeta:     em != nil && em.asked,
	}, nil
}

// ExtendedMetadata tells whether the connection's column definitions carry
// MariaDB's extended metadata block.
func (b *Conn) ExtendedMetadata() bool { return b.extMeta }

// Shard names the shard this connection belongs to.
func (b *Conn) Shard() string { return b.shard }

// ThreadID is the backend's connection id (for KILL and XA ownership).
func (b *Conn) ThreadID() uint32 { return b.threadID }

// MarkBroken makes the pool drop the connection instead of reusing it: its
// protocol state is unknown (an I/O error, a cancelled statement).
func (b *Conn) MarkBroken() { b.broken = true }

// Broken tells whether the connection must not be reused.
func (b *Conn) Broken() bool { return b.broken || b.aborted.Load() }

// Close closes the connection's socket now; it is broken, and Release
// still gives its slot back. The XA coordinator closes a branch whose
// stream was lost so that the server detaches its prepared branch, which
// another connection can then commit.
func (b *Conn) Close() { b.close() }

func (b *Conn) close() {
	b.broken = true
	_ = b.c.Close()
}

// watch aborts blocking I/O when ctx ends; the connection is then broken.
// The returned function ends the watch; if ctx ended meanwhile, Abort has
// started or is about to, and will put a deadline in the past on the
// socket: the connection is marked broken at once, so that it never goes
// back to the pool to fail someone else's next statement.
func (b *Conn) watch(ctx context.Context) (stop func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	unwatch := context.AfterFunc(ctx, b.Abort)
	return func() {
		if !unwatch() {
			b.aborted.Store(true)
		}
	}
}

// Abort ends the connection's blocking I/O now and marks it broken: a
// caller that watches one context for several connections at once (the
// XA coordinator's phases) calls it when that context ends.
func (b *Conn) Abort() {
	b.aborted.Store(true)
	_ = b.c.Conn.SetDeadline(time.Now())
}

// Exec runs an internal statement and reads its whole result (small results only).
func (b *Conn) Exec(ctx context.Context, query string) (*mysql.Result, error) {
	if b.prefix != "" {
		if err := b.sendPrefix(ctx); err != nil {
			return nil, err
		}
	}
	return b.execute(ctx, query)
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
// prepared under another database or mode is another statement. The
// column definitions PREPARE answers carry character_set_results (or, when
// it is NULL, the columns' own collations), so it is part of the key too.
// A struct, not the fields joined in one string: every execute looks its
// statement up, and building the string cost an allocation each time.
type stmtKey struct {
	db    string
	vars  stmtVars
	query string
}

// stmtVars are the session variables a server reads a statement with at
// PREPARE time: a cached statement serves only under the same ones.
type stmtVars struct {
	mode, client, results, coll string
}

func (b *Conn) stmtKey(query string) stmtKey {
	return stmtKey{db: b.db, vars: b.vars.hot.stmt, query: query}
}

// Reprepare prepares query again even if it is cached, so that the server
// checks it as it is now (LOCK TABLES refuses tables it did not lock at
// PREPARE time; a cached statement would hide that).
func (b *Conn) Reprepare(ctx context.Context, query string) (*Stmt, error) {
	key := b.stmtKey(query)
	if old, ok := b.stmts[key]; ok {
		delete(b.stmts, key)
		b.lastStmt = nil
		for i, k := range b.stmtLRU {
			if k == key {
				b.stmtLRU = append(b.stmtLRU[:i], b.stmtLRU[i+1:]...)
				break
			}
		}
		if err := b.writeCommand(mysql.COM_STMT_CLOSE, le32(old.ID)); err != nil {
			return nil, err
		}
	}
	return b.Prepare(ctx, query)
}

// Prepare returns the statement prepared on this connection, preparing it on
// first use. Statements are cached per connection because server-side
// prepared statements live in the server session.
func (b *Conn) Prepare(ctx context.Context, query string) (*Stmt, error) {
	key := b.stmtKey(query)
	if b.lastStmt != nil && key == b.lastKey {
		return b.lastStmt, nil
	}
	if s, ok := b.stmts[key]; ok {
		b.lastKey, b.lastStmt = key, s
		return s, nil
	}
	defer b.watch(ctx)()
	cs, err := b.c.Prepare(query)
	if err != nil {
		b.noteErr(err)
		return nil, err
	}
	s := &Stmt{ID: cs.ID, Params: cs.Params, Columns: cs.Columns, RawParams: cs.RawParamFields, RawCols: cs.RawColumnFields, Extended: b.extMeta}
	if len(b.stmtLRU) >= maxCachedStmts {
		old := b.stmtLRU[0]
		b.stmtLRU = b.stmtLRU[1:]
		if os, ok := b.stmts[old]; ok {
			delete(b.stmts, old)
			b.lastStmt = nil
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

// errStreamLost refuses to write on a connection whose stream was lost (an
// I/O error or an answer that made no sense): what is left to read on it
// could be taken for the next command's answer. The phase-two retries of
// the XA coordinator reach here; recovery finishes such branches.
func (b *Conn) errStreamLost() error {
	if !b.lostIO {
		return nil
	}
	return fmt.Errorf("shard %s: the connection was lost before this command; it is not used again", b.shard)
}

// writeCommand sends one command packet (sequence 0).
func (b *Conn) writeCommand(cmd byte, payload []byte) error {
	if err := b.errStreamLost(); err != nil {
		return err
	}
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

// Send writes a command; its answer is read through the Pending it
// returns, whose Settle first reads the answer of a statement StartWith
// queued, when that travelled with the command.
func (b *Conn) Send(ctx context.Context, cmd byte, payload []byte) (Pending, error) {
	// Before the prefix is consumed: a refused command leaves it pending.
	if err := b.checkPacketSize(ctx, b.commandSize(cmd, payload)); err != nil {
		return Pending{}, err
	}
	if b.prefix != "" {
		if cmd != mysql.COM_QUERY {
			if err := b.sendPrefix(ctx); err != nil {
				return Pending{}, err
			}
		} else {
			q := make([]byte, 0, len(b.prefix)+2+len(payload))
			q = append(append(append(q, b.prefix...), "; "...), payload...)
			payload, b.sentPrefix, b.prefix, b.inlinePrefix = q, b.prefix, "", true
		}
	}
	if err := b.writeCommand(cmd, payload); err != nil {
		return Pending{}, err
	}
	return Pending{b}, nil
}

// SendLongData sends a COM_STMT_SEND_LONG_DATA, which has no answer: a
// statement StartWith queued runs first, answered.
func (b *Conn) SendLongData(ctx context.Context, payload []byte) error {
	_, err := b.Send(ctx, mysql.COM_STMT_SEND_LONG_DATA, payload)
	return err
}

// SendReadOnly is Send for a statement that changes nothing (a plain
// SELECT). A pending StartWith statement is sent as its own command
// immediately before it, without waiting for its answer: one round trip
// instead of two for a binary execute that opens a branch. Should the
// start fail, the statement will have run outside the branch, which is
// harmless for a read; Settle then discards its answer. Writes must use
// Send, which waits for the start to succeed.
func (b *Conn) SendReadOnly(ctx context.Context, cmd byte, payload []byte) (Pending, error) {
	if b.prefix == "" || cmd == mysql.COM_QUERY {
		return b.Send(ctx, cmd, payload)
	}
	if err := b.checkPacketSize(ctx, 1+len(payload)); err != nil {
		return Pending{}, err
	}
	q := b.prefix
	b.prefix, b.sentPrefix = "", q
	b.inlinePrefix, b.pipelined = true, true
	if err := b.writeTwoCommands(q, cmd, payload); err != nil {
		return Pending{}, err
	}
	return Pending{b}, nil
}

// writeTwoCommands writes the COM_QUERY q and then the command cmd without
// reading between them, both in one write when they fit one packet each:
// a second write costs as much as the statement's own.
func (b *Conn) writeTwoCommands(q string, cmd byte, payload []byte) error {
	if err := b.errStreamLost(); err != nil {
		return err
	}
	if 1+len(q) >= mysql.MaxPayloadLen || 1+len(payload) >= mysql.MaxPayloadLen {
		if err := b.writeCommand(mysql.COM_QUERY, []byte(q)); err != nil {
			return err
		}
		return b.writeCommand(cmd, payload)
	}
	// Each command's only packet has sequence number 0, as writeCommand's.
	buf := appendPacket(b.scratch[:0], mysql.COM_QUERY, q)
	buf = appendPacket(buf, cmd, payload)
	_, err := b.c.Conn.Write(buf)
	if cap(buf) <= 1<<20 {
		b.scratch = buf[:4]
	}
	if err != nil {
		b.broken, b.lostIO = true, true
		return fmt.Errorf("shard %s: %w", b.shard, err)
	}
	b.c.Sequence = 1 // as after writeCommand: the answer's first packet is 1
	return nil
}

// appendPacket appends a command packet of one chunk (payload under 16 MiB)
// with sequence number 0.
func appendPacket[T string | []byte](buf []byte, cmd byte, payload T) []byte {
	n := 1 + len(payload)
	buf = append(buf, byte(n), byte(n>>8), byte(n>>16), 0, cmd)
	return append(buf, payload...)
}

// readPacket reads the next response packet, appending it to dst (which may
// hold reserved header room), so forwarding needs no copy per row. A
// payload of 16 MiB or more, which the protocol splits, is returned whole.
func (b *Conn) readPacket(dst []byte) ([]byte, error) {
	if b.inlinePrefix {
		return nil, b.unsettled()
	}
	for {
		hdr := b.hdr[:]
		if _, err := io.ReadFull(b.rd, hdr); err != nil {
			return nil, b.lost(err)
		}
		n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
		if hdr[3] != b.c.Sequence {
			return nil, b.lost(fmt.Errorf("packet sequence %d, want %d", hdr[3], b.c.Sequence))
		}
		b.c.Sequence++
		start := len(dst)
		dst = slices.Grow(dst, n)[:start+n]
		if _, err := io.ReadFull(b.rd, dst[start:]); err != nil {
			return nil, b.lost(err)
		}
		if n < mysql.MaxPayloadLen {
			return dst, nil
		}
	}
}

func (b *Conn) lost(err error) error {
	b.broken, b.lostIO = true, true
	return fmt.Errorf("shard %s: lost connection: %w", b.shard, err)
}

// relayRows copies the row packets already received, unchanged but for
// their sequence numbers (renumbered from *seq, the client's counter), to w
// in one write. It stops before an EOF or error packet, a packet not yet
// fully received, or one of 16 MiB or more; 0 means: read the next packet
// with readPacket. An error is w's.
func (b *Conn) relayRows(w io.Writer, seq *uint8) (int, error) {
	if b.inlinePrefix {
		return 0, nil // readPacket reports the unsettled start
	}
	buf, _ := b.rd.Peek(b.rd.Buffered())
	off, n := 0, 0
	want, out := b.c.Sequence, *seq
	for len(buf)-off >= 5 {
		l := int(buf[off]) | int(buf[off+1])<<8 | int(buf[off+2])<<16
		if l == 0 || l >= mysql.MaxPayloadLen || buf[off+3] != want || len(buf)-off < 4+l {
			break
		}
		if h := buf[off+4]; h == mysql.ERR_HEADER || (h == mysql.EOF_HEADER && l < 9) {
			break
		}
		// The bytes are bufio's, about to be discarded: renumbering in
		// place spares a copy.
		buf[off+3] = out
		off += 4 + l
		n++
		want++
		out++
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := w.Write(buf[:off]); err != nil {
		return 0, err
	}
	_, _ = b.rd.Discard(off)
	b.c.Sequence, *seq = want, out
	return n, nil
}

// ExecAll runs statements as one multi-statement query (one round trip);
// the server stops at the first error, which is returned.
func (b *Conn) ExecAll(ctx context.Context, stmts ...string) error {
	defer b.watch(ctx)()
	if err := b.sendAll(stmts); err != nil {
		return err
	}
	return b.readAll()
}

// SendAll writes stmts as one multi-statement query without reading its
// answers, which ReadAll reads: the XA coordinator has a command in flight
// on every branch from one goroutine.
func (b *Conn) SendAll(ctx context.Context, stmts ...string) error {
	defer b.watch(ctx)()
	return b.sendAll(stmts)
}

// sendAll is SendAll for a caller that watches the context itself.
func (b *Conn) sendAll(stmts []string) error {
	if b.inlinePrefix {
		// The last command's answer is unread: this one's would be misread.
		return b.unsettled()
	}
	return b.writeCommand(mysql.COM_QUERY, []byte(strings.Join(stmts, "; ")))
}

// ReadAll reads the answers of SendAll's statements and returns the first
// server error (after which the server runs none of the rest).
func (b *Conn) ReadAll(ctx context.Context) error {
	defer b.watch(ctx)()
	return b.readAll()
}

// readAll is ReadAll for a caller that watches the context itself.
func (b *Conn) readAll() error {
	for {
		p, err := b.readAnswer()
		if err != nil {
			return err
		}
		switch p[0] {
		case mysql.ERR_HEADER:
			return b.c.HandleErrorPacket(p)
		case mysql.OK_HEADER:
			if okStatus(p)&mysql.SERVER_MORE_RESULTS_EXISTS == 0 {
				return nil
			}
		default:
			b.broken = true
			return fmt.Errorf("shard %s: unexpected result set answering an internal statement list", b.shard)
		}
	}
}

// okStatus reads the status flags of an OK packet.
func okStatus(p []byte) uint16 {
	b := p[1:]
	_, _, n := mysql.LengthEncodedInt(b)
	b = b[n:]
	_, _, n = mysql.LengthEncodedInt(b)
	b = b[n:]
	if len(b) < 2 {
		return 0
	}
	return uint16(b[0]) | uint16(b[1])<<8
}

// Unstarted tells whether the statement queued by StartWith was never sent
// (the transaction branch it opens does not exist on the server).
func (b *Conn) Unstarted() bool { return b.prefix != "" }

// Dirty tells whether the connection has a statement queued by StartWith
// that was never sent, or an answer not yet read: it must not be reused.
func (b *Conn) Dirty() bool { return b.prefix != "" || b.inlinePrefix }

// readAnswer reads a packet of an internal command's answer, which is
// never empty.
func (b *Conn) readAnswer() ([]byte, error) {
	p, err := b.readPacket(nil)
	if err == nil && len(p) == 0 {
		b.broken = true
		err = fmt.Errorf("shard %s: empty packet", b.shard)
	}
	return p, err
}

// drainResponse reads and drops one command's whole answer: OK, error, or
// result sets (classic protocol: column definitions and rows each end in
// an EOF packet).
func (b *Conn) drainResponse() error {
	for {
		p, err := b.readAnswer()
		if err != nil {
			return err
		}
		var status uint16
		switch p[0] {
		case mysql.ERR_HEADER:
			return nil
		case mysql.OK_HEADER:
			status = okStatus(p)
		default:
			// Column definitions up to their EOF, then rows up to theirs.
			for eofs := 0; eofs < 2; {
				if p, err = b.readAnswer(); err != nil {
					return err
				}
				switch {
				case p[0] == mysql.ERR_HEADER:
					return nil
				case p[0] == mysql.EOF_HEADER && len(p) < 9:
					eofs++
					if len(p) >= 5 {
						status = uint16(p[3]) | uint16(p[4])<<8
					}
				}
			}
		}
		if status&mysql.SERVER_MORE_RESULTS_EXISTS == 0 {
			return nil
		}
	}
}
