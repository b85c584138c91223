package proxy

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// execute runs a bound plan. own sends the client's statement itself (a
// text query or a binary execute) to a connection; binary says which row
// format the client expects.
func (s *Session) execute(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	if ex.Op == router.ExecAnswer {
		return s.answerDiag(ctx, st, own, binary)
	}
	if err := s.checkRendered(st, ex); err != nil {
		if !ex.Narrowed {
			return s.writeErr(err)
		}
		// The narrowing only spares locks: the client's own statement,
		// which needs no rendering, gives the same answer.
		ex = ex.Unnarrowed()
		if err := s.checkRendered(st, ex); err != nil {
			return s.writeErr(err)
		}
	}
	if router.Redefines(st) {
		// The session's next statement is planned with the new table
		// definitions (a column-less INSERT after ALTER TABLE ADD COLUMN),
		// and knows the stored functions (CREATE FUNCTION, unparsed).
		defer func() { _, _ = s.srv.refreshCatalog(ctx, time.Now()) }()
	}
	chars, err := s.autocommitTxChars(st)
	if err != nil {
		return s.writeErr(err)
	}
	if err := s.checkHandlerLocks(st); err != nil {
		return s.writeErr(err)
	}
	if err := s.checkCallResults(st); err != nil {
		return s.writeErr(err)
	}
	if err := s.checkLockedTables(st); err != nil {
		return s.writeErr(err)
	}
	// Before a DDL's implicit commit: a refused statement commits nothing.
	if err := s.checkRunsOn(st, ex); err != nil {
		return s.writeErr(err)
	}
	return s.executeChecked(ctx, st, ex, own, binary, chars)
}

// executeChecked runs a statement execute has checked, chars being the
// characteristics of its autocommit transaction. execute is split so
// that no part has more than 15 returns times defers: up to that the
// compiler open-codes a function's defers, past it they go through the
// runtime (about 2 % of a point select's user time).
func (s *Session) executeChecked(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool, chars string) error {
	s.stmtChars = chars
	if len(ex.AutoIncSync) > 0 {
		defer s.syncAutoInc(ctx, ex.AutoIncSync)
	}
	errs := s.errsWritten
	// Its answer says IN_TRANS if it starts autocommit=0's transaction
	// (not a transaction of the proxy's own for an autocommit statement).
	s.curStartsTx = startsTransaction(st) && !s.autocommit
	defer func() {
		s.curStartsTx = false
		s.stmtChars = ""
		s.consumeTxChars(st, s.errsWritten != errs)
		var code uint16
		if s.errsWritten != errs {
			code = s.diag.lastErrorCode()
		}
		s.noteStarted(st, code)
	}()
	if st.ImplicitCommit {
		// Its implicit commit is the next transaction that SET TRANSACTION
		// was for (MariaDB 10.11: a write after DDL is no longer READ ONLY).
		s.nextTx = txChars{}
	}
	if st.ImplicitCommit && s.tx != nil {
		// As on a direct connection: DDL commits the open transaction first
		// (migration tools rely on it), across shards with the two-phase
		// commit of any COMMIT; if that fails the statement does not run.
		if err := s.endTx(ctx, true); err != nil {
			return s.writeErr(err)
		}
	}
	// A statement with an implicit commit runs outside any transaction,
	// also with autocommit=0 (inside an XA branch MariaDB would refuse it
	// with 1399); the next statement starts one. With autocommit=0 and no
	// transaction yet, MariaDB starts none for a read of no table (SELECT
	// @@in_transaction answers 0), so no branch is opened for it either.
	if st.ImplicitCommit || s.opensNoTx(st) {
		s.outsideTx = true
		defer func() { s.outsideTx = false }()
	}
	if st.ConnState == router.ConnStateLockTables {
		// LOCK TABLES first releases the table locks the session holds.
		if _, err := s.unlockTables(ctx); err != nil {
			return s.writeErr(err)
		}
	}
	if ex.Op == router.ExecUserLock {
		return s.runUserLock(ctx, st, own)
	}
	if st.ConnState == router.ConnStateHandlerUse || st.ConnState == router.ConnStateHandlerClose {
		return s.runHandlerUse(ctx, st, own)
	}
	return s.executeRouted(ctx, st, ex, own, binary)
}

// executeRouted runs a statement on the shards its plan names.
func (s *Session) executeRouted(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	s.cur.route = routeName(ex)
	defer s.pinStatementTime(st, ex)()
	return s.runExec(ctx, st, ex, own, binary)
}

// runExec is executeRouted's work, without its defer.
func (s *Session) runExec(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	if len(st.AssignsVars) > 0 && ex.Op != router.ExecSingle && (st.SelectInto || !(ex.Op == router.ExecRewritten && !binary)) {
		return s.writeErr(errAssignsAcrossShards())
	}
	if st.LastInsertID&router.LastIDSets != 0 && len(ex.Parts) > 1 && ex.Op != router.ExecCopies {
		return s.writeErr(errSetsLastIDAcrossShards())
	}
	if ex.Load != nil {
		return s.runLoad(ctx, ex, own)
	}
	switch ex.Op {
	case router.ExecSingle:
		shard := ex.Parts[0].Shard
		if ex.CreateAutoInc != nil {
			return s.runShowCreate(ctx, shard, st, ex.CreateAutoInc, binary)
		}
		if ex.AnyOf != nil && s.tx != nil {
			for _, c := range ex.AnyOf {
				if s.tx.branches[c] != nil {
					shard = c
					break
				}
			}
		}
		return s.runOn(ctx, shard, st, own)
	case router.ExecReturning:
		return s.runWriteReturning(ctx, st, ex, own, binary)
	case router.ExecDDL:
		return s.runDDL(ctx, st, ex, own, binary)
	case router.ExecChecksum:
		return s.runChecksum(ctx, st, ex, binary)
	case router.ExecShowTables:
		return s.runShowTables(ctx, st, ex, own, binary)
	case router.ExecMerge:
		if ex.Locking && s.tx == nil && s.autocommit && len(ex.Parts) > 1 && !s.holdsTableLocks() {
			return s.runLockingMerge(ctx, st, ex, binary)
		}
		return s.runMergeCounted(ctx, st, ex, binary)
	case router.ExecRewritten:
		if binary && !ex.Write {
			// A rewritten statement answers in the text protocol; a binary
			// client gets its rows re-encoded.
			return s.runOnePartBinary(ctx, st, ex)
		}
		return s.runOn(ctx, ex.Parts[0].Shard, st, func(c *backend.Conn) (backend.Pending, error) {
			return c.Send(ctx, mysql.COM_QUERY, []byte(ex.Parts[0].SQL))
		})
	default: // ExecWrite, ExecCopies
		return s.runWrite(ctx, st, ex, own)
	}
}

// sendPart sends a part's statement, its own SQL or the client's, and
// settles it: a transaction start sent with it answers first, and if it
// failed the statement did not run.
func sendPart(ctx context.Context, c *backend.Conn, p router.Part, own func(*backend.Conn) (backend.Pending, error)) (backend.Reply, error) {
	var sent backend.Pending
	var err error
	if p.SQL == "" {
		sent, err = own(c)
	} else {
		sent, err = c.Send(ctx, mysql.COM_QUERY, []byte(p.SQL))
	}
	if err != nil {
		return backend.Reply{}, err
	}
	return sent.Settle(ctx)
}

// okInfo is what an OK packet says.
type okInfo struct {
	affected, insertID uint64
	status, warnings   uint16
	info               string // the last OK's info text ("Rows matched: ...")
}

// readOK reads a response that the client does not see directly: an OK,
// an error, or a result set that is drained.
func (s *Session) readOK(c backend.Reply) (okInfo, *mysql.MyError, error) {
	ok, _, srvErr, err := s.readOKRows(c, false)
	return ok, srvErr, err
}

// readOKRows is readOK that, with keep, also returns the rows of the
// result sets read (a table maintenance statement's answer).
func (s *Session) readOKRows(c backend.Reply, keep bool) (okInfo, *resultCopy, *mysql.MyError, error) {
	var ok okInfo
	var kept *resultCopy
	for {
		p, err := s.readBackend(c)
		if err != nil {
			return ok, kept, nil, err
		}
		switch p[4] {
		case mysql.OK_HEADER:
			b := p[5:]
			a, _, n := mysql.LengthEncodedInt(b)
			b = b[n:]
			id, _, n := mysql.LengthEncodedInt(b)
			b = b[n:]
			if id != 0 {
				ok.insertID = id
			}
			info := ""
			if len(b) >= 4 {
				ok.status = uint16(b[0]) | uint16(b[1])<<8
				ok.warnings += uint16(b[2]) | uint16(b[3])<<8
				info = backend.OKInfo(b[4:])
			}
			ok.info = info
			ok.affected += s.affectedForClient(a, info)
			if ok.status&mysql.SERVER_MORE_RESULTS_EXISTS == 0 {
				return ok, kept, nil, nil
			}
		case mysql.ERR_HEADER:
			return ok, kept, parseErrPacket(p[4:]), nil
		default:
			rows, err := s.openRows(c, p)
			if err != nil {
				return ok, kept, nil, err
			}
			if keep {
				kept = copyResult(kept, rows)
			}
			rows.Close()
			if rows.err != nil {
				if me, isMy := backend.ServerError(rows.err); isMy {
					return ok, kept, me, nil
				}
				return ok, kept, nil, rows.err
			}
			ok.status = rows.status
			if keep {
				ok.warnings += rows.warnings
			}
			if ok.status&mysql.SERVER_MORE_RESULTS_EXISTS == 0 {
				return ok, kept, nil, nil
			}
		}
	}
}

// runWrite runs a write on several shards inside the session's transaction,
// or an implicit one in autocommit mode, so that a failure on one shard
// rolls the others back.
func (s *Session) runWrite(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error)) error {
	if len(ex.Parts) > 0 && ex.Parts[0].ValuesRows != nil {
		defer s.cutConditions() // notePartWarnings left them whole
	}
	implicit := s.tx == nil && s.autocommit
	if implicit {
		s.tx = s.newTxn(false)
		s.tx.perStatement = s.holdsTableLocks()
	}
	var total okInfo
	var once onceParts // ex.OnceWarnings: the parts' warnings, recorded at the end
	wrote := false     // some part wrote a row (ex.InsertIDIfWritten)
	for i, part := range ex.Parts {
		c, _, err := s.connFor(ctx, part.Shard)
		var prior uint64
		if err == nil {
			err = markPart(ctx, c, implicit, i, len(ex.Parts))
		}
		if err == nil {
			prior, err = s.prepareLastID(ctx, c, st)
		}
		var reply backend.Reply
		if err == nil {
			s.track(c)
			reply, err = sendPart(ctx, c, part, own)
		}
		var ok okInfo
		var srvErr *mysql.MyError
		if me, isMy := backend.ServerError(err); isMy && !s.branchLost(part.Shard) {
			srvErr, err = me, nil
		} else if err == nil {
			ok, srvErr, err = s.readOK(reply)
		}
		srvErr = renumberError(srvErr, part.ValuesRows)
		if c != nil {
			s.untrack(c)
		}
		skipped := srvErr != nil && err == nil && skippedByIgnore(st, part, srvErr, s.db)
		if skipped {
			ok, srvErr = s.skipIgnoredRow(srvErr), nil
		}
		if err != nil || srvErr != nil {
			s.noteOnceParts(once, false)
			return s.failWrite(ctx, st, ex, i, implicit, c, err, srvErr, own)
		}
		if ex.Copies && i > 0 {
			// Another copy of the same rows: the client counts them once.
			continue
		}
		switch {
		case ex.OnceWarnings && !skipped:
			once.read(ctx, c, ok.warnings)
		case !skipped:
			s.notePartWarnings(ctx, c, ok.warnings, part.ValuesRows)
		}
		if ok.info == "" && len(part.ValuesRows) == 1 {
			// A row of a multi-row INSERT: MariaDB writes no info for one
			// row, the statement's info counts it all the same.
			ok.info = singleRowInsertInfo(st, ok.affected, ok.warnings)
		}
		total.info = mergeOKInfo(total.info, ok.info, i == 0)
		total.affected += ok.affected
		wrote = wrote || ex.PartWrote(ok.insertID, ok.affected)
		if ok.insertID != 0 {
			total.insertID = ok.insertID
		}
		s.afterLastID(ctx, c, st, ok.insertID, prior, true) // a branch: read when needed
		total.warnings += ok.warnings
		total.status |= ok.status & indexFlags // as a merged read's (indexFlags)
	}
	if len(ex.Parts) > 1 && ex.Parts[0].ValuesRows != nil {
		s.orderConditionsByRow()
		if d := s.dropRepeatedOmitted(st); d > 0 {
			total.warnings -= uint16(min(d, uint64(total.warnings)))
			total.info = withOKInfoCount(total.info, "Warnings", uint64(total.warnings))
		}
	}
	if ex.OnceWarnings {
		n := s.noteOnceParts(once, true)
		total.warnings = uint16(min(n, math.MaxUint16)) // a DELETE's OK has no info
	}
	if implicit {
		if err := s.endTx(ctx, true); err != nil {
			return s.writeErr(err)
		}
	}
	if ex.InsertID != 0 && (wrote || !ex.InsertIDIfWritten) {
		// The router gave the ids: MariaDB's answer is the statement's
		// first generated id, which only one shard's OK packet names, or
		// the last row's explicit id, which a shard that did not hold the
		// last row does not name. Written nothing: 0, as every shard's.
		total.insertID = ex.InsertID
	}
	return s.writeOKStatus(total.affected, total.insertID, s.status(total.status), total.warnings, total.info)
}

// statementOnly: the multi-shard statement failed on a shard with a server
// error that rolls back only the statement there. Once the parts that ran
// before are undone (undoParts), inside a transaction it is an error of the
// statement alone, as on one MariaDB: the transaction goes on (and keeps
// what earlier statements did).
func statementOnly(lost error, srvErr *mysql.MyError) bool {
	if lost != nil || srvErr == nil {
		return false
	}
	switch srvErr.Code {
	case mysql.ER_LOCK_DEADLOCK, mysql.ER_LOCK_WAIT_TIMEOUT, mysql.ER_XA_RBDEADLOCK, mysql.ER_XA_RBTIMEOUT, mysql.ER_XA_RBROLLBACK:
		return false // these end the whole transaction (afterBranchStatement)
	}
	return true
}

// abortMultiShard ends a multi-shard statement that failed on one shard
// where its parts elsewhere cannot be undone alone (stmtundo.go): the whole
// transaction is rolled back (in autocommit mode that is just this
// statement).
func (s *Session) abortMultiShard(ctx context.Context, implicit bool, shard string, cause error) error {
	applied := s.tx != nil && (len(s.tx.branches) > 1 || (len(s.tx.branches) == 1 && s.tx.branches[shard] == nil))
	explicit := s.tx != nil && s.tx.explicit
	s.endTx(ctx, false)
	me := toMyError(cause)
	if !implicit && me.Code != mysql.ER_LOCK_DEADLOCK {
		// MariaDB rolls back a transaction on a deadlock only: after any
		// other error its transaction goes on, as the client believes.
		s.refuseUntilRollback(explicit, fmt.Sprintf("the statement failed on shard %s (%d: %s) and xaproxy rolled the whole transaction back; issue ROLLBACK and retry the transaction", shard, me.Code, me.Message))
	}
	if !implicit && applied {
		return s.writeErr(&mysql.MyError{Code: me.Code, State: me.State,
			Message: fmt.Sprintf("%s (on shard %s; the statement had already run on other shards, so the whole transaction was rolled back)", me.Message, shard)})
	}
	return s.writeErr(cause)
}

// ddlConn is the connection DDL runs on: where the session keeps state on
// the shard (a temporary table of that name shadows the base table), and
// for temporary tables, which MariaDB creates inside an open transaction,
// the transaction's; else a pooled one.
func (s *Session) ddlConn(ctx context.Context, st *router.Statement, shard string) (*backend.Conn, error) {
	if s.pinned(shard) != nil || st.ConnState == router.ConnStateTempCreate || (st.ConnState == router.ConnStateTempDrop && !st.ImplicitCommit) {
		c, _, err := s.connFor(ctx, shard)
		return c, err
	}
	return s.acquire(ctx, shard)
}

// runUserLock runs a statement calling user-level lock functions on the
// first configured shard, the same for every session, so that sessions
// contend for the same lock names; the connection is kept while the
// session may hold locks.
func (s *Session) runUserLock(ctx context.Context, st *router.Statement, own func(*backend.Conn) (backend.Pending, error)) error {
	if len(st.Tables) > 0 {
		return s.writeErr(errNotSupported("user-level lock functions (GET_LOCK, RELEASE_LOCK, ...) in a statement that also reads tables are not supported: call them in a statement of their own"))
	}
	s.cur.route = "single"
	if st.ConnState != router.ConnStateUserLock {
		return s.runOn(ctx, s.srv.cfg.Shards[0].Name, st, own)
	}
	return s.runWith(ctx, s.srv.cfg.Shards[0].Name, st, func(c *backend.Conn) (backend.Pending, error) {
		if err := plantDiagMarker(ctx, c); err != nil {
			return backend.Pending{}, err
		}
		return own(c)
	}, func(c backend.Reply) (outcome, error) {
		o, err := s.forward(c)
		if err == nil && o.srvErr == nil && o.lost == nil && o.warnings == 0 && diagCleared(ctx, c.Conn()) {
			s.diag = diagnostics{}
		}
		return o, err
	})
}

// runDDL runs a schema change on each shard in turn and stops at the first
// that fails: DDL is not transactional, so what applied cannot be undone,
// but the shards after it are left as they were (a failure on the first
// shard then changes nothing, as on one server).
func (s *Session) runDDL(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	if ex.LockProbe != "" {
		if err := s.probeDDLLocks(ctx, ex); err != nil {
			return s.writeErr(err)
		}
	}
	var applied []string
	var answers []*resultCopy // ex.TableAdmin: each applied shard's result set
	var total okInfo
	for i, part := range ex.Parts {
		turn := ddlFirst
		if len(applied) > 0 {
			turn = ddlOwnRows
			if ex.Copies {
				turn = ddlCopy
			}
		}
		if ex.TableAdmin && binary {
			// The shards answer the text, whose rows the proxy reads and
			// re-encodes for the prepared statement.
			part.SQL = st.SQL
		}
		ok, kept, srvErr := s.runDDLPart(ctx, st, part, own, turn, ex.TableAdmin)
		if srvErr != nil {
			return s.ddlFailed(ctx, st, ex, applied, ex.Parts[i+1:], partFailure{err: srvErr, shard: part.Shard})
		}
		if len(applied) == 0 || ex.SumAffected {
			total.affected += ok.affected
			// "Records: N  Duplicates: N  Warnings: N" (ALTER TABLE, CREATE
			// INDEX): the rows of every shard, the statement's warnings.
			total.info = mergeOKInfo(total.info, ok.info, len(applied) == 0)
		}
		total.warnings += ok.warnings
		applied = append(applied, part.Shard)
		answers = append(answers, kept)
	}
	if ex.TableAdmin {
		return s.writeAdminAnswer(applied, answers, binary)
	}
	info := withOKInfoCount(total.info, "Warnings", uint64(total.warnings))
	return s.writeOKStatus(total.affected, 0, s.status(0), total.warnings, info)
}

// ddlFailed answers a DDL that failed with f after it applied on the
// shards applied; notRun are the parts it did not reach.
func (s *Session) ddlFailed(ctx context.Context, st *router.Statement, ex *router.Exec, applied []string, notRun []router.Part, f partFailure) error {
	if len(applied) == 0 {
		// Failed on the first shard, the others not run: one server
		// stops at the first row it copies that fails, counting the whole
		// table's rows.
		if !ex.Copies && !scanFailure([]partFailure{f}, len(ex.Parts)) {
			return s.writeErr(refusedFailure("the statement failed on shard "+f.shard+" (%s) and was not run on the others; which error one server would report cannot be told from it: one server copies every shard's rows, counts rows over the whole table and stops at the first that fails; nothing was applied", []partFailure{f}).err)
		}
		return s.writeErr(f.err)
	}
	if st.ConnState == router.ConnStateLockTables {
		// A LOCK TABLES that failed holds no lock on MariaDB: neither may
		// the shards where it succeeded.
		_, _ = s.unlockTables(ctx)
		return s.writeErr(f.err)
	}
	failed := fmt.Sprintf("%s (%d: %s)", f.shard, f.err.Code, f.err.Message)
	if len(notRun) > 0 {
		failed += "; not run on " + strings.Join(partShards(notRun), ", ")
	}
	return s.writeErr(&mysql.MyError{Code: f.err.Code, State: f.err.State, Message: fmt.Sprintf(
		"DDL failed on shard %s; applied on %s: until the shards define its tables alike again, statements naming them are refused; undo it where it applied (with IF EXISTS), fix the rows and run it again",
		failed, strings.Join(applied, ", "))})
}

// partShards names the shards of parts.
func partShards(parts []router.Part) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.Shard
	}
	return out
}

// ddlTurn is which shard of a DDL a part runs on.
type ddlTurn int

const (
	ddlFirst   ddlTurn = iota // the first to apply it: its conditions are the statement's
	ddlOwnRows                // a later shard with rows of its own: its rows' warnings count too
	ddlCopy                   // a later copy of a broadcast table: it repeats the first
)

// runDDLPart runs a schema change on one shard. Every shard runs the same
// DDL: the first to apply it gives the statement's notes (DROP ... IF
// EXISTS of a missing object: one Note, as on one server); a later one
// adds only its warnings, about its own rows (none for a copy), and ok
// counts them.
func (s *Session) runDDLPart(ctx context.Context, st *router.Statement, part router.Part, own func(*backend.Conn) (backend.Pending, error), turn ddlTurn, keep bool) (okInfo, *resultCopy, *mysql.MyError) {
	c, err := s.ddlConn(ctx, st, part.Shard)
	if err != nil {
		return okInfo{}, nil, toMyError(err)
	}
	s.pinFor(st, c)
	s.track(c)
	var ok okInfo
	var srvErr *mysql.MyError
	var reply backend.Reply
	var kept *resultCopy
	if reply, err = sendPart(ctx, c, part, own); err == nil {
		ok, kept, srvErr, err = s.readOKRows(reply, keep)
	} else if me, isMy := backend.ServerError(err); isMy {
		srvErr, err = me, nil
	}
	s.untrack(c)
	if err != nil {
		c.MarkBroken()
	}
	counted := ok.warnings
	switch {
	case turn == ddlOwnRows && srvErr == nil && err == nil:
		ok.warnings = s.noteRowWarnings(ctx, c, counted)
		counted = 0 // noted above
	case turn == ddlCopy:
		ok.warnings, counted = 0, 0
	}
	s.afterStatementOn(ctx, part.Shard, c, st, outcome{srvErr: srvErr, lost: err, warnings: counted}, 0)
	if err != nil {
		return ok, nil, toMyError(errShardUnavailable(part.Shard, err))
	}
	return ok, kept, srvErr
}

// mergeConns returns one connection per shard for a merged read: the
// transaction's branches when there is a transaction (reads see its
// writes), pooled connections otherwise.
func (s *Session) mergeConns(ctx context.Context, parts []router.Part) ([]*backend.Conn, func(), error) {
	conns := make([]*backend.Conn, 0, len(parts))
	var pooled []*backend.Conn
	release := func() {
		for _, c := range pooled {
			s.srv.pools[c.Shard()].Release(c)
		}
	}
	for _, part := range parts {
		c, pinned, err := s.connFor(ctx, part.Shard)
		if err != nil {
			release()
			return nil, nil, err
		}
		if !pinned {
			pooled = append(pooled, c)
		}
		conns = append(conns, c)
	}
	return conns, release, nil
}

// runMerge runs st, a SELECT, on several shards and merges the rows;
// after, if set, is called with the connections once the rows are sent,
// before anything else runs on them.
func (s *Session) runMerge(ctx context.Context, st *router.Statement, ex *router.Exec, binary bool, after func([]*backend.Conn)) error {
	if err := ex.Merge.ConnTextError(s.collationConnection()); err != nil {
		return s.writeErr(err) // before any shard runs it
	}
	conns, release, err := s.mergeConns(ctx, ex.Parts)
	if err != nil {
		return s.writeErr(err)
	}
	defer release()
	for _, c := range conns {
		s.track(c)
	}
	defer func() {
		for _, c := range conns {
			s.untrack(c)
		}
	}()
	if st.LastInsertID&router.LastIDReads != 0 {
		// Each shard answers LAST_INSERT_ID() from its connection, which
		// holds whatever its last user left there.
		for _, c := range conns {
			if err := s.giveLastID(ctx, c); err != nil {
				return s.failMerge(ctx, conns, shardErr(c.Shard(), err))
			}
		}
	}
	// Send every query first so that the shards work in parallel.
	sent := make([]backend.Pending, len(conns))
	for i, part := range ex.Parts {
		if sent[i], err = conns[i].Send(ctx, mysql.COM_QUERY, []byte(part.SQL)); err != nil {
			// The parts already sent have answers nobody will read: those
			// connections cannot serve again.
			for _, c := range conns[:i+1] {
				c.MarkBroken()
			}
			return s.failMerge(ctx, conns, errShardUnavailable(part.Shard, err))
		}
	}
	inputs := make([]engine.Rows, len(conns))
	var firstErr error
	failed := -1         // the shard of firstErr
	var openErrs []error // every shard's that failed at once
	for i, c := range conns {
		reply, err := sent[i].Settle(ctx)
		if err != nil {
			if firstErr == nil {
				firstErr, failed = shardErr(c.Shard(), err), i
			}
			continue
		}
		r, err := s.openResult(reply)
		if err != nil {
			openErrs = append(openErrs, err)
			if firstErr == nil {
				firstErr, failed = err, i
			}
		}
		if r != nil {
			inputs[i] = r
		}
	}
	if firstErr != nil {
		closeInputs(inputs)
		s.afterMergeRead(ctx, conns)
		err := s.writeErr(s.clientTextError(ctx, openError(firstErr, openErrs, inputs)))
		s.keepShardConditions(ctx, conns[failed], firstErr)
		return err
	}
	if err := mergeShapeError(conns, inputs); err != nil {
		closeInputs(inputs)
		s.srv.refreshCatalogAsync() // the statements after it are refused before they run
		return s.writeErr(err)
	}
	if binary && inputs[0] != nil {
		if err := ex.Merge.CheckBinary(inputs[0].Columns()); err != nil {
			closeInputs(inputs)
			return s.writeErr(err)
		}
	}
	var computed engine.Warnings // of the expressions the merge computes
	rows, err := ex.Merge.Pipeline(inputs, &computed)
	if err == nil {
		// An operator that cannot merge these columns (text in a
		// character set it does not compare) fails before any row.
		if err = engine.BuildError(rows); err != nil {
			rows.Close()
		}
	}
	if err != nil {
		closeInputs(inputs)
		return s.writeErr(err)
	}
	n, limited := s.selectLimit()
	if limited && ex.Merge.Count < 0 && len(conns) > 1 {
		// The statement has no LIMIT of its own (sqlmode.go). One shard's
		// answer is already the statement's: runOnePartBinary's merge
		// says no LIMIT whatever the statement's text has.
		rows = engine.Limit(rows, 0, int64(min(n, math.MaxInt64)))
	}
	if len(conns) > 1 {
		rows = &readErrors{Rows: rows, inputs: inputs}
	}
	locking := ex.Locking && s.tx != nil && len(conns) > 1
	var once []engine.Row // the shards' warnings put together (oncewarnings.go)
	onceOK := false
	finish := func() (rowsEnd, error) {
		// Every shard's answer read to its end: the count of its warnings
		// and its plan's index flags are in its last packet.
		rows.Close()
		var shards uint64
		var flags uint16
		for _, in := range inputs {
			in.Close()
			if r, ok := in.(*shardRows); ok {
				shards += uint64(r.warnings)
				flags |= r.status & indexFlags
			}
		}
		if ex.Merge.OnceWarnings && !limited && after == nil {
			if once, onceOK = s.onceShardConditions(ctx, conns, inputs); onceOK {
				shards = uint64(len(once))
			}
		}
		warnings := computed.Count() + uint64(len(ex.Merge.Warnings)) + shards
		if locking {
			// The rows of a locking read are consistent only if every
			// branch still held its locks when the last part was read: a
			// branch whose connection died released them early, and a
			// writer may have committed in between. Check before the
			// result is complete.
			if err := s.branchesAlive(ctx, conns); err != nil {
				return rowsEnd{}, err
			}
		}
		return rowsEnd{warnings: uint16(min(warnings, math.MaxUint16)), status: flags}, nil
	}
	if w := ex.Merge.Warnings; len(w) > 0 {
		// Raised resolving the statement's names: before any other.
		s.addConditions(uint64(len(w)), 0, conditionRows(w))
	}
	err = s.writeRowsVerified(rows, binary, finish)
	rows.Close()
	closeInputs(inputs) // every shard's answer read to its end
	if after != nil && err == nil && s.resRun != nil && !s.resRun.failed {
		after(conns)
	}
	if onceOK {
		s.addConditions(uint64(len(once)), countErrors(once), once)
	} else {
		s.noteShardWarnings(ctx, conns, inputs)
	}
	if conds, n := computed.Rows(s.maxErrorCount()); n > 0 {
		s.addConditions(n, 0, conds)
	}
	s.afterMergeRead(ctx, conns)
	return err
}

// closeInputs closes the shards' answers that were opened.
func closeInputs(inputs []engine.Rows) {
	for _, in := range inputs {
		if in != nil {
			in.Close()
		}
	}
}

// noteShardWarnings records the warnings of each shard of a merge, in
// the shards' order.
func (s *Session) noteShardWarnings(ctx context.Context, conns []*backend.Conn, inputs []engine.Rows) {
	for i, in := range inputs {
		if r, ok := in.(*shardRows); ok && !conns[i].Broken() {
			s.noteWarnings(ctx, conns[i], r.warnings)
		}
	}
}

// failMerge reports a failed merged read; a lost branch aborts the
// transaction as for any statement.
func (s *Session) failMerge(ctx context.Context, conns []*backend.Conn, err error) error {
	s.afterMergeRead(ctx, conns)
	return s.writeErr(err)
}

// afterMergeRead handles branches whose connection broke during a read.
func (s *Session) afterMergeRead(ctx context.Context, conns []*backend.Conn) {
	if s.tx == nil {
		return
	}
	for _, c := range conns {
		if c.Broken() && s.tx.branches[c.Shard()] == c {
			s.afterBranchStatement(ctx, c.Shard(), c, nil, outcome{lost: fmt.Errorf("connection lost during a read")})
		}
	}
}

// openResult reads the start of a shard's answer to a query: a result set
// header, or the error that replaced it.
func (s *Session) openResult(c backend.Reply) (*shardRows, error) {
	p, err := s.readBackend(c)
	if err != nil {
		return nil, errShardUnavailable(c.Shard(), err)
	}
	switch p[4] {
	case mysql.ERR_HEADER:
		return nil, parseErrPacket(p[4:])
	case mysql.OK_HEADER:
		return &shardRows{s: s, c: c, done: true}, nil
	}
	return s.openRows(c, p)
}

// shardRows reads a result set from a shard as engine rows.
type shardRows struct {
	s      *Session
	c      backend.Reply
	cols   []*mysql.Field
	done   bool
	err    error
	status uint16
	// warnings is the final EOF's warning count.
	warnings uint16
}

// openRows reads the column definitions that follow a column-count packet.
func (s *Session) openRows(c backend.Reply, first []byte) (*shardRows, error) {
	n, _, _ := mysql.LengthEncodedInt(first[4:])
	r := &shardRows{s: s, c: c, cols: make([]*mysql.Field, 0, n)}
	for i := uint64(0); i < n; i++ {
		p, err := s.readBackend(c)
		if err != nil {
			return nil, errShardUnavailable(c.Shard(), err)
		}
		f, ok := parseColumnDef(p[4:], c.ExtendedMetadata())
		if !ok {
			c.MarkBroken()
			return nil, errMalformed("column definition from shard " + c.Shard())
		}
		r.cols = append(r.cols, f)
	}
	if _, err := s.readBackend(c); err != nil { // EOF after the definitions
		return nil, errShardUnavailable(c.Shard(), err)
	}
	return r, nil
}

func (r *shardRows) Columns() []*mysql.Field { return r.cols }

func (r *shardRows) Next() (engine.Row, error) {
	if r.done {
		if r.err != nil {
			return nil, r.err
		}
		return nil, io.EOF
	}
	p, err := r.s.readBackend(r.c)
	if err != nil {
		r.done, r.err = true, errShardUnavailable(r.c.Shard(), err)
		return nil, r.err
	}
	switch {
	case isEOF(p[4:]):
		r.done, r.status, r.warnings = true, eofStatus(p), eofWarnings(p)
		return nil, io.EOF
	case p[4] == mysql.ERR_HEADER:
		r.done, r.err = true, parseErrPacket(p[4:])
		return nil, r.err
	}
	row, err := engine.DecodeTextRow(p[4:], len(r.cols))
	if err != nil {
		r.c.MarkBroken()
		r.done, r.err = true, errMalformed("row from shard "+r.c.Shard())
		return nil, r.err
	}
	return row, nil
}

// Close reads what is left so that the connection can serve again.
func (r *shardRows) Close() {
	for !r.done {
		if _, err := r.Next(); err != nil {
			break
		}
	}
}

// branchesAlive pings the transaction branches a read used, in parallel.
func (s *Session) branchesAlive(ctx context.Context, conns []*backend.Conn) error {
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Ping(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return mysql.NewError(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf(
				"locking read failed: the transaction's connection to shard %s was lost while the read ran, so its locks were released and the rows read may not be consistent (%v); the transaction must be rolled back", conns[i].Shard(), err))
		}
	}
	return nil
}

// writeRows sends a merged result set in the client's protocol.
func (s *Session) writeRows(rows engine.Rows, binary bool) error {
	return s.writeRowsVerified(rows, binary, nil)
}

// rowsEnd is what a merged result set's EOF says besides the session's
// status: the warning count, and status flags of the shards' plans.
type rowsEnd struct {
	warnings, status uint16
}

// indexFlags are the status flags of a statement's plan, which MariaDB
// sets when it scanned without a (good) index (PHP's MYSQLI_REPORT_INDEX
// reads them). A merge reports a flag any shard's plan had: the shards
// run the statement's own conditions.
const indexFlags = mysql.SERVER_STATUS_NO_GOOD_INDEX_USED | mysql.SERVER_STATUS_NO_INDEX_USED

// writeRowsVerified is writeRows with a last step, finish, run after the
// last row: if it fails, the result set ends with its error instead of
// EOF, so the client does not take the rows for a complete answer;
// otherwise the EOF carries the warning count and flags it returns.
func (s *Session) writeRowsVerified(rows engine.Rows, binary bool, finish func() (rowsEnd, error)) error {
	cols := rows.Columns()
	s.noteResultSet()
	p := mysql.AppendLengthEncodedInteger(s.buf[:4], uint64(len(cols)))
	if err := s.conn.WritePacket(p); err != nil {
		return err
	}
	for _, f := range cols {
		if err := s.writeField(f); err != nil {
			return err
		}
	}
	if err := s.writeEOF(); err != nil {
		return err
	}
	for {
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s.writeErr(err)
		}
		var out []byte
		if binary {
			out, err = engine.EncodeBinaryRow(s.buf[:4], cols, row)
			if err != nil {
				return s.writeErr(err)
			}
		} else {
			out = engine.EncodeTextRow(s.buf[:4], engine.TextRow(cols, row))
		}
		s.noteRowsSent(1)
		if err := s.conn.WritePacket(out); err != nil {
			return err
		}
		if cap(out) <= 1<<20 {
			s.buf = out[:4]
		}
	}
	var end rowsEnd
	if finish != nil {
		var err error
		if end, err = finish(); err != nil {
			return s.writeErr(err)
		}
	}
	if s.timedOut.Load() {
		// The statement was interrupted: rows cut short must not look like
		// a complete result.
		return s.writeErr(s.errQueryTimeout())
	}
	return s.writeEOFStatus(end.warnings, end.status)
}

// runShowTables lists the logical tables: each sharded or broadcast table
// once, unsharded tables from their default shard.
func (s *Session) runShowTables(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	if binary {
		// The shards' answers are read as text rows (a prepared one's
		// binary rows were malformed text, 1835): each shard runs the
		// query, and the merged rows are encoded for the client.
		if router.HasParams(st.Node) {
			return s.writeErr(errNotSupported("parameters in a prepared SHOW TABLES are not supported: send it as a plain query"))
		}
		own = func(c *backend.Conn) (backend.Pending, error) {
			return c.Send(ctx, mysql.COM_QUERY, []byte(st.SQL))
		}
	}
	var cols []*mysql.Field
	var all []engine.Row
	for _, part := range ex.Parts {
		c, err := s.acquire(ctx, part.Shard)
		if err != nil {
			return s.writeErr(err)
		}
		pool := s.srv.pools[part.Shard]
		s.track(c)
		rows, err := func() (*shardRows, error) {
			reply, err := sendPart(ctx, c, part, own)
			if err != nil {
				return nil, errShardUnavailable(part.Shard, err)
			}
			return s.openResult(reply)
		}()
		if err != nil {
			s.untrack(c)
			pool.Release(c)
			return s.writeErr(err)
		}
		cols = rows.cols
		for {
			row, err := rows.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				s.untrack(c)
				pool.Release(c)
				return s.writeErr(err)
			}
			if len(row) > 0 && ex.ShowTables.Keep(part.Shard, string(row[0])) {
				all = append(all, row)
			}
		}
		s.untrack(c)
		pool.Release(c)
	}
	sort.SliceStable(all, func(i, j int) bool { return string(all[i][0]) < string(all[j][0]) })
	return s.writeRows(engine.FromSlice(cols, all), binary)
}

// routeName is the route label of the query metrics: how an executed plan
// runs.
func routeName(ex *router.Exec) string {
	switch ex.Op {
	case router.ExecSingle, router.ExecRewritten, router.ExecAnswer, router.ExecUserLock:
		return "single"
	case router.ExecDDL:
		return "ddl"
	case router.ExecShowTables, router.ExecMerge, router.ExecChecksum:
		return "merge"
	case router.ExecCopies:
		return "broadcast_write"
	case router.ExecReturning:
		if ex.Copies {
			return "broadcast_write"
		}
	}
	return "scatter"
}

// collationConnection is the session's collation_connection as the state
// records it (SET NAMES, the handshake); "" when the session has the
// server's default, which the proxy does not know.
func (s *Session) collationConnection() string {
	v, ok := s.vars.Get(backend.VarCollation)
	if !ok || !strings.HasPrefix(v, "'") {
		return ""
	}
	return strings.Trim(v, "'")
}
