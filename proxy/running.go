package proxy

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// stmtRun is what the proxy records about the statement a session runs:
// for metrics, the slow query log and the status page.
type stmtRun struct {
	sql    string
	typ    string   // statement type label: select, insert, ddl, ...
	route  string   // how it ran: local, single, merge, scatter, broadcast_write, ddl
	shards []string // shards it ran on, in order of first use
	start  time.Time
	cmd    string // the process list's Command: Query or Execute
}

// sessionView is the part of a session the status page shows; the session
// goroutine updates it under Session.mu.
type sessionView struct {
	// user is read here, not from Session.user, which COM_CHANGE_USER
	// changes on the session's goroutine.
	user   string
	db     string
	inTx   bool
	stmt   string // "" between statements
	stmtAt time.Time
	// For the process list (processlist.go): the running statement's
	// whole text, its Command (Sleep between statements) and when the
	// session entered that state.
	sql   string
	cmd   string
	at    time.Time
	query uint64
}

// maxLoggedSQL bounds the statement text in the slow query log and on the
// status page.
const maxLoggedSQL = 1024

// statement runs one COM_QUERY or COM_STMT_EXECUTE: it arms
// frontend.query_timeout, and afterwards counts the statement by type and
// route, observes its latency and logs it if it was slow.
func (s *Session) statement(sql string, run func() error) error {
	return s.statementAs("Query", sql, run)
}

// statementAs is statement for a command the process list names cmd.
func (s *Session) statementAs(cmd, sql string, run func() error) error {
	live := s.srv.live.Load()
	s.srv.questions.Add(1)
	// The shard list reuses the last statement's array: only the slow
	// query log reads it, before the statement ends.
	s.cur = stmtRun{sql: sql, typ: "other", route: "local", start: time.Now(), cmd: cmd, shards: s.cur.shards[:0]}
	s.cmdWrites = false
	s.setView(true, time.Time{})
	stop := s.armTimeout(live)
	err := run()
	stop()
	s.markCommandWrites()
	s.endResultRun()
	// One clock reading ends the statement: its duration, and when the
	// session went back to Sleep.
	end := time.Now()
	d := end.Sub(s.cur.start)
	obs := s.queryObs(s.cur.typ, s.cur.route)
	obs.count.Inc()
	obs.dur.Observe(d.Seconds())
	if s.timedOut.Load() {
		s.srv.metrics.timeouts.Inc()
	}
	if live.slowQuery > 0 && d >= live.slowQuery {
		s.srv.metrics.slowQueries.Inc()
		s.srv.slowQueries.Add(1)
		s.srv.log.Warn("slow query", "conn", s.id, "user", s.user, "db", s.db,
			"duration", d, "route", s.cur.route, "shards", strings.Join(s.cur.shards, ","),
			"statement", truncateSQL(sql, maxLoggedSQL))
	}
	s.cur = stmtRun{shards: s.cur.shards[:0]}
	s.setView(false, end)
	return err
}

// setView publishes the session's state for the status page: running
// the current statement (since it started), or sleeping since idleSince.
func (s *Session) setView(running bool, idleSince time.Time) {
	v := sessionView{user: s.user, db: s.db, inTx: s.tx != nil && (s.tx.explicit || len(s.tx.branches) > 0), cmd: "Sleep", at: idleSince}
	if running {
		v.stmt, v.stmtAt = truncateSQL(s.cur.sql, maxLoggedSQL), s.cur.start
		v.sql, v.cmd, v.at = s.cur.sql, s.cur.cmd, s.cur.start
	}
	// Only the session's goroutine, this one, writes stmtSeq: reading it
	// needs no lock here (cancelMu orders it for the other goroutines).
	v.query = s.stmtSeq
	s.mu.Lock()
	s.view = v
	s.mu.Unlock()
}

// preparedSQL is the text of the prepared statement a COM_STMT_EXECUTE
// names, for the logs ("" if unknown: the execute reports that itself).
func (s *Session) preparedSQL(payload []byte) string {
	if len(payload) < 4 {
		return ""
	}
	if p, ok := s.stmts[binary.LittleEndian.Uint32(payload)]; ok {
		return p.sql
	}
	return ""
}

// truncateSQL cuts s to at most n bytes on a character boundary.
func truncateSQL(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// track records that c runs the current statement, for KILL QUERY, the
// query timeout and the slow query log.
func (s *Session) track(c *backend.Conn) {
	s.cancelMu.Lock()
	s.running = append(s.running, c)
	s.cancelMu.Unlock()
	s.markWrites(c)
	if !slices.Contains(s.cur.shards, c.Shard()) {
		s.cur.shards = append(s.cur.shards, c.Shard())
	}
}

// untrack ends track; it waits for a KILL QUERY aimed at c that is under
// way, so that c is not reused before the KILL reached its shard.
func (s *Session) untrack(c *backend.Conn) {
	s.cancelMu.Lock()
	if i := slices.Index(s.running, c); i >= 0 {
		s.running = slices.Delete(s.running, i, i+1)
	}
	s.cancelMu.Unlock()
	// Waiting for the KILL is the point. One that failed may still reach
	// the shard late (its reply timed out): the connection must not serve
	// another session then.
	s.killMu.Lock()
	if i := slices.Index(s.killFailed, c); i >= 0 {
		s.killFailed = slices.Delete(s.killFailed, i, i+1)
		c.MarkBroken()
	}
	s.killMu.Unlock()
}

// armTimeout starts frontend.query_timeout for a new statement; the
// returned function stops it.
func (s *Session) armTimeout(live *settings) (stop func()) {
	s.cancelMu.Lock()
	s.stmtSeq++
	seq := s.stmtSeq
	s.cancelMu.Unlock()
	s.timedOut.Store(false)
	if live.queryTimeout <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	t := time.AfterFunc(live.queryTimeout, func() { s.enforceTimeout(seq, live.queryTimeout, done) })
	return func() {
		t.Stop()
		close(done)
	}
}

// killRetry is how long a statement may still run after its KILL QUERY
// before the KILL is sent again, and killTries bounds the sends.
const (
	killRetry = 500 * time.Millisecond
	killTries = 60
)

// enforceTimeout interrupts statement seq, and again every killRetry
// until the statement ends (done): MariaDB drops a KILL QUERY that
// reaches a thread before it starts the statement (it was still reading
// it, or running the session state sent ahead of it), and the statement
// would then run to its end, where MariaDB's own max_statement_time
// cannot be lost. A statement between two shard commands (a write's
// parts) has nothing to kill for a moment; its next part is killed at the
// next try.
func (s *Session) enforceTimeout(seq uint64, limit time.Duration, done <-chan struct{}) {
	killed := 0
	for range killTries {
		ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.Backend.ConnectTimeout.Duration+time.Second)
		n, err := s.interrupt(ctx, seq, true)
		cancel()
		switch {
		case err != nil:
			s.srv.log.Warn("query timeout: KILL QUERY failed", "conn", s.id, "err", err)
		case n > 0 && killed == 0:
			s.srv.log.Info("query timeout: statement interrupted", "conn", s.id, "user", s.user,
				"query_timeout", limit, "statement", truncateSQL(s.curSQL(), 200))
		case n > 0 && killed == 1:
			s.srv.log.Warn("query timeout: statement still running after KILL QUERY; sending it again",
				"conn", s.id, "after", killRetry, "statement", truncateSQL(s.curSQL(), 200))
		}
		if n > 0 {
			killed++
		}
		select {
		case <-done:
			return
		case <-time.After(killRetry):
		}
	}
}

// curSQL reads the running statement for a log line from another goroutine.
func (s *Session) curSQL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view.stmt
}

// interrupt sends KILL QUERY to the shards running the session's current
// statement, through other pooled connections. seq, when non-zero, must
// still be the current statement (a timer may fire late). timeout marks
// the statement as timed out, so that the client gets 3024. It returns how
// many shard statements it interrupted.
func (s *Session) interrupt(ctx context.Context, seq uint64, timeout bool) (int, error) {
	s.cancelMu.Lock()
	if seq != 0 && seq != s.stmtSeq {
		s.cancelMu.Unlock()
		return 0, nil
	}
	conns := slices.Clone(s.running)
	if timeout {
		s.timedOut.Store(true)
	}
	s.killMu.Lock()
	s.cancelMu.Unlock()
	defer s.killMu.Unlock()
	var firstErr error
	for _, c := range conns {
		if mayLand, err := s.srv.killQuery(ctx, c); err != nil {
			if mayLand && !slices.Contains(s.killFailed, c) {
				s.killFailed = append(s.killFailed, c)
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return len(conns), firstErr
}

// killQuery runs KILL QUERY for c's thread on its shard. mayLand, with an
// error, says the KILL was sent and may still act on c later; not when no
// connection could carry it (the pool full or the shard down): c then
// stays in the session's transaction or pin.
func (srv *Server) killQuery(ctx context.Context, c *backend.Conn) (mayLand bool, err error) {
	pool := srv.pools[c.Shard()]
	kc, err := pool.Acquire(ctx)
	if err != nil {
		return false, errShardUnavailable(c.Shard(), err)
	}
	_, err = kc.Exec(ctx, fmt.Sprintf("KILL QUERY %d", c.ThreadID()))
	pool.Release(kc)
	if me, ok := mysqlErr(err); ok && me.Code == mysql.ER_NO_SUCH_THREAD {
		return false, nil
	}
	return err != nil, err
}

// timeoutError turns the shard's "interrupted" error into 3024 when the
// proxy interrupted the statement for frontend.query_timeout.
func (s *Session) timeoutError(me *mysql.MyError) *mysql.MyError {
	if !s.timedOut.Load() {
		return me
	}
	switch me.Code {
	case mysql.ER_QUERY_INTERRUPTED, erStatementTimeout, erQueryTimeout:
		return s.errQueryTimeout()
	}
	return me
}

func (s *Session) errQueryTimeout() *mysql.MyError {
	return mysql.NewError(erQueryTimeout, fmt.Sprintf(
		"Query execution was interrupted, maximum statement execution time exceeded (xaproxy frontend.query_timeout=%s)", s.srv.live.Load().queryTimeout))
}

// stmtType is the statement type label of the query metrics.
func stmtType(st *router.Statement) string {
	switch st.Kind {
	case router.KindUnparsed:
		return "unparsed"
	case router.KindBegin, router.KindCommit, router.KindRollback, router.KindSavepoint:
		return "transaction"
	case router.KindSet:
		return "set"
	case router.KindUse:
		return "use"
	case router.KindShowDatabases:
		return "show"
	case router.KindShowXAStatus:
		return "admin"
	case router.KindEmpty, router.KindComment, router.KindXA:
		return "other"
	}
	switch n := st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return "select"
	case *ast.InsertStmt:
		if n.IsReplace {
			return "replace"
		}
		return "insert"
	case *ast.UpdateStmt:
		return "update"
	case *ast.DeleteStmt:
		return "delete"
	case *ast.ShowStmt, *ast.ExplainStmt:
		return "show"
	}
	if st.ImplicitCommit {
		return "ddl"
	}
	return "other"
}
