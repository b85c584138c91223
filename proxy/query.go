package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/internal/wire"
	"github.com/xaproxy/xaproxy/router"
)

// handleQuery runs a COM_QUERY: the proxy's own text commands (SHOW SHARD
// ..., SQL PREPARE/EXECUTE/DEALLOCATE), or else the statement's plan run by
// the executor.
func (s *Session) handleQuery(ctx context.Context, sql string) error {
	if a, ok := parseAdmin(sql); ok {
		s.startStatement(nil)
		s.cur.typ = "admin"
		s.countStatement("admin")
		return s.runAdmin(a)
	}
	if cmd, ok := parseSQLPrepare(sql); ok {
		return s.runSQLPrepare(ctx, cmd)
	}
	return s.runText(ctx, sql)
}

// runText plans a text statement and runs the plan.
func (s *Session) runText(ctx context.Context, sql string) error {
	q, err := s.planText(ctx, sql)
	if err != nil {
		return s.writeErr(err)
	}
	return s.runPlan(ctx, &q)
}

// textPlan is a text statement made ready for the executor: what runs it
// (op) and, when its shape was cached, the routing plan and its literals.
type textPlan struct {
	sql string // what a single shard runs: the client's text, identity calls rewritten
	st  *router.Statement
	op  router.Op
	// cached: plan is that of the statement's shape (router.CachedPlan)
	// and params are its literals. Otherwise plan is the statement's own,
	// and planErr why the router refused it: answered only where the
	// executor reaches the routing, after the session's checks, which
	// answer first.
	cached bool
	// info, when set, answers the statement from every shard's
	// information_schema rows (infogather.go).
	info    *router.InfoGather
	plan    *router.Plan
	planErr error
	params  []router.Param
}

// planText returns the plan of a text statement, from the plan cache or
// parsed; the error is the client's answer. The plan is a value, which
// runText keeps on its stack.
func (s *Session) planText(ctx context.Context, sql string) (textPlan, error) {
	if st, plan, params, ok := s.cachedPlan(sql); ok {
		s.startStatement(st)
		s.srv.metrics.planHit.Inc()
		return textPlan{sql: sql, st: st, op: router.OpRoute, cached: true, plan: plan, params: params}, nil
	}
	s.srv.metrics.planMiss.Inc()
	st, err := s.parser().Parse(sql)
	s.startStatement(st)
	if err != nil {
		return textPlan{}, err
	}
	s.cur.typ = stmtType(st)
	s.countStatement(kindName(st.Kind))
	q := textPlan{sql: sql, st: st, op: router.OpOf(st)}
	if router.ReadsProcessList(st, s.db) {
		q.op = router.OpProcessList
	}
	if q.op == router.OpKillSelf || q.op == router.OpConnectAttrs || q.op == router.OpProcessList || q.op == router.OpShowStatus {
		// Decided on the client's text: its identity calls are the answer.
		return q, nil
	}
	if q.info, err = s.infoGather(st); err != nil || q.info != nil {
		return q, err
	}
	if q.sql, err = s.rewriteIdentity(st, sql); err != nil {
		return textPlan{}, err
	}
	if q.sql, err = s.filterInfoSchema(st, q.sql); err != nil {
		return textPlan{}, err
	}
	if q.op == router.OpRoute || q.op == router.OpSavepoint {
		q.plan, q.planErr = s.plan(ctx, st)
	}
	return q, nil
}

// runPlan is the executor of text plans: one branch per op.
func (s *Session) runPlan(ctx context.Context, q *textPlan) error {
	st, sql := q.st, q.sql
	if q.info != nil {
		return s.answerInfoGather(ctx, st, q.info, sql, false, nil)
	}
	switch q.op {
	case router.OpKillSelf:
		query, _ := router.KillsSelf(st)
		return s.kill(ctx, s.id, query)
	case router.OpConnectAttrs:
		return s.answerConnectAttrs(ctx, st, sql)
	case router.OpProcessList:
		if _, show := router.ShowProcessList(st); show {
			return s.answerShowProcessList(ctx, st, sql)
		}
		return s.answerProcessList(ctx, st, sql)
	case router.OpShowStatus:
		return s.answerShowStatus(ctx, st, sql)
	case router.OpEmpty:
		return s.writeErr(mysql.NewError(mysql.ER_EMPTY_QUERY, "Query was empty"))
	case router.OpComment:
		return s.writeOK(0, 0, "")
	case router.OpXA:
		return s.writeErr(router.ErrXA())
	case router.OpShowXAStatus:
		return s.showXAStatus()
	case router.OpBegin:
		return s.begin(ctx, st)
	case router.OpCommit:
		return s.finishTx(ctx, st, true)
	case router.OpRollback:
		return s.finishTx(ctx, st, false)
	case router.OpUse:
		if err := s.useDB(st.Node.(*ast.UseStmt).DBName); err != nil {
			return s.writeErr(err)
		}
		return s.writeOK(0, 0, "")
	case router.OpSet:
		return s.set(ctx, st)
	case router.OpShowDatabases:
		return s.showDatabases(ctx, st)
	case router.OpKill:
		k := st.Node.(*ast.KillStmt)
		return s.kill(ctx, uint32(k.ConnectionID), k.Query)
	case router.OpUnlockTables:
		if err := s.checkAllowed(ctx, st); err != nil {
			return s.writeErr(err)
		}
		return s.unlockTablesStmt(ctx)
	case router.OpSavepoint:
		if err := s.checkAllowed(ctx, st); err != nil {
			return s.writeErr(err)
		}
		return s.savepointStmt(ctx, q)
	}
	if q.cached {
		return s.runPlanned(ctx, sql, st, q.plan, q.params)
	}
	if st.Kind == router.KindUnparsed {
		// A character set the parser does not know (SET NAMES cp1251)
		// must still reach every backend connection of the session.
		if handled, err := s.setCharsetUnparsed(ctx, sql); handled {
			return err
		}
	}
	if err := s.checkAllowed(ctx, st); err != nil {
		return s.writeErr(err)
	}
	return s.route(ctx, q)
}

// route runs the routing plan of a statement that was parsed for this
// execution on the shards, after offering it to the cache.
func (s *Session) route(ctx context.Context, q *textPlan) error {
	if q.planErr != nil {
		return s.writeErr(s.refusalOrShardError(ctx, q.st, q.sql, q.planErr))
	}
	if s.parseMode() == 0 {
		s.srv.router.RememberPlan(s.srv.parser, q.sql, q.st, s.user, s.db)
	}
	return s.runPlanned(ctx, q.sql, q.st, q.plan, nil)
}

// runPlanned runs a planned text query; params are its literals when the
// plan is that of its shape (router.CachedPlan). The client's text is what
// a single shard runs.
func (s *Session) runPlanned(ctx context.Context, sql string, st *router.Statement, plan *router.Plan, params []router.Param) error {
	if params != nil {
		s.cur.typ = stmtType(st)
		s.countStatement(kindName(st.Kind))
		if err := s.checkAllowed(ctx, st); err != nil {
			return s.writeErr(err)
		}
	}
	send := func(text string) func(*backend.Conn) (backend.Pending, error) {
		return func(c *backend.Conn) (backend.Pending, error) {
			return c.Send(ctx, mysql.COM_QUERY, []byte(text))
		}
	}
	return s.runRouted(ctx, st, plan, params, send(sql), func() func(*backend.Conn) (backend.Pending, error) {
		if locked, ok := router.ShareLocked(sql); ok {
			return send(locked)
		}
		return nil
	})
}

// runRouted runs a routing plan for a text statement (a text query, or SQL
// EXECUTE whose own text is own): bound to params, run by execute.
// lockedOwn, when not nil, gives what own runs as a locking read
// (router.ShareLocked), or nil when its text cannot take the clause.
func (s *Session) runRouted(ctx context.Context, st *router.Statement, plan *router.Plan, params []router.Param,
	own func(*backend.Conn) (backend.Pending, error), lockedOwn func() func(*backend.Conn) (backend.Pending, error)) error {
	if err := s.checkReadOnly(st, plan); err != nil {
		return s.writeErr(err)
	}
	opts := s.bindOptions(ctx)
	var locked func(*backend.Conn) (backend.Pending, error)
	if opts.LockReads && lockedOwn != nil {
		locked = lockedOwn()
		opts.OwnText = locked != nil
	}
	ex, err := plan.BindWith(params, opts)
	if err != nil {
		return s.bindFailed(ctx, err)
	}
	if ex.OwnLocked {
		own = locked
	}
	return s.execute(ctx, st, ex, own, false)
}

// handleFieldList answers COM_FIELD_LIST (table\0wildcard) from the shard
// holding the table.
func (s *Session) handleFieldList(ctx context.Context, payload []byte) error {
	table, _, _ := strings.Cut(string(payload), "\x00")
	st := &router.Statement{Kind: router.KindPassThrough, ReadOnly: true}
	shard, err := s.srv.router.TableShard(s.user, s.db, table)
	if err != nil {
		return s.writeErr(err)
	}
	return s.runWith(ctx, shard, st, func(c *backend.Conn) (backend.Pending, error) {
		return c.Send(ctx, mysql.COM_FIELD_LIST, payload)
	}, s.forwardFieldList)
}

// checkAllowed refuses statements the proxy cannot run correctly.
func (s *Session) checkAllowed(ctx context.Context, st *router.Statement) error {
	if router.ReadsSequenceLast(st) {
		return errNotSupported("LASTVAL() and PREVIOUS VALUE FOR a sequence read the connection's last NEXTVAL, which through xaproxy ran on a pooled connection; keep the value NEXTVAL returned instead")
	}
	if router.UnreadKill(st) {
		return errNotSupported("KILL takes the proxy's connection ids, written in the statement (KILL [QUERY] <id>); a KILL with a parameter (KILL ?) is not supported: send it as a plain query")
	}
	if err := router.CheckUnparsed(st, s.user, s.visibleSchemas); err != nil {
		return s.refusalOrShardError(ctx, st, st.SQL, err)
	}
	if err := s.checkTables(st); err != nil {
		return err
	}
	if err := s.checkLoad(st); err != nil {
		return err
	}
	if err := s.checkPrivileges(st); err != nil {
		return err
	}
	switch n := st.Node.(type) {
	case *ast.SetOprStmt, *ast.SelectStmt:
		return nil
	case *ast.FlushStmt, *ast.ShutdownStmt, *ast.RestartStmt:
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, "Access denied: FLUSH, SHUTDOWN and RESTART act on a whole backend server and are not forwarded by xaproxy")
	case *ast.CreateUserStmt, *ast.DropUserStmt, *ast.AlterUserStmt, *ast.GrantStmt, *ast.RevokeStmt, *ast.SetPwdStmt,
		*ast.SetRoleStmt, *ast.SetDefaultRoleStmt, *ast.GrantRoleStmt, *ast.RevokeRoleStmt:
		// SET ROLE too: it would change the privileges of a pooled
		// connection that other sessions use next.
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR, "Access denied: xaproxy users live in its configuration; backend accounts and their roles are not managed through the proxy")
	case *ast.ShowStmt:
		return checkShow(n)
	case *ast.CreateDatabaseStmt:
		return s.checkSchema(n.Name.O)
	case *ast.DropDatabaseStmt:
		return s.checkSchema(n.Name.O)
	}
	return nil
}

// runOn runs one statement on a shard: on the session's transaction branch
// when one is open, otherwise on a pooled connection returned right after.
func (s *Session) runOn(ctx context.Context, shard string, st *router.Statement, send func(*backend.Conn) (backend.Pending, error)) error {
	return s.runWith(ctx, shard, st, send, s.forward)
}

// runWith is runOn with a chosen way of relaying the response.
func (s *Session) runWith(ctx context.Context, shard string, st *router.Statement, send func(*backend.Conn) (backend.Pending, error), relay func(backend.Reply) (outcome, error)) error {
	c, _, err := s.connFor(ctx, shard)
	if err != nil {
		return s.writeErr(err)
	}
	s.pinFor(st, c)
	s.track(c)
	prior, err := s.prepareLastID(ctx, c, st)
	var sent backend.Pending
	if err == nil {
		sent, err = send(c)
	}
	var reply backend.Reply
	if err == nil {
		// A transaction start sent with the statement answers first; if it
		// failed, the statement did not run.
		reply, err = sent.Settle(ctx)
	}
	var o outcome
	if err == nil {
		o, err = relay(reply)
	} else if me, ok := backend.ServerError(err); ok {
		o.srvErr = me
		err = s.writeErr(me)
	} else if c.Broken() {
		o.lost = err
		err = s.writeErr(errShardUnavailable(shard, err))
	} else {
		err = s.writeErr(err)
	}
	s.untrack(c)
	s.afterStatementOn(ctx, shard, c, st, o, prior)
	return err
}

// afterStatementOn keeps c if it is a pin or a transaction branch, after
// recording what the statement did to the pin's state and to its
// @@last_insert_id (which held prior before), and otherwise returns it to
// the pool.
func (s *Session) afterStatementOn(ctx context.Context, shard string, c *backend.Conn, st *router.Statement, o outcome, prior uint64) {
	if s.holdsState(c) {
		if c.Broken() || o.lost != nil {
			delete(s.pins, shard) // its state died with the connection
		} else {
			s.notePinState(st, shard, o.srvErr == nil)
		}
	}
	branch := s.tx != nil && s.tx.branches[shard] == c
	if o.lost == nil && o.srvErr == nil && !c.Broken() {
		// Read before anything else runs on c.
		s.readFoundRows(ctx, c, st)
		s.noteWarnings(ctx, c, o.warnings)
	}
	if o.lost == nil && o.srvErr != nil && !c.Broken() {
		s.noteErrorConditions(ctx, c, o.srvErr)
		forgetFailedInsertID(c, st)
	}
	if o.lost == nil {
		s.settleInsertID(ctx, c)
		s.recordAssigned(ctx, c, st)
		s.afterLastID(ctx, c, st, o.insertID, prior, branch || s.holdsState(c))
	}
	if branch {
		s.afterBranchStatement(ctx, shard, c, st, o)
		return
	}
	if !s.holdsState(c) {
		// A pin whose state just ended may hold the session's newest
		// LAST_INSERT_ID().
		s.settleLastIDOf(ctx, c)
		s.srv.pools[shard].Release(c)
	}
}

// connFor returns the connection a statement on shard runs on, brought to
// the session's database and variables.
func (s *Session) connFor(ctx context.Context, shard string) (c *backend.Conn, pinned bool, err error) {
	if s.tx == nil && !s.autocommit && !s.outsideTx {
		s.tx = s.newTxn(false)
		s.takeTxChars(s.tx)
	}
	// A read outside the transaction (opensNoTx) does not join one that
	// MariaDB has not started, unless the session's state on the shard
	// lives in that transaction's branch.
	joins := s.tx != nil && !(s.outsideTx && !s.tx.started && s.pinned(shard) == nil)
	if joins {
		if err := s.checkTxUsable(); err != nil {
			return nil, false, err
		}
		if c, ok := s.tx.branches[shard]; ok {
			if err := c.Sync(ctx, s.physicalDB(), s.shardState()); err != nil {
				return nil, false, shardErr(shard, err)
			}
			s.markWrites(c)
			return c, true, nil
		}
	}
	if p := s.pinned(shard); p != nil {
		// The session's state on this shard lives in this connection: in a
		// transaction it becomes the branch.
		c = p.c
		if err := c.Sync(ctx, s.physicalDB(), s.shardState()); err != nil {
			return nil, false, shardErr(shard, err)
		}
		if s.tx == nil {
			// An autocommit statement, as on a pooled connection below.
			if err := applyStmtTxChars(ctx, c, s.stmtChars); err != nil {
				return nil, false, shardErr(shard, err)
			}
			return c, true, nil
		}
		if p.locked {
			return s.localBranch(shard, c)
		}
	} else if c, err = s.acquire(ctx, shard); err != nil {
		return nil, false, err
	} else if !joins {
		if err := applyStmtTxChars(ctx, c, s.stmtChars); err != nil {
			s.release(c)
			return nil, false, shardErr(shard, err)
		}
		return c, false, nil
	}
	if s.tx.local != "" {
		// Refused before SET TRANSACTION: a level left pending would apply
		// to the next transaction on c, another session's once pooled.
		s.releaseUnlessPinned(c)
		return nil, false, errLockedTxSpreads(s.tx.local, shard)
	}
	isolation, readOnly, err := s.branchChars(ctx, c)
	if err != nil {
		if !s.holdsState(c) {
			s.release(c)
		}
		return nil, false, shardErr(shard, err)
	}
	chars := s.txCharsSQL(isolation, readOnly)
	if s.autocommit && !s.tx.explicit {
		// The implicit transaction of one autocommit statement over several
		// shards (runWrite): the statement's own characteristics.
		chars = s.stmtChars
	}
	if err := applyTxChars(ctx, c, chars); err != nil {
		if !s.holdsState(c) {
			s.release(c)
		}
		return nil, false, shardErr(shard, err)
	}
	// The start travels with the statement: the Pending its Send returns
	// reads its answer before the statement's (Settle).
	if err := s.startBranch(ctx, c, s.branchStart(shard, c)); err != nil {
		s.releaseUnlessPinned(c)
		return nil, false, shardErr(shard, err)
	}
	s.tx.add(shard, c)
	return c, true, nil
}

// acquire takes a pooled connection to shard, brought to the session's
// database and variables; the caller releases it. A connection that fails
// while being brought there has run nothing of the client's yet, so another
// one is tried: after a shard restart the pool holds dead connections.
func (s *Session) acquire(ctx context.Context, shard string) (*backend.Conn, error) {
	pool := s.srv.pools[shard]
	if pool == nil {
		// A plan that names no shard (or one not configured) is the
		// proxy's bug: an error, not a nil pool.
		return nil, fmt.Errorf("xaproxy has no shard %q to run this statement on", shard)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c, err := pool.AcquireDB(ctx, s.physicalDB())
		if err != nil {
			return nil, shardErr(shard, err)
		}
		err = c.Sync(ctx, s.physicalDB(), s.shardState())
		if err == nil {
			return c, nil
		}
		pool.Release(c)
		if _, ok := backend.ServerError(err); ok {
			return nil, err
		}
		lastErr = err
	}
	return nil, shardErr(shard, lastErr)
}

// release returns a connection taken with acquire.
func (s *Session) release(c *backend.Conn) { s.srv.pools[c.Shard()].Release(c) }

// shardErr keeps a shard's own error packets and names the shard in the rest.
func shardErr(shard string, err error) error {
	if _, ok := backend.ServerError(err); ok {
		return err
	}
	return errShardUnavailable(shard, err)
}

// physicalDB is the database backend connections use: logical schemas keep
// their name on every shard.
func (s *Session) physicalDB() string { return s.db }

// showDatabases lists the logical schemas, not the backends' databases.
func (s *Session) showDatabases(ctx context.Context, st *router.Statement) error {
	n := st.Node.(*ast.ShowStmt)
	names := append([]string{"information_schema"}, s.visibleSchemas()...)
	if n.Pattern != nil || n.Where != nil {
		pat, ok := likePattern(n)
		if !ok {
			return s.writeErr(errNotSupported("SHOW DATABASES supports only a LIKE pattern"))
		}
		var kept []string
		for _, name := range names {
			if matchLike(pat, name) {
				kept = append(kept, name)
			}
		}
		names = kept
	}
	// The column definition is MariaDB's for this statement (its name is
	// "Database (pattern)" with LIKE): the statement runs on a shard for
	// it; the rows are the schemas the proxy serves this user. With every
	// shard down the list is still answered, under a plain definition.
	shard := s.srv.router.DefaultShard(s.db)
	c, err := s.acquire(ctx, shard)
	if err != nil {
		// No shard to ask: the list all the same, with a plain definition.
		rows := make([][]any, len(names))
		for i, n := range names {
			rows[i] = []any{n}
		}
		return s.writeResultset([]string{"Database"}, rows)
	}
	cols, err := s.columnsOf(ctx, c, func(c *backend.Conn) (backend.Pending, error) {
		return c.Send(ctx, mysql.COM_QUERY, []byte(st.SQL))
	})
	s.release(c)
	if err != nil {
		return s.writeErr(shardErr(shard, err))
	}
	rows := make([]engine.Row, len(names))
	for i, n := range names {
		rows[i] = engine.Row{[]byte(n)}
	}
	return s.writeRows(engine.FromSlice(cols, rows), false)
}

// writeResultset sends a small text result the proxy made itself.
func (s *Session) writeResultset(cols []string, rows [][]any) error {
	rs, err := mysql.BuildSimpleTextResultset(cols, rows)
	if err != nil {
		return s.writeErr(err)
	}
	if s.extMeta {
		// go-mysql's writer knows no extended metadata: writeRows gives
		// each column the empty block.
		return s.writeRows(engine.FromSlice(rs.Fields, textRows(rs)), false)
	}
	s.noteResultSet()
	s.noteRowsSent(len(rows))
	// go-mysql writes the connection's status into the EOF packets.
	s.conn.UnsetStatus(0xffff)
	s.conn.SetStatus(s.status(0))
	return s.conn.WriteValue(mysql.NewResult(rs))
}

// textRows are the values of a text result set the proxy built, as its
// row packets hold them (nil for NULL).
func textRows(rs *mysql.Resultset) []engine.Row {
	rows := make([]engine.Row, len(rs.RowDatas))
	for i, d := range rs.RowDatas {
		row := make(engine.Row, 0, len(rs.Fields))
		for len(d) > 0 && len(row) < len(rs.Fields) {
			v, rest, _, ok := wire.LenEncString(d) // nil for NULL
			if !ok {
				break
			}
			row, d = append(row, v), rest
		}
		rows[i] = row
	}
	return rows
}

func kindName(k router.Kind) string {
	switch k {
	case router.KindShowXAStatus:
		return "show_xa_status"
	case router.KindPassThrough:
		return "pass_through"
	case router.KindUnparsed:
		return "unparsed"
	case router.KindBegin:
		return "begin"
	case router.KindCommit:
		return "commit"
	case router.KindRollback:
		return "rollback"
	case router.KindSavepoint:
		return "savepoint"
	case router.KindSet:
		return "set"
	case router.KindUse:
		return "use"
	case router.KindShowDatabases:
		return "show_databases"
	case router.KindXA:
		return "xa"
	case router.KindEmpty, router.KindComment:
		return "empty"
	}
	return "other"
}

// likePattern extracts the pattern of SHOW ... LIKE 'x'.
func likePattern(n *ast.ShowStmt) (string, bool) {
	if n.Where != nil || n.Pattern == nil {
		return "", false
	}
	v, ok := n.Pattern.Pattern.(ast.ValueExpr)
	if !ok {
		return "", false
	}
	str, ok := v.GetValue().(string)
	return str, ok
}

// matchLike implements SQL LIKE with % and _ (case-insensitive, as for
// identifiers), with backslash escapes.
func matchLike(pat, s string) bool {
	pat, s = strings.ToLower(pat), strings.ToLower(s)
	var match func(p, t int) bool
	match = func(p, t int) bool {
		for p < len(pat) {
			switch pat[p] {
			case '%':
				for k := t; k <= len(s); k++ {
					if match(p+1, k) {
						return true
					}
				}
				return false
			case '_':
				if t >= len(s) {
					return false
				}
			case '\\':
				if p+1 < len(pat) {
					p++
				}
				fallthrough
			default:
				if t >= len(s) || s[t] != pat[p] {
					return false
				}
			}
			p++
			t++
		}
		return t == len(s)
	}
	return match(0, 0)
}

// showXAStatus lists the prepared branches of xaproxy transactions found by
// the latest recovery scan (every coordinator.recover_every), with their
// decision, owner and age, and whose they are: own (this deployment's,
// recovery finishes them), foreign (another deployment's, never touched) or
// legacy (no deployment tag: finished only by a decision under this
// deployment's prefix).
func (s *Session) showXAStatus() error {
	rep := s.srv.recoverer.Last()
	rows := make([][]any, 0, len(rep.InDoubt))
	for _, d := range rep.InDoubt {
		dec := string(d.Decision)
		if dec == "" {
			dec = "none"
		}
		rows = append(rows, []any{d.XID.Gtrid, d.Shard, dec, d.Owner, int64(d.Age.Seconds()), rep.At.UTC().Format("2006-01-02 15:04:05"), string(d.Scope), d.XID.Bqual})
	}
	return s.writeResultset([]string{"gtrid", "shard", "decision", "owner", "age_seconds", "scanned_at", "deployment", "bqual"}, rows)
}
