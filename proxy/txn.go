package proxy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/xa"
)

// txn is a session's open transaction. Branches are opened lazily: a shard
// joins the transaction with the first statement that runs on it, as an
// XA branch from the start (XA START travels with that statement), so a
// transaction that grows to a second shard needs no conversion. A
// deployment of one shard opens plain transactions instead (plaintx.go).
type txn struct {
	explicit bool // BEGIN/START TRANSACTION; false: autocommit=0
	// began is the session's own isolation level and access mode when the
	// transaction began (sessionChars): SET SESSION TRANSACTION inside it
	// is for the next one, so a branch opened later must not take the new
	// values its connection carries.
	began    sessionChars
	gtrid    string   // assigned when the first branch opens
	fence    xa.Fence // this proxy's registration when the first branch opened
	branches map[string]*backend.Conn
	order    []string
	// aborted says why the transaction can no longer commit (a branch's
	// connection was lost): every statement is refused until ROLLBACK.
	aborted string
	// local is the shard of a branch that is a plain transaction, not an
	// XA one: the connection holds LOCK TABLES, under which MariaDB
	// refuses XA (locked.go). The transaction stays on that shard.
	local string
	// perStatement: the transaction is one autocommit statement under LOCK
	// TABLES, whose plain branches may be on several locked shards; they
	// are committed one after another once every part succeeded
	// (lockedwrite.go).
	perStatement bool
	// savepoints are the transaction's savepoints, oldest first
	// (savepoint.go).
	savepoints []string
	// started: a statement used a table in it (autocommit=0 only: an
	// explicit transaction is started by BEGIN); see noteStarted.
	started bool
	// took are the characteristics the transaction has of its own: the
	// pending ones when it started, or START TRANSACTION's access mode.
	// Its isolation level is set on every branch before its XA START (SET
	// TRANSACTION ISOLATION LEVEL before the transaction; "" for the
	// session's own level); READ ONLY the proxy enforces itself, since XA
	// START has no such mode (readOnly). SET autocommit = 1 gives them back
	// (leftPending).
	took txChars
	// wrote are the branches a statement that may change rows ran on (or
	// joined in); the others only read (readbranch.go), readTables are
	// the tables those reads named, qualified. marks are the session's
	// for its running statement.
	wrote      map[string]bool
	readTables []router.TableRef
	marks      *stmtMarks
	// readMode is the parsing mode of the reads (readsRecorded: there
	// was one; readModeMixed: they had several).
	readMode                     router.Mode
	readsRecorded, readModeMixed bool
}

// readOnly: the transaction is READ ONLY by a mode of its own (START
// TRANSACTION READ ONLY, or SET TRANSACTION READ ONLY before it).
func (t *txn) readOnly() bool { return t.took.readOnly != nil && *t.took.readOnly }

// newTxn starts the session's transaction record; its branches are marked
// written when they join during a statement that may write (readbranch.go).
func (s *Session) newTxn(explicit bool) *txn {
	return &txn{explicit: explicit, branches: map[string]*backend.Conn{}, marks: &s.marks}
}

func (t *txn) add(shard string, c *backend.Conn) {
	t.branches[shard] = c
	t.order = append(t.order, shard)
	t.mark(shard, t.marks)
}

func (t *txn) remove(shard string) {
	delete(t.branches, shard)
	for i, s := range t.order {
		if s == shard {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

// begin starts an explicit transaction. As in MySQL, BEGIN inside a
// transaction commits it first.
func (s *Session) begin(ctx context.Context, st *router.Statement) error {
	if s.tx != nil {
		// autocommit=0's transaction had not started in MariaDB when its
		// statements used no table: the characteristics it took are still
		// pending, for this one (MariaDB 10.11: SET TRANSACTION READ ONLY;
		// SET autocommit = 0; SELECT 1; BEGIN; INSERT gets 1792).
		if s.inTransaction() {
			if err := s.endTx(ctx, true); err != nil {
				return s.writeErr(err)
			}
		} else {
			took, err := s.dropUnstartedTx(ctx)
			if err != nil {
				return s.writeErr(err)
			}
			s.nextTx = took
		}
	}
	// START TRANSACTION releases the table locks of LOCK TABLES.
	if _, err := s.unlockTables(ctx); err != nil {
		return s.writeErr(err)
	}
	s.tx = s.newTxn(true)
	s.takeTxChars(s.tx)
	if b, ok := st.Node.(*ast.BeginStmt); ok && (b.ReadOnly || hasWords(st.SQL, "READ", "WRITE")) {
		// Also what SET autocommit = 1's commit leaves for the next
		// transaction (MariaDB 10.11: the READ ONLY outlives it). READ
		// WRITE overrides a pending READ ONLY (the parser does not tell it
		// from no access mode).
		ro := b.ReadOnly
		s.tx.took.readOnly = &ro
	}
	if s.srv.plainTx && hasWords(st.SQL, "CONSISTENT", "SNAPSHOT") {
		if err := s.beginSnapshot(ctx); err != nil {
			s.tx = nil
			return s.writeErr(err)
		}
	}
	return s.writeOK(0, 0, "")
}

// finishTx runs COMMIT or ROLLBACK [AND CHAIN | RELEASE].
func (s *Session) finishTx(ctx context.Context, st *router.Statement, commit bool) error {
	var completion ast.CompletionType
	switch n := st.Node.(type) {
	case *ast.CommitStmt:
		completion = n.CompletionType
	case *ast.RollbackStmt:
		completion = n.CompletionType
	}
	completion = s.completion(st, completion)
	var err error
	var took txChars // the characteristics it chose
	began := s.sessionChars()
	if s.tx != nil {
		took, began = s.tx.took, s.tx.began
		err = s.endTx(ctx, commit)
	}
	s.nextTx = txChars{} // COMMIT and ROLLBACK end the pending characteristics too
	if completion == ast.CompletionTypeChain {
		// As on MariaDB, the chained transaction has the ended one's
		// access mode and isolation level (checked on 10.11: a write after
		// START TRANSACTION READ ONLY ... COMMIT AND CHAIN gets 1792).
		s.tx = s.newTxn(true)
		s.tx.took, s.tx.began = took, began
	}
	if err != nil {
		return s.writeErr(err)
	}
	if werr := s.writeOK(0, 0, ""); werr != nil {
		return werr
	}
	if completion == ast.CompletionTypeRelease {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
	}
	return nil
}

// endTx commits or rolls back every branch and returns their connections.
// A transaction that lost a branch can only roll back: COMMIT reports it.
func (s *Session) endTx(ctx context.Context, commit bool) error {
	tx := s.tx
	s.tx = nil
	var err error
	if tx.aborted != "" && commit {
		s.srv.xaMetrics.Aborted("branch_lost")
		err = mysql.NewError(mysql.ER_ERROR_DURING_COMMIT, "transaction rolled back, nothing was committed: "+tx.aborted)
		commit = false
	}
	// A branch whose XA START never left (its statement was not sent), or
	// was refused, does not exist on its shard: nothing to end there. The
	// SET TRANSACTION sent before that start is still pending on c (a
	// refused XA START leaves it so on 10.11): c's next Sync ends it, so it
	// reaches no other transaction, another session's once c is pooled.
	for _, shard := range append([]string(nil), tx.order...) {
		if c := tx.branches[shard]; c.Unstarted() {
			tx.remove(shard)
			c.StartWith("") // a pin keeps serving: nothing may run ahead of its next statement
			c.NoteNextTxChars()
			s.releaseUnlessPinned(c)
		}
	}
	if tx.local != "" && len(tx.order) > 0 {
		return s.endLocalBranches(ctx, tx, commit, err)
	}
	if len(tx.order) == 0 {
		return err
	}
	if s.srv.plainTx {
		return s.endPlainBranch(ctx, tx, commit, err)
	}
	branches := make([]xa.Branch, len(tx.order))
	for i, shard := range tx.order {
		branches[i] = tx.branches[shard]
	}
	var failed []xa.Branch
	done := false
	if writer, readers, one := tx.oneWriter(branches); commit && len(branches) > 1 && one {
		verify := func(ctx context.Context) bool { return checkReaders(ctx, readers, tx) }
		failed, done, err = s.srv.coord.CommitReaders(ctx, tx.gtrid, writer, readers, verify)
	}
	switch {
	case done:
	case commit:
		err = s.srv.coord.Commit(ctx, tx.gtrid, tx.fence, branches)
	default:
		s.srv.coord.Rollback(ctx, tx.gtrid, branches)
	}
	for _, shard := range tx.order {
		c := tx.branches[shard]
		if slices.Contains(failed, xa.Branch(c)) {
			c.MarkBroken() // its branch may be left open: closing ends it
		}
		if err != nil {
			// A branch may still be prepared, attached to this connection:
			// closing it detaches the branch so that recovery can finish it.
			c.MarkBroken()
		}
		s.releaseUnlessPinned(c)
	}
	return err
}

// releaseUnlessPinned returns a branch's connection to the pool when the
// transaction ends, unless session state keeps it (a broken one loses its
// state and goes).
func (s *Session) releaseUnlessPinned(c *backend.Conn) {
	if s.holdsState(c) {
		if !c.Broken() {
			return
		}
		delete(s.pins, c.Shard())
	}
	s.settleLastIDOf(context.Background(), c)
	s.srv.pools[c.Shard()].Release(c)
}

// afterBranchStatement keeps the transaction in step with the shard: a lost
// connection aborts it; a deadlock or a lock wait timeout on any branch
// rolls back every branch, and the client has the shard's error code (1213,
// 1205) to retry on.
func (s *Session) afterBranchStatement(ctx context.Context, shard string, c *backend.Conn, st *router.Statement, o outcome) {
	tx := s.tx
	if tx == nil {
		return
	}
	switch {
	case o.lost != nil || c.Broken():
		tx.remove(shard)
		s.releaseUnlessPinned(c)
		tx.aborted = fmt.Sprintf("the connection to shard %s was lost mid-transaction (%v); issue ROLLBACK", shard, o.lost)
	case o.srvErr != nil:
		switch o.srvErr.Code {
		case mysql.ER_LOCK_WAIT_TIMEOUT:
			if s.srv.plainTx {
				// One shard: the transaction goes on as on MariaDB, which
				// rolled back only the statement (or all of it, with
				// innodb_rollback_on_timeout: the client sees that too).
				return
			}
			s.abortAfterLockWait(ctx, tx, shard)
		case mysql.ER_LOCK_DEADLOCK, mysql.ER_XA_RBDEADLOCK, mysql.ER_XA_RBTIMEOUT, mysql.ER_XA_RBROLLBACK:
			// The shard rolled back its branch, as MariaDB rolls back the
			// whole transaction on a deadlock: the others go too, and the
			// session is out of its transaction, as on MariaDB (under
			// autocommit=0 the next statement starts a new one).
			s.srv.xaMetrics.Aborted("deadlock_or_lock_wait")
			_ = s.endTx(ctx, false)
		}
	}
}

// abortAfterLockWait ends an XA transaction (of one branch or several)
// one of whose statements timed out waiting for a lock (1205). MariaDB
// rolls back only that statement and the transaction goes on; the proxy
// rolls back every branch, so that the locks it holds on other shards go:
// they may be what the other side waits for, in a deadlock between shards
// that no shard sees.
func (s *Session) abortAfterLockWait(ctx context.Context, tx *txn, shard string) {
	s.srv.xaMetrics.Aborted("deadlock_or_lock_wait")
	_ = s.endTx(ctx, false)
	s.refuseUntilRollback(tx.explicit, fmt.Sprintf("a lock wait timeout (1205) on shard %s rolled the whole transaction back (one server rolls back only the statement; xaproxy releases the transaction's other locks, which a deadlock between shards may hold); issue ROLLBACK and retry the transaction", shard))
}

// refuseUntilRollback follows the end of the client's transaction by the
// proxy where MariaDB would have kept it (it rolled back one statement):
// the client still believes it is in its transaction, so it stays in one
// that can only roll back. Its next statements are refused and a COMMIT
// says nothing was committed, where running them one by one would commit
// a part of what the client meant as one transaction. explicit: BEGIN (else
// autocommit = 0); nothing for the proxy's own transaction of one
// autocommit statement.
func (s *Session) refuseUntilRollback(explicit bool, why string) {
	if !explicit && s.autocommit {
		return
	}
	next := s.newTxn(explicit)
	next.started = true
	next.aborted = why
	s.tx = next
}

// checkTxUsable refuses statements in a transaction that can only roll back.
func (s *Session) checkTxUsable() error {
	if s.tx != nil && s.tx.aborted != "" {
		return mysql.NewError(mysql.ER_UNKNOWN_ERROR, "transaction must be rolled back: "+s.tx.aborted)
	}
	return nil
}

// checkReadOnly refuses writes in a READ ONLY transaction, as the server
// would: its branches are XA branches, which have no read-only mode (and
// the plain transactions of a one-shard deployment start as XA ones do).
// A statement that commits implicitly ends the transaction before it runs,
// so it is not refused (MariaDB runs DDL after a READ ONLY transaction).
func (s *Session) checkReadOnly(st *router.Statement, p *router.Plan) error {
	readOnly := s.tx != nil && (s.tx.readOnly() || s.beganReadOnly())
	if s.tx == nil && !s.autocommit && s.nextTx.readOnly != nil {
		// autocommit=0: the statement starts the transaction SET
		// TRANSACTION READ ONLY was for.
		readOnly = *s.nextTx.readOnly
	}
	if !readOnly || st.ImplicitCommit || !s.refusedReadOnly(st, p.Write()) {
		return nil
	}
	return errReadOnlyTx()
}

// refusedReadOnly: what a READ ONLY transaction (START TRANSACTION READ
// ONLY, or the next one after SET TRANSACTION READ ONLY) refuses on MariaDB
// 10.11: writes to tables other than the session's temporary tables, and
// CREATE or DROP TEMPORARY TABLE (checked: INSERT and UPDATE of a
// temporary table run, DROP TEMPORARY TABLE IF EXISTS of none is refused).
// A FOR UPDATE read is a write there, but one of no table (SELECT 1 FOR
// UPDATE), of temporary tables or of information_schema runs (checked).
func (s *Session) refusedReadOnly(st *router.Statement, write bool) bool {
	switch {
	case st.ConnState == router.ConnStateTempCreate:
		return true
	case st.ConnState == router.ConnStateTempDrop && !st.ImplicitCommit:
		return true
	case !write && st.ForUpdate:
		return s.locksStoredTable(st.Tables)
	case !write:
		return false
	}
	return len(st.Tables) == 0 || !s.allTemporary(st.Tables)
}

// locksStoredTable: a FOR UPDATE read of tables locks rows of one that is
// neither the session's temporary table nor information_schema's.
func (s *Session) locksStoredTable(tables []router.TableRef) bool {
	var stored []router.TableRef
	for _, t := range tables {
		if !strings.EqualFold(t.In(s.db), "information_schema") {
			stored = append(stored, t)
		}
	}
	return len(stored) > 0 && !s.allTemporary(stored)
}

// allTemporary: every table is one of the session's temporary tables.
func (s *Session) allTemporary(tables []router.TableRef) bool {
	for _, t := range tables {
		found := false
		for _, p := range s.pins {
			if p.temps[s.tableKey(t)] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func errReadOnlyTx() error {
	return mysql.NewError(mysql.ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, "Cannot execute statement in a READ ONLY transaction")
}
