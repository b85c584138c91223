package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/router"
)

// Session is one client connection: its protocol state, its database,
// variables, transaction and prepared statements.
type Session struct {
	srv  *Server
	mm   sessionMetrics // children of the metrics the session counts in (metricmemo.go)
	nc   *bufferedConn
	conn *server.Conn
	id   uint32
	user string
	// grant is the user's entry when the session logged in (its schemas
	// and limits); nil during the handshake.
	grant *conf.User
	// pendingDB is the database named in the handshake, checked once the
	// user is authenticated.
	pendingDB string
	// userSlot names the user whose per-user connection slot the session
	// holds ("" when none).
	userSlot string
	remote   string
	attrs    []router.ConnectAttr // the client's connection attributes, in its order (connattrs.go)
	since    time.Time
	// salt is the scramble of the initial handshake, which COM_CHANGE_USER
	// answers again (changeuser.go); failedChangeUser counts refused ones.
	salt          []byte
	saltUncertain bool // a TLS login may have switched scrambles unseen
	// tlsState is the client's TLS session (nil: plain), tlsCert the
	// certificate it was given and tlsServed whether the frontend served
	// TLS when it connected: the Ssl_% status variables (sslstatus.go).
	tlsState         *tls.ConnectionState
	tlsCert          *x509.Certificate
	tlsServed        bool
	failedChangeUser int
	// collation is the client's collation id from the handshake or the
	// last COM_CHANGE_USER, which COM_RESET_CONNECTION returns to.
	collation uint16
	// colLabel is the character set number MariaDB would put in the
	// session's non-binary column definitions, where the backend
	// connections cannot be made to put it there (coldef.go); 0 when
	// theirs is right.
	colLabel uint16
	// sqlMode caches the parsing flags of the session's sql_mode (sqlmode.go),
	// noAutoZero its NO_AUTO_VALUE_ON_ZERO and dates its zero-date flags,
	// read from modeOf, the value they were read from.
	sqlMode    router.Mode
	noAutoZero bool
	dates      router.DateModes
	modeOf     string
	// extMeta: the client negotiated MariaDB's extended metadata, so its
	// column definitions carry the block (extmeta.go). The proxy does not
	// announce the capability yet, so no client has it.
	extMeta bool

	db string // current logical schema, "" when none
	// connState is what a MariaDB connection remembers between
	// statements, kept for the session (connstate.go).
	connState
	stmtChars string // SET TRANSACTION's words for the autocommit statement running now (txCharsSQL)
	diagSeq   uint64 // numbers the session's statements (diag.go)
	// marks: what the running statement may do to its branches,
	// cmdWrites: some statement of the running command may change rows
	// (readbranch.go).
	marks       stmtMarks
	cmdWrites   bool
	curStartsTx bool       // the running statement starts autocommit=0's transaction (txchar.go)
	resRun      *resultRun // what the running statement told the client (lastresult.go)
	resRunBuf   resultRun  // where resRun points while a statement runs
	outsideTx   bool       // the running statement commits implicitly: it opens no transaction
	moreResults bool       // a multi-statement query has statements after this one (multi.go)
	multiOpt    *bool      // COM_SET_OPTION's multi-statements setting; nil: the handshake's
	errsWritten int        // error packets sent to the client, to stop a multi-statement query

	buf []byte // scratch for forwarding packets, with 4 bytes of header room
	pkt []byte // the last command packet read from the client
	// cmdPkt collects the command packet being read (packet.go).
	cmdPkt limitedPacket
	// directReads: commands are read straight from s.nc's buffer, which
	// go-mysql would read them through unchanged (readPacket).
	directReads bool

	cur stmtRun // the statement being run (session goroutine only)
	// clock is the session's variables with the running statement's time,
	// when its shards share one (stmttime.go); empty otherwise.
	clock backend.State

	// autoInc is the id source binds use, autoIncFn its method value
	// (autoinc.go).
	autoInc   autoIncSource
	autoIncFn router.AutoIncIDs

	mu      sync.Mutex // guards busy/closing against Shutdown, and view
	busy    bool
	closing bool
	view    sessionView // what the status page shows

	// cancelMu guards running and stmtSeq, read by KILL QUERY and by the
	// query timeout from other goroutines; the session's goroutine, the
	// only writer of stmtSeq, reads stmtSeq without it.
	cancelMu sync.Mutex
	running  []*backend.Conn // backend connections running the current statement
	stmtSeq  uint64          // counts statements, so a late timer cannot hit the next one
	// killMu is held while KILL QUERY is sent for running connections:
	// untrack waits for it, so a connection is not returned to the pool
	// (and given to another session) while a KILL aimed at it is on its way.
	killMu sync.Mutex
	// killFailed, under killMu: connections a KILL QUERY failed for, which
	// untrack marks broken (the KILL may still arrive).
	killFailed []*backend.Conn
	timedOut   atomic.Bool // the current statement ran past frontend.query_timeout
}

func newSession(s *Server, nc net.Conn) *Session {
	return &Session{
		srv:       s,
		nc:        newBufferedConn(nc, s.extCapsOffered()),
		remote:    nc.RemoteAddr().String(),
		since:     time.Now(),
		connState: newConnState(s.cfg.Coordinator.LockingReads),
		buf:       make([]byte, 4, 16*1024),
	}
}

// refuse answers a connection we will not serve with an error and closes it.
// MariaDB sends such an error in place of the greeting, without SQLSTATE:
// the client has not said yet that it speaks protocol 4.1, and drivers
// compare the text ("Error 1040: Too many connections").
func (s *Session) refuse(err error) {
	me := toMyError(err)
	p := []byte{0, 0, 0, 0, mysql.ERR_HEADER, byte(me.Code), byte(me.Code >> 8)}
	p = append(p, me.Message...)
	n := len(p) - 4
	p[0], p[1], p[2] = byte(n), byte(n>>8), byte(n>>16)
	_, _ = s.nc.Conn.Write(p)
	_ = s.nc.Close()
}

// handshake authenticates the client with go-mysql's server, under the
// settings current when it connected.
func (s *Session) handshake(live *settings) (err error) {
	defer func() {
		// Only a TLS client's response can get here unchecked
		// (handshake_check.go); the connection is refused, never served.
		if r := recover(); r != nil {
			s.srv.notePanic("handshake", 0, r)
			err = fmt.Errorf("%w: go-mysql panicked: %v", errHandshakeRefused, r)
		}
	}()
	c, err := live.handshake.NewCustomizedConn(s.nc, &authHandler{sess: s, live: live}, handshakeHandler{s})
	if err != nil {
		return err
	}
	s.conn = c
	s.id = c.ConnectionID()
	s.user = c.GetUser()
	s.collation = uint16(c.Charset())
	s.takeCollation(s.collation)
	s.salt, s.saltUncertain = handshakeSalt(s.nc.greeting, s.nc.later, isTLS(c))
	s.tlsState, s.tlsCert, s.tlsServed = tlsStateOf(c), live.certLeaf, live.certLeaf != nil
	s.attrs = orderedAttrs(s.nc.received, c.Attributes())
	s.extMeta = s.nc.extCaps&clientExtCaps(firstPayload(s.nc.received))&extMetadata != 0
	s.nc.serve(live.tlsOffered)
	s.directReads = s.nc.rd != nil && !isTLS(c) && c.Compression == mysql.MYSQL_COMPRESS_NONE
	s.nc.greeting, s.nc.later, s.nc.received = nil, nil, nil
	return nil
}

// initialVars turns the collation a client announced in its handshake into
// the session's character set, which every backend connection serving the
// session is given explicitly: a fresh connection and a pooled one that
// served another character set behave the same. MariaDB gives client,
// results and connection the collation itself (not its character set's
// default), which the state records by MariaDB's names for the number. A
// collation MariaDB does not know gets what MariaDB gives such a client,
// the server's defaults (no character set variables in the state: they are
// replayed as DEFAULT); for MySQL 8 clients' utf8mb4_0900_ai_ci (255) that
// is utf8mb4_general_ci on a shard configured with utf8mb4, its closest
// MariaDB collation.
func initialVars(collationID uint16) backend.State {
	col, ok := mariadbCollations[collationID]
	if !ok {
		return backend.State{}
	}
	return backend.State{}.With(backend.CharsetVars(col.charset, col.name, col.isDefault)...)
}

// takeCollation gives the session the character set of a handshake
// collation (also COM_CHANGE_USER's and COM_RESET_CONNECTION's), replacing
// every variable. MariaDB labels result columns with that collation
// itself, which a backend connection cannot be given (coldef.go).
func (s *Session) takeCollation(id uint16) {
	s.vars = initialVars(id)
	s.colLabel = 0
	if _, ok := mariadbCollations[id]; ok {
		s.colLabel = id
	}
}

// run reads and executes commands until the client leaves.
func (s *Session) run(ctx context.Context) {
	defer s.cleanup()
	for {
		data, err := s.readCommand(s.srv.live.Load())
		if err != nil {
			if errors.Is(err, errIdle) {
				s.srv.log.Debug("idle session closed", "conn", s.id, "user", s.user, "idle_timeout", s.srv.live.Load().idleTimeout)
				s.srv.metrics.closed.WithLabelValues("idle_timeout").Inc()
			}
			return
		}
		if len(data) == 0 {
			if s.writeErr(errMalformed("empty command packet")) != nil || s.nc.Flush() != nil {
				return
			}
			continue
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return
		}
		s.busy = true
		s.mu.Unlock()

		quit, err := s.dispatchSafely(ctx, data)
		if err == nil {
			err = s.nc.Flush()
		}

		s.mu.Lock()
		s.busy = false
		closing := s.closing
		s.mu.Unlock()
		if quit || err != nil || closing {
			if err != nil && !errors.Is(err, io.EOF) {
				s.srv.log.Debug("session ends", "conn", s.id, "err", err)
			}
			return
		}
	}
}

// shutdown closes an idle session now, a busy one after its statement.
func (s *Session) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	if !s.busy {
		_ = s.nc.Close()
	}
}

func (s *Session) close() { _ = s.nc.Close() }

// closeNow is shutdown that also closes the client's connection while a
// statement runs: that statement's answer is never written (KILL of
// another session). The session's goroutine still finishes the statement
// and its cleanup.
func (s *Session) closeNow() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	_ = s.nc.Close()
}

// cleanup rolls back what the client left open and returns connections.
func (s *Session) cleanup() {
	if s.tx != nil {
		s.endTx(context.Background(), false)
	}
	s.dropPins()
	_ = s.nc.Close()
}

// dispatchSafely runs one command; a bug that panics ends this session
// with an error packet, never the proxy.
func (s *Session) dispatchSafely(ctx context.Context, data []byte) (quit bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.srv.notePanic("command", s.id, r)
			_ = s.writeErr(fmt.Errorf("internal error in xaproxy (the session is closed): %v", r))
			_ = s.nc.Flush()
			quit, err = true, nil
		}
	}()
	return s.dispatch(ctx, data)
}

// dispatch runs one command. A returned error means the connection is
// unusable; errors for the client are written as error packets.
func (s *Session) dispatch(ctx context.Context, data []byte) (quit bool, err error) {
	cmd, payload := data[0], data[1:]
	s.countCommand(cmd)
	// Until a statement of the command proves itself a read, whatever
	// reaches a branch may write (readbranch.go).
	s.marks = stmtMarks{writes: true}
	switch cmd {
	case mysql.COM_QUIT:
		return true, nil
	case mysql.COM_PING:
		return false, s.writeOK(0, 0, "")
	case mysql.COM_QUERY:
		sql := string(payload)
		return false, s.statement(sql, func() error { return s.handleQueryText(ctx, sql) })
	case mysql.COM_INIT_DB:
		if err := s.useDB(string(payload)); err != nil {
			return false, s.writeErr(err)
		}
		return false, s.writeOK(0, 0, "")
	case mysql.COM_FIELD_LIST:
		return false, s.handleFieldList(ctx, payload)
	case mysql.COM_STMT_PREPARE:
		return false, s.handleStmtPrepare(ctx, string(payload))
	case mysql.COM_STMT_EXECUTE:
		return false, s.statementAs("Execute", s.preparedSQL(payload), func() error { return s.handleStmtExecute(ctx, payload) })
	case mysql.COM_STMT_SEND_LONG_DATA:
		s.handleStmtLongData(payload)
		return false, nil
	case mysql.COM_STMT_RESET:
		return false, s.handleStmtReset(payload)
	case mysql.COM_STMT_FETCH:
		return false, s.handleStmtFetch(payload)
	case mysql.COM_STMT_CLOSE:
		if len(payload) >= 4 {
			delete(s.stmts, binary.LittleEndian.Uint32(payload))
		}
		return false, nil
	case mysql.COM_RESET_CONNECTION:
		s.resetConnection(ctx)
		return false, s.writeOK(0, 0, "")
	case mysql.COM_CHANGE_USER:
		return false, s.changeUser(ctx, payload)
	case mysql.COM_SET_OPTION:
		return false, s.setOption(payload)
	case mysql.COM_STATISTICS:
		return false, s.writeStatistics()
	case mysql.COM_PROCESS_KILL:
		if len(payload) < 4 {
			return false, s.writeErr(errMalformed("COM_PROCESS_KILL without an id"))
		}
		return false, s.kill(ctx, binary.LittleEndian.Uint32(payload), false)
	default:
		return false, s.writeErr(errUnknownCommand(cmd))
	}
}

// useDB switches the current logical schema.
func (s *Session) useDB(name string) error {
	name = strings.TrimSpace(name)
	if err := s.checkSchema(name); err != nil {
		return err
	}
	if err := s.srv.checkSchemaExists(context.Background(), name); err != nil {
		return err
	}
	s.db = name
	return nil
}

// resetConnection implements COM_RESET_CONNECTION: roll back, forget
// variables and prepared statements; the current database stays.
func (s *Session) resetConnection(ctx context.Context) {
	if s.tx != nil {
		s.endTx(ctx, false)
	}
	s.dropPins() // temporary tables and locks end with a reset
	s.connState = s.connState.reset(s.srv.cfg.Coordinator.LockingReads)
	s.takeCollation(s.collation)
}

// status is the server status the client should see.
func (s *Session) status(backendStatus uint16) uint16 {
	st := backendStatus &^ (mysql.SERVER_STATUS_AUTOCOMMIT | mysql.SERVER_STATUS_IN_TRANS | mysql.SERVER_STATUS_IN_TRANS_READONLY |
		mysql.SERVER_STATUS_NO_BACKSLASH_ESCAPED | serverStatusANSIQuotes)
	if s.autocommit {
		st |= mysql.SERVER_STATUS_AUTOCOMMIT
	}
	if s.inTransaction() || (s.curStartsTx && s.tx != nil && len(s.tx.branches) > 0) {
		st |= mysql.SERVER_STATUS_IN_TRANS
		if s.txReadOnly() {
			st |= mysql.SERVER_STATUS_IN_TRANS_READONLY
		}
	}
	if s.moreResults {
		st |= mysql.SERVER_MORE_RESULTS_EXISTS
	}
	return st | s.modeStatus()
}

// writeOK sends an OK packet in the format the client negotiated.
func (s *Session) writeOK(affected, insertID uint64, info string) error {
	return s.writeOKStatus(affected, insertID, s.status(0), 0, info)
}

func (s *Session) writeOKStatus(affected, insertID uint64, status, warnings uint16, info string) error {
	affected, info = s.upsertForClient(affected, info)
	s.noteOKSent(affected)
	p := append(s.buf[:4], mysql.OK_HEADER)
	p = mysql.AppendLengthEncodedInteger(p, affected)
	p = mysql.AppendLengthEncodedInteger(p, insertID)
	p = append(p, byte(status), byte(status>>8), byte(warnings), byte(warnings>>8))
	// The info as MariaDB writes it, length-encoded with or without
	// CLIENT_SESSION_TRACK (libmariadb reads it so).
	if info != "" {
		p = mysql.AppendLengthEncodedInteger(p, uint64(len(info)))
		p = append(p, info...)
	}
	return s.conn.WritePacket(p)
}

func (s *Session) writeEOF() error { return s.writeEOFWarnings(0) }

// writeEOFWarnings sends an EOF packet that counts warnings (the end of a
// result set).
func (s *Session) writeEOFWarnings(warnings uint16) error { return s.writeEOFStatus(warnings, 0) }

// writeEOFStatus is writeEOFWarnings with status flags of the statement's
// plan (backend flags that s.status keeps).
func (s *Session) writeEOFStatus(warnings, flags uint16) error {
	st := s.status(flags)
	return s.conn.WritePacket(append(s.buf[:4], mysql.EOF_HEADER, byte(warnings), byte(warnings>>8), byte(st), byte(st>>8)))
}

// writeErr sends an error packet; a non-MySQL error becomes 1105. A
// statement interrupted because it ran past frontend.query_timeout is
// reported as such (3024).
func (s *Session) writeErr(err error) error {
	s.errsWritten++
	s.noteFailed()
	me := s.timeoutError(toMyError(err))
	s.noteError(me)
	s.noteSchemaError(me)
	s.srv.metrics.countError(me)
	return s.conn.WriteValue(me)
}

func toMyError(err error) *mysql.MyError {
	if me, ok := backend.ServerError(err); ok {
		return me
	}
	return mysql.NewError(mysql.ER_UNKNOWN_ERROR, err.Error())
}

// handshakeHandler receives the database a client names when it connects,
// which is checked once the client is authenticated (admit); commands are
// dispatched by Session.run itself (go-mysql's dispatcher loses parameter
// types between executions).
type handshakeHandler struct{ s *Session }

func (h handshakeHandler) UseDB(db string) error {
	h.s.pendingDB = db
	return nil
}
func (h handshakeHandler) HandleQuery(string) (*mysql.Result, error) {
	return nil, errors.New("unreachable: commands are dispatched by Session")
}
func (h handshakeHandler) HandleFieldList(string, string) ([]*mysql.Field, error) {
	return nil, errors.New("unreachable: commands are dispatched by Session")
}
func (h handshakeHandler) HandleStmtPrepare(string) (int, int, any, error) {
	return 0, 0, nil, errors.New("unreachable: commands are dispatched by Session")
}
func (h handshakeHandler) HandleStmtExecute(any, string, []any) (*mysql.Result, error) {
	return nil, errors.New("unreachable: commands are dispatched by Session")
}
func (h handshakeHandler) HandleStmtClose(any) error { return nil }
func (h handshakeHandler) HandleOtherCommand(byte, []byte) error {
	return errors.New("unreachable: commands are dispatched by Session")
}

func commandName(cmd byte) string {
	switch cmd {
	case mysql.COM_QUIT:
		return "quit"
	case mysql.COM_PING:
		return "ping"
	case mysql.COM_QUERY:
		return "query"
	case mysql.COM_INIT_DB:
		return "init_db"
	case mysql.COM_FIELD_LIST:
		return "field_list"
	case mysql.COM_STMT_PREPARE:
		return "stmt_prepare"
	case mysql.COM_STMT_EXECUTE:
		return "stmt_execute"
	case mysql.COM_STMT_SEND_LONG_DATA:
		return "stmt_send_long_data"
	case mysql.COM_STMT_RESET:
		return "stmt_reset"
	case mysql.COM_STMT_FETCH:
		return "stmt_fetch"
	case mysql.COM_STMT_CLOSE:
		return "stmt_close"
	case mysql.COM_RESET_CONNECTION:
		return "reset_connection"
	case mysql.COM_CHANGE_USER:
		return "change_user"
	case mysql.COM_SET_OPTION:
		return "set_option"
	case mysql.COM_PROCESS_KILL:
		return "process_kill"
	}
	return fmt.Sprintf("other_0x%02x", cmd)
}

// bindOptions are the per-execution plan options of the session.
func (s *Session) bindOptions(ctx context.Context) router.BindOptions {
	return router.BindOptions{
		LockReads:         s.lockReads && (s.tx != nil || !s.autocommit),
		AutoInc:           s.autoIncIDs(ctx),
		NoAutoValueOnZero: s.noAutoValueOnZero(),
		Text:              router.ClientTextOf(s.vars.ClientCharset()),
	}
}
