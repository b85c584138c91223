// Package fakeshard is an in-process MariaDB stand-in for unit tests: a
// MySQL-protocol server on in-memory connections that speaks enough of
// MariaDB 10.11 for the proxy's backend connections (backend.Conn), so
// that session, transaction and pinning logic is tested without mariadbd.
//
// The handshake is go-mysql's server; the command phase is answered here
// by hand, because backend.Conn sends multi-statement queries (an XA START
// prefix with the client's statement, the SETs of a state replay, XA END +
// XA PREPARE) and reads one answer per statement, each but the last with
// SERVER_MORE_RESULTS_EXISTS, stopping at the first error, as MariaDB
// does. go-mysql's server answers one result per command.
//
// Every command each connection receives is logged with the connection's
// id (its thread id, which the proxy puts in XA branch ids), so tests
// assert on what travelled where.
package fakeshard

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

// Version is the version string the fake's handshake announces, as
// MariaDB 10.11 writes it (the 5.5.5- prefix is for old MySQL clients).
const Version = "5.5.5-10.11.19-MariaDB"

// User and Password are the account the fake accepts.
const (
	User     = "root"
	Password = ""
)

// Warning is one condition SHOW WARNINGS lists.
type Warning struct {
	Level   string // Note, Warning or Error
	Code    uint16
	Message string
}

// Answer is what the fake answers one statement with: an error, a result
// set (Columns set), or an OK packet.
type Answer struct {
	Err *mysql.MyError
	// Columns and Rows make a text result set; values as for
	// mysql.BuildSimpleTextResultset (int64 gives a BIGINT column,
	// float64 a DOUBLE, string a VARCHAR, nil a NULL).
	Columns []string
	Rows    [][]any
	// Affected, InsertID and Info go into the OK packet.
	Affected, InsertID uint64
	Info               string
	// Warnings are counted in the OK or final EOF packet and listed by
	// SHOW WARNINGS on the same connection until its next statement.
	Warnings []Warning
	// Drop closes the connection instead of answering: a lost shard
	// connection.
	Drop bool
}

// OK is an OK packet with nothing in it.
func OK() Answer { return Answer{} }

// Rows is a one-result answer.
func Rows(columns []string, rows ...[]any) Answer { return Answer{Columns: columns, Rows: rows} }

// Error is an error packet (SQLSTATE HY000 unless the code has its own).
func Error(code uint16, message string) Answer {
	return Answer{Err: mysql.NewError(code, message)}
}

// Handler answers a statement that conn received.
type Handler func(conn uint32, stmt string) Answer

// Entry is one command a connection received.
type Entry struct {
	Conn    uint32
	Command byte   // mysql.COM_QUERY, COM_INIT_DB, COM_PING, ...
	Text    string // the query as received (one string for a multi-statement query), or the database
}

type rule struct {
	prefix string // lower-cased
	h      Handler
}

// Shard is one fake MariaDB server. Its methods are safe for concurrent use.
type Shard struct {
	name string
	conf *server.Server
	auth *server.InMemoryAuthenticationHandler

	mu    sync.Mutex
	rules []rule
	log   []Entry
	conns map[uint32]*conn
	order []uint32
	pipes []net.Conn // the fake's ends, closed by Close
	down  bool
	wg    sync.WaitGroup
}

// New returns a fake shard named name (for messages only).
func New(name string) *Shard {
	auth := server.NewInMemoryAuthenticationHandler(mysql.AUTH_NATIVE_PASSWORD)
	_ = auth.AddUser(User, Password)
	return &Shard{
		name: name,
		// 45: utf8mb4_general_ci, MariaDB's utf8mb4 default.
		conf:  server.NewServer(Version, 45, mysql.AUTH_NATIVE_PASSWORD, nil, nil),
		auth:  auth,
		conns: map[uint32]*conn{},
	}
}

// On answers every statement that starts with prefix (case-insensitive)
// with a. A later rule wins over an earlier one with a matching prefix.
func (s *Shard) On(prefix string, a Answer) {
	s.OnFunc(prefix, func(uint32, string) Answer { return a })
}

// OnFunc is On with an answer computed per statement.
func (s *Shard) OnFunc(prefix string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = append(s.rules, rule{prefix: strings.ToLower(prefix), h: h})
}

// Dial opens a new connection to the fake and serves it until either end
// closes it or Close is called.
func (s *Shard) Dial(ctx context.Context) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, fmt.Errorf("fakeshard %s: closed", s.name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	client, srv := net.Pipe()
	s.pipes = append(s.pipes, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.serve(newInbox(srv, &s.wg))
	}()
	return client, nil
}

// Close closes every connection and waits for their goroutines.
func (s *Shard) Close() {
	s.mu.Lock()
	s.down = true
	for _, p := range s.pipes {
		_ = p.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Log returns every command received so far, in order.
func (s *Shard) Log() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Queries returns the COM_QUERY texts connection id received, in order.
func (s *Shard) Queries(id uint32) []string {
	var out []string
	for _, e := range s.Log() {
		if e.Conn == id && e.Command == mysql.COM_QUERY {
			out = append(out, e.Text)
		}
	}
	return out
}

// Conns returns the ids of every connection that completed its handshake,
// in the order they connected.
func (s *Shard) Conns() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// Open returns the ids of the connections not yet closed.
func (s *Shard) Open() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uint32
	for _, id := range s.order {
		if !s.conns[id].closed {
			out = append(out, id)
		}
	}
	return out
}

// Closed tells whether connection id has ended (COM_QUIT or the client
// closed it).
func (s *Shard) Closed(id uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[id]
	return c != nil && c.closed
}

// conn is the fake's side of one connection.
type conn struct {
	id     uint32
	pc     *server.Conn
	closed bool
	// Per-connection session state that MariaDB keeps and the proxy reads
	// back: the last statement's warnings and @@last_insert_id.
	warnings     []Warning
	lastInsertID uint64
	db           string
	// Prepared statements' texts by id (stmt.go).
	stmts    map[uint32]string
	nextStmt uint32
}

func (s *Shard) serve(nc net.Conn) {
	c := &conn{}
	// The connection is registered before the handshake's OK goes out, so
	// that a test sees it as soon as the client is connected.
	pc, err := s.conf.NewCustomizedConn(nc, authHook{s.auth, func(pc *server.Conn) error {
		c.id, c.pc = pc.ConnectionID(), pc
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down {
			return fmt.Errorf("fakeshard %s: closed", s.name)
		}
		s.conns[c.id] = c
		s.order = append(s.order, c.id)
		return nil
	}}, server.EmptyHandler{})
	if err != nil {
		_ = nc.Close()
		return
	}
	defer func() {
		s.mu.Lock()
		c.closed = true
		s.mu.Unlock()
		_ = nc.Close()
	}()
	for {
		pc.ResetSequence()
		data, err := pc.ReadPacket()
		if err != nil || len(data) == 0 {
			return
		}
		quit, err := s.command(c, data[0], data[1:])
		if quit || err != nil {
			return
		}
	}
}

// authHook is the fake's account check with a hook run once the client
// is authenticated, before it is told so.
type authHook struct {
	*server.InMemoryAuthenticationHandler
	ok func(*server.Conn) error
}

// OnAuthSuccess runs the hook.
func (h authHook) OnAuthSuccess(c *server.Conn) error { return h.ok(c) }

// command answers one command; quit ends the connection.
func (s *Shard) command(c *conn, cmd byte, payload []byte) (quit bool, err error) {
	s.note(Entry{Conn: c.id, Command: cmd, Text: string(payload)})
	switch cmd {
	case mysql.COM_QUIT:
		return true, nil
	case mysql.COM_PING:
		return false, s.writeOK(c, Answer{}, 0)
	case mysql.COM_INIT_DB:
		c.db = string(payload)
		return false, s.writeOK(c, Answer{}, 0)
	case mysql.COM_STMT_CLOSE, mysql.COM_STMT_SEND_LONG_DATA:
		return false, nil // no answer, as on MariaDB
	case mysql.COM_QUERY:
		return false, s.query(c, string(payload))
	case mysql.COM_STMT_PREPARE:
		return false, s.prepare(c, string(payload))
	case mysql.COM_STMT_EXECUTE:
		return false, s.execute(c, payload)
	case mysql.COM_STMT_RESET:
		return false, s.writeOK(c, Answer{}, 0)
	}
	return false, s.writeErr(c, mysql.NewError(mysql.ER_UNKNOWN_COM_ERROR, fmt.Sprintf("fakeshard %s: command 0x%02x is not supported", s.name, cmd)))
}

func (s *Shard) note(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, e)
}

// Split cuts a query into statements the way backend.Conn joins them
// ("; "); the fake is for scripted statements, which hold no "; " of
// their own.
func Split(query string) []string {
	return strings.Split(query, "; ")
}

// query answers a COM_QUERY: one answer per statement, all but the last
// flagged SERVER_MORE_RESULTS_EXISTS; the first error ends the query, as
// on MariaDB.
func (s *Shard) query(c *conn, q string) error {
	stmts := Split(q)
	for i, st := range stmts {
		a := s.answer(c, strings.TrimSpace(st))
		if a.Drop {
			return fmt.Errorf("fakeshard %s: connection %d dropped at %q", s.name, c.id, st)
		}
		var more uint16
		if i < len(stmts)-1 {
			more = mysql.SERVER_MORE_RESULTS_EXISTS
		}
		if a.Err != nil {
			return s.writeErr(c, a.Err)
		}
		var err error
		if a.Columns != nil {
			err = s.writeRows(c, a, more)
		} else {
			err = s.writeOK(c, a, more)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// answer resolves a statement: a scripted rule, else MariaDB's answer to
// the statements the proxy sends on its own, else an error that names the
// statement, so that a test misses nothing silently.
func (s *Shard) answer(c *conn, st string) Answer {
	lower := strings.ToLower(st)
	s.mu.Lock()
	var h Handler
	for i := len(s.rules) - 1; i >= 0; i-- {
		if strings.HasPrefix(lower, s.rules[i].prefix) {
			h = s.rules[i].h
			break
		}
	}
	s.mu.Unlock()
	var a Answer
	diagRead := false
	if h != nil {
		a = h(c.id, st)
	} else {
		a, diagRead = s.builtin(c, st, lower)
	}
	if !diagRead {
		// A statement's conditions replace the previous statement's (the
		// fake clears them on every statement but a diagnostics read).
		c.warnings = a.Warnings
		if a.Err != nil {
			c.warnings = []Warning{{Level: "Error", Code: a.Err.Code, Message: a.Err.Message}}
		}
	}
	if a.Err == nil && a.InsertID != 0 {
		c.lastInsertID = a.InsertID
	}
	return a
}

// charsetReadBack is backend.ReadCharset's statement.
const charsetReadBack = "select cast(@@session.character_set_client as binary)"

// builtin answers what the proxy sends by itself; diagRead says that the
// statement reads the diagnostics and leaves them. The proxy's one-row
// reads end in LIMIT 1, which a session's sql_select_limit cannot cut.
func (s *Shard) builtin(c *conn, st, lower string) (a Answer, diagRead bool) {
	switch {
	case strings.HasPrefix(lower, "set last_insert_id = "):
		n, err := strconv.ParseUint(strings.TrimPrefix(lower, "set last_insert_id = "), 10, 64)
		if err == nil {
			c.lastInsertID = n
		}
		return OK(), false
	case lower == "show warnings":
		rows := make([][]any, len(c.warnings))
		for i, w := range c.warnings {
			rows[i] = []any{w.Level, int64(w.Code), w.Message}
		}
		return Rows([]string{"Level", "Code", "Message"}, rows...), true
	case strings.TrimSuffix(lower, " limit 1") == "select @@warning_count":
		return Rows([]string{"@@warning_count"}, []any{int64(len(c.warnings))}), true
	case strings.TrimSuffix(lower, " limit 1") == "select @@last_insert_id":
		return Rows([]string{"@@last_insert_id"}, []any{int64(c.lastInsertID)}), false
	case strings.HasPrefix(lower, charsetReadBack):
		// The collations' probe that follows is a prepared statement,
		// which the fake does not answer: a test of a charset SET needs a
		// real server.
		return Rows([]string{"client", "results", "collation", "connection", ""}, []any{"utf8mb4", "utf8mb4", "utf8mb4_general_ci", "utf8mb4", ""}), false
	}
	for _, p := range []string{"xa ", "set ", "do ", "use ", "begin", "start transaction", "savepoint ", "release savepoint ", "commit", "rollback", "unlock tables"} {
		if strings.HasPrefix(lower, p) {
			return OK(), false
		}
	}
	return Error(mysql.ER_UNKNOWN_ERROR, fmt.Sprintf("fakeshard %s: no answer scripted for %q", s.name, st)), false
}

// status is what every answer's status flags say besides MORE_RESULTS.
const status = mysql.SERVER_STATUS_AUTOCOMMIT

func (s *Shard) writeOK(c *conn, a Answer, more uint16) error {
	st := status | more
	p := []byte{0, 0, 0, 0, mysql.OK_HEADER}
	p = mysql.AppendLengthEncodedInteger(p, a.Affected)
	p = mysql.AppendLengthEncodedInteger(p, a.InsertID)
	n := len(a.Warnings)
	p = append(p, byte(st), byte(st>>8), byte(n), byte(n>>8))
	p = append(p, a.Info...)
	return c.pc.WritePacket(p)
}

func (s *Shard) writeErr(c *conn, e *mysql.MyError) error {
	p := []byte{0, 0, 0, 0, mysql.ERR_HEADER, byte(e.Code), byte(e.Code >> 8), '#'}
	state := e.State
	if len(state) != 5 {
		state = "HY000"
	}
	p = append(p, state...)
	p = append(p, e.Message...)
	return c.pc.WritePacket(p)
}

// writeRows writes a text result set in the classic protocol (column
// definitions and rows each end in an EOF packet; backend.Conn unsets
// CLIENT_DEPRECATE_EOF).
func (s *Shard) writeRows(c *conn, a Answer, more uint16) error {
	rs, err := mysql.BuildSimpleTextResultset(a.Columns, a.Rows)
	if err != nil {
		return s.writeErr(c, mysql.NewError(mysql.ER_UNKNOWN_ERROR, "fakeshard: bad scripted rows: "+err.Error()))
	}
	write := func(b []byte) error { return c.pc.WritePacket(append([]byte{0, 0, 0, 0}, b...)) }
	if err := write(mysql.PutLengthEncodedInt(uint64(len(rs.Fields)))); err != nil {
		return err
	}
	for _, f := range rs.Fields {
		if err := write(f.Dump()); err != nil {
			return err
		}
	}
	eof := func(warnings int, st uint16) error {
		return write([]byte{mysql.EOF_HEADER, byte(warnings), byte(warnings >> 8), byte(st), byte(st >> 8)})
	}
	if err := eof(0, status); err != nil {
		return err
	}
	for _, r := range rs.RowDatas {
		if err := write(r); err != nil {
			return err
		}
	}
	return eof(len(a.Warnings), status|more)
}

// inbox is the fake's end of a net.Pipe with an unbounded read buffer: a
// goroutine drains the pipe as the client writes, so a client that sends
// two commands before reading (backend.Conn.SendReadOnly pipelines an XA
// START) never blocks on the synchronous pipe while the fake answers.
type inbox struct {
	net.Conn
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	err  error
}

func newInbox(nc net.Conn, wg *sync.WaitGroup) *inbox {
	in := &inbox{Conn: nc}
	in.cond = sync.NewCond(&in.mu)
	wg.Add(1)
	go func() {
		defer wg.Done()
		in.fill()
	}()
	return in
}

func (in *inbox) fill() {
	b := make([]byte, 32<<10)
	for {
		n, err := in.Conn.Read(b)
		in.mu.Lock()
		in.buf = append(in.buf, b[:n]...)
		if err != nil {
			in.err = err
		}
		in.cond.Broadcast()
		in.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Read returns buffered bytes, waiting for some; the pipe's error once
// everything before it was read.
func (in *inbox) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for len(in.buf) == 0 && in.err == nil {
		in.cond.Wait()
	}
	if len(in.buf) == 0 {
		return 0, in.err
	}
	n := copy(p, in.buf)
	in.buf = in.buf[n:]
	return n, nil
}
