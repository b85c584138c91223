package proxy

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// maxLongData bounds what COM_STMT_SEND_LONG_DATA may buffer per statement.
const maxLongData = 64 << 20

// prepared is a client's prepared statement. It is prepared again, and
// cached, on each backend connection that executes it.
type prepared struct {
	id        uint32
	sql       string
	db        string // the database at prepare
	charsets  string // the character set and collation at prepare (CharsetKey)
	st        *router.Statement
	params    int
	columns   int
	rawParams [][]byte
	rawCols   [][]byte
	rawExt    bool   // rawParams and rawCols carry the extended metadata block
	types     []byte // parameter types from the last execute that sent them
	plan      *router.Plan
	// longData is what COM_STMT_SEND_LONG_DATA sent since the last
	// execute, chunk by chunk as the client sent it (longdata.go).
	longData []longChunk
	longSize int
	// executed: an execute of it reached a shard. Until then MariaDB's
	// statement would be fresh, and one with long data must be too.
	executed bool
	// local statements (BEGIN, COMMIT, SET, USE) are run by the proxy.
	local bool
}

func (s *Session) handleStmtPrepare(ctx context.Context, sql string) error {
	if _, ok := parseAdmin(sql); ok {
		return s.writeErr(mysql.NewError(mysql.ER_UNSUPPORTED_PS, "This command is not supported in the prepared statement protocol yet: send SHOW SHARD ... as a plain query"))
	}
	sql, err := s.expandComments(sql)
	if err != nil {
		return s.writeErr(err)
	}
	if _, ok := parseSQLPrepare(sql); ok {
		// As MariaDB answers any PREPARE, EXECUTE or DEALLOCATE PREPARE,
		// also those the parser cannot read (EXECUTE s USING 7).
		s.startStatement(nil)
		return s.writeErr(errUnsupportedPS(""))
	}
	st, err := s.parser().Parse(sql)
	s.startStatement(st) // a prepare's own error replaces the diagnostics
	if err != nil {
		return s.writeErr(err)
	}
	if st.Identity&router.UsesConnectAttrs != 0 {
		return s.writeErr(mysql.NewError(mysql.ER_UNSUPPORTED_PS, "This command is not supported in the prepared statement protocol yet: send queries over performance_schema.session_connect_attrs as plain queries"))
	}
	if router.ReadsProcessList(st, s.db) {
		return s.writeErr(mysql.NewError(mysql.ER_UNSUPPORTED_PS, "This command is not supported in the prepared statement protocol yet: send SHOW PROCESSLIST and queries over information_schema.PROCESSLIST, which list xaproxy's sessions, as plain queries"))
	}
	if _, ok := router.ShowStatus(st); ok {
		return s.writeErr(mysql.NewError(mysql.ER_UNSUPPORTED_PS, "This command is not supported in the prepared statement protocol yet: send SHOW STATUS, whose Ssl_% rows are xaproxy's, as a plain query"))
	}
	op := router.OpOf(st) // decided on the client's text, as for a query
	orig := sql
	if sql, err = s.rewriteIdentity(st, sql); err != nil {
		return s.writeErr(err)
	}
	if sql, err = s.filterInfoSchema(st, sql); err != nil {
		return s.writeErr(err)
	}
	p := &prepared{sql: sql, db: s.db, charsets: s.vars.CharsetKey(), st: st}
	switch op {
	case router.OpEmpty:
		return s.writeErr(mysql.NewError(mysql.ER_EMPTY_QUERY, "Query was empty"))
	case router.OpXA:
		return s.writeErr(router.ErrXA())
	case router.OpShowDatabases:
		return s.writeErr(mysql.NewError(mysql.ER_UNSUPPORTED_PS, "This command is not supported in the prepared statement protocol yet: send SHOW DATABASES as a plain query"))
	case router.OpBegin, router.OpCommit, router.OpRollback, router.OpUse, router.OpSet, router.OpKill, router.OpKillSelf, router.OpSavepoint, router.OpUnlockTables:
		// The proxy runs these itself at execute, as the text query they
		// are: a KILL names the proxy's session ids, never a shard's; a
		// savepoint goes to every branch of the transaction.
		if router.HasParams(st.Node) {
			if op != router.OpSet {
				return s.writeErr(errNotSupported("parameters in a prepared %s are not supported: send it as a plain query", op))
			}
			// The shard's PREPARE checks the text and gives the
			// parameters' definitions; each execute runs the SET with the
			// values written in (setparams.go).
			bs, err := s.prepareAnswer(ctx, s.setShard(), sql)
			if err != nil {
				return s.writeErr(err)
			}
			p.params, p.rawParams, p.rawExt = bs.Params, bs.RawParams, bs.Extended
		}
		if op == router.OpKill || op == router.OpKillSelf {
			p.sql = orig
		}
		p.local = true
	default:
		if err := s.checkAllowed(ctx, st); err != nil {
			return s.writeErr(err)
		}
		if err := s.checkLockedTables(st); err != nil {
			return s.writeErr(err)
		}
		plan, err := s.plan(ctx, st)
		if err != nil {
			return s.writeErr(s.refusalOrShardError(ctx, st, sql, err))
		}
		p.plan = plan
		bs, err := s.prepareAnswer(ctx, plan.PrepareShard(), sql)
		if err != nil {
			return s.writeErr(err)
		}
		p.params, p.columns, p.rawParams, p.rawCols, p.rawExt = bs.Params, bs.Columns, bs.RawParams, bs.RawCols, bs.Extended
	}
	s.nextStmtID++
	p.id = s.nextStmtID
	s.stmts[p.id] = p
	return s.writePrepareOK(p)
}

// prepareAnswer is prepareOn with its error as the client gets it: the
// shard's own (a syntax error, an unknown table), or the shard down.
func (s *Session) prepareAnswer(ctx context.Context, shard, sql string) (*backend.Stmt, error) {
	bs, err := s.prepareOn(ctx, shard, sql)
	if err != nil {
		if _, ok := backend.ServerError(err); ok {
			return nil, err
		}
		return nil, errShardUnavailable(shard, err)
	}
	return bs, nil
}

// prepareOn prepares sql on a connection to shard to learn its parameters
// and columns; the statement stays cached on that connection.
func (s *Session) prepareOn(ctx context.Context, shard, sql string) (*backend.Stmt, error) {
	if s.tx != nil {
		if c, ok := s.tx.branches[shard]; ok {
			if err := c.Sync(ctx, s.physicalDB(), s.shardState()); err != nil {
				return nil, err
			}
			if p := s.pinned(shard); p != nil && p.c == c && p.locked {
				return c.Reprepare(ctx, sql)
			}
			return c.Prepare(ctx, sql)
		}
	}
	if p := s.pinned(shard); p != nil {
		// Its temporary tables and table locks decide what prepares.
		if err := p.c.Sync(ctx, s.physicalDB(), s.shardState()); err != nil {
			return nil, err
		}
		if p.locked {
			return p.c.Reprepare(ctx, sql)
		}
		return p.c.Prepare(ctx, sql)
	}
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return nil, err
	}
	defer s.release(c)
	return c.Prepare(ctx, sql)
}

func (s *Session) writePrepareOK(p *prepared) error {
	b := append(s.buf[:4], mysql.OK_HEADER)
	b = binary.LittleEndian.AppendUint32(b, p.id)
	b = binary.LittleEndian.AppendUint16(b, uint16(p.columns))
	b = binary.LittleEndian.AppendUint16(b, uint16(p.params))
	b = append(b, 0, 0, 0)
	if err := s.conn.WritePacket(b); err != nil {
		return err
	}
	for _, defs := range [][][]byte{p.rawParams, p.rawCols} {
		if len(defs) == 0 {
			continue
		}
		for _, d := range defs {
			if err := s.writeColumnDef(append(s.buf[:4], d...), p.rawExt); err != nil {
				return err
			}
		}
		if err := s.writeEOF(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Session) handleStmtExecute(ctx context.Context, payload []byte) error {
	if len(payload) < 9 {
		return s.writeErr(errMalformed("COM_STMT_EXECUTE shorter than 9 bytes"))
	}
	id := binary.LittleEndian.Uint32(payload)
	p, ok := s.stmts[id]
	if !ok {
		return s.writeErr(errUnknownStmt(id, "mysqld_stmt_execute"))
	}
	if payload[4]&cursorTypeReadOnly != 0 && p.columns > 0 {
		// Refused before anything is sent: a client told CURSOR_EXISTS
		// nowhere would wait for rows it never fetches, or fetch from a
		// cursor the proxy never opened (stmtcursor.go).
		s.startStatement(nil)
		p.clearLongData()
		return s.writeErr(errCursorNotSupported(id))
	}
	nullBitmap, types, values, err := p.executeParams(payload[9:]) // flags(1) and iteration count(4) are not forwarded
	if err != nil {
		return s.writeErr(err)
	}
	if err := s.checkReadSince(p.st, p.charsets, ""); err != nil {
		s.startStatement(nil)
		return s.writeErr(err)
	}
	if p.local {
		// BEGIN, COMMIT, SET, USE, SAVEPOINT, UNLOCK TABLES: the executor of text plans
		// runs them.
		if p.params > 0 {
			return s.runSetParams(ctx, p, nullBitmap, types, values)
		}
		return s.runText(ctx, p.sql)
	}
	s.startStatement(p.st)
	s.cur.typ = stmtType(p.st)
	defer p.clearLongData()
	return s.executePrepared(ctx, id, p, nullBitmap, types, values)
}

// executePrepared runs statement id's execute, apart from
// handleStmtExecute so that its defer is open-coded (execute.go).
func (s *Session) executePrepared(ctx context.Context, id uint32, p *prepared, nullBitmap, types, values []byte) error {
	if p.longSize > maxLongData {
		return s.writeErr(mysql.NewError(mysql.ER_NET_PACKET_TOO_LARGE, fmt.Sprintf("long data for statement %d exceeds %d bytes", id, maxLongData)))
	}
	if err := s.checkPreparedDB(p.db, p.st); err != nil {
		return s.writeErr(err)
	}
	if p.plan.DB != s.db || s.srv.router.Stale(p.plan) {
		// Its database functions read the current database, or the table
		// definitions changed (MariaDB re-prepares too).
		plan, err := s.plan(ctx, p.st)
		if err != nil {
			return s.writeErr(err)
		}
		p.plan = plan
	}
	if p.params == 0 && router.MayGatherInfo(p.st, s.db) {
		// Answered from every shard's rows, as the text statement is
		// (SHOW TABLE STATUS, SHOW INDEX, information_schema counts).
		if g, err := s.infoGather(p.st); err != nil || g != nil {
			if err != nil {
				return s.writeErr(err)
			}
			return s.answerInfoGather(ctx, p.st, g, p.sql, true, nil)
		}
	} else if router.ReadsOnlyInfoSchema(p.st, s.db) {
		// A SELECT with parameters too, written into its text (text and
		// integers only; others keep the one-shard filter).
		params, err := router.DecodeParams(p.params, nullBitmap, types, values, p.joinedLongData(), s.dateModes())
		if err != nil {
			return s.writeErr(errWrongArguments("mysqld_stmt_execute", err))
		}
		// The column definitions are those the shard gives the filtered
		// text with the same literals.
		g, defs, err := s.infoGatherBound(p.st, p.sql, params)
		if err != nil {
			return s.writeErr(err)
		}
		if g != nil {
			return s.answerInfoGather(ctx, p.st, g, defs, true, params)
		}
	}
	var params []router.Param
	if p.plan.NeedsParams() && p.params > 0 {
		var err error
		if params, err = router.DecodeParams(p.params, nullBitmap, types, values, p.joinedLongData(), s.dateModes()); err != nil {
			return s.writeErr(errWrongArguments("mysqld_stmt_execute", err))
		}
	}
	if err := s.checkReadOnly(p.st, p.plan); err != nil {
		return s.writeErr(err)
	}
	opts := s.bindOptions(ctx)
	locked := ""
	if opts.LockReads {
		// A locking read on one shard prepares the client's text with the
		// clause there: its answer stays the binary protocol's.
		locked, opts.OwnText = router.ShareLocked(p.sql)
	}
	if p.plan.NeedsParams() == false && opts.LockReads && !opts.OwnText && p.params > 0 {
		// Rewriting the statement as a locking read needs its parameters.
		var err error
		if params, err = router.DecodeParams(p.params, nullBitmap, types, values, p.joinedLongData(), s.dateModes()); err != nil {
			return s.writeErr(errWrongArguments("mysqld_stmt_execute", err))
		}
	}
	ex, err := p.plan.BindWith(params, opts)
	if err != nil {
		return s.bindFailed(ctx, err)
	}
	shardSQL := p.sql
	if ex.OwnLocked {
		shardSQL = locked
	}
	fresh := len(p.longData) > 0 && !p.executed
	return s.execute(ctx, p.st, ex, func(c *backend.Conn) (backend.Pending, error) {
		p.executed = true
		prepare := c.Prepare
		if fresh {
			// A shard's cached statement keeps the parameter types of
			// another session's last execute, and MariaDB reads long data
			// for a parameter it typed as a number otherwise than for a
			// fresh statement: no row where the client's own statement
			// finds one.
			prepare = c.Reprepare
		}
		bs, err := prepare(ctx, shardSQL)
		if err != nil {
			return backend.Pending{}, err
		}
		if bs.Params != p.params {
			return backend.Pending{}, errNotSupported("statement changed on shard %s since it was prepared (%d parameters, now %d): prepare it again", c.Shard(), p.params, bs.Params)
		}
		if err := sendLongData(ctx, c, bs.ID, p.longData); err != nil {
			return backend.Pending{}, err
		}
		// Cursors are not opened on shards: the whole result is sent, which
		// clients accept when the server announces no cursor.
		msg := make([]byte, 0, 10+len(nullBitmap)+len(types)+len(values))
		msg = binary.LittleEndian.AppendUint32(msg, bs.ID)
		msg = append(msg, 0, 1, 0, 0, 0)
		if p.params > 0 {
			msg = append(msg, nullBitmap...)
			msg = append(msg, 1)
			msg = append(msg, types...)
			msg = append(msg, values...)
		}
		if p.st.ReadOnly {
			// Opening a branch costs no extra round trip for a read.
			return c.SendReadOnly(ctx, mysql.COM_STMT_EXECUTE, msg)
		}
		return c.Send(ctx, mysql.COM_STMT_EXECUTE, msg)
	}, true)
}

// executeParams splits the parameter block of a COM_STMT_EXECUTE (after
// its flags and iteration count): the NULL bitmap, the types (sent now, or
// remembered from the last execute that sent them) and the values.
func (p *prepared) executeParams(rest []byte) (nullBitmap, types, values []byte, err error) {
	if p.params == 0 {
		return nil, nil, nil, nil
	}
	nb := (p.params + 7) / 8
	if len(rest) < nb+1 {
		return nil, nil, nil, errWrongArguments("mysqld_stmt_execute", fmt.Errorf("no NULL bitmap for %d parameters", p.params))
	}
	nullBitmap, rest = rest[:nb], rest[nb:]
	bound := rest[0]
	rest = rest[1:]
	if bound == 1 {
		if len(rest) < 2*p.params {
			return nil, nil, nil, errMalformed("COM_STMT_EXECUTE with truncated parameter types")
		}
		p.types = append(p.types[:0], rest[:2*p.params]...)
		rest = rest[2*p.params:]
	}
	if p.types == nil {
		// MariaDB needs no type for a NULL: a first execute of NULLs only
		// may leave the types out (go-mysql's client does).
		if !allNull(nullBitmap, p.params) {
			return nil, nil, nil, errWrongArguments("mysqld_stmt_execute", fmt.Errorf("parameter types were never sent"))
		}
		return nullBitmap, nullTypes(p.params), nil, nil // NULLs have no value bytes
	}
	return nullBitmap, p.types, rest, nil
}

// allNull: the NULL bitmap of an execute marks each of n parameters.
func allNull(bitmap []byte, n int) bool {
	for i := 0; i < n; i++ {
		if bitmap[i/8]&(1<<(i%8)) == 0 {
			return false
		}
	}
	return true
}

// nullTypes is the type list of n NULL parameters.
func nullTypes(n int) []byte {
	t := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		t[2*i] = mysql.MYSQL_TYPE_NULL
	}
	return t
}

func (s *Session) handleStmtReset(payload []byte) error {
	if len(payload) < 4 {
		return s.writeErr(errMalformed("COM_STMT_RESET without a statement id"))
	}
	id := binary.LittleEndian.Uint32(payload)
	p, ok := s.stmts[id]
	if !ok {
		return s.writeErr(errUnknownStmt(id, "mysqld_stmt_reset"))
	}
	p.clearLongData()
	return s.writeOK(0, 0, "")
}

// handleStmtFetch answers COM_STMT_FETCH (statement id, row count). The
// proxy never opens a cursor (COM_STMT_EXECUTE's cursor flag is not
// forwarded, and the whole result was sent), so a known statement has no
// open cursor, as in MariaDB after an execute without one.
func (s *Session) handleStmtFetch(payload []byte) error {
	if len(payload) < 8 {
		return s.writeErr(errMalformed("COM_STMT_FETCH shorter than 8 bytes"))
	}
	id := binary.LittleEndian.Uint32(payload)
	if _, ok := s.stmts[id]; !ok {
		return s.writeErr(errUnknownStmt(id, "mysqld_stmt_fetch"))
	}
	return s.writeErr(errNoCursor(id))
}
