package proxy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// The diagnostics of a statement (SHOW WARNINGS, SHOW ERRORS,
// @@warning_count, @@error_count) live in the backend connection that ran
// it, until that connection's next statement (docs/session-state.md). A
// statement that left warnings or an error keeps its connection as the
// session's diag connection until the session's next statement that is not
// a diagnostics read, so that SHOW WARNINGS runs where the warnings are and
// answers exactly what MariaDB would; another session never gets that
// connection meanwhile. Without a diag connection a diagnostics read runs
// after a statement that clears its connection's diagnostics, which may be
// another session's (MariaDB 10.11 keeps them across statements that use no
// table: DO 0, SET, SELECT 1 leave them; a statement reading a table
// clears them). Not exact: after a statement that uses no table and leaves
// no warning, MariaDB still shows the warnings before it; the proxy shows
// none.

// startStatement ends the previous statement's diagnostics when st will
// replace them: MariaDB 10.11 keeps them across statements that use no
// table (SET, DO, BEGIN, SELECT 1) unless those raise conditions of their
// own (keepDiag then replaces them).
func (s *Session) startStatement(st *router.Statement) {
	if st != nil && !st.DiagRead && len(st.Tables) > 0 {
		s.releaseDiag()
	}
}

// keepDiag makes c the session's diag connection when the statement that
// just ran on it left warnings or an error. It reports whether c is kept
// (the caller must not return it to the pool).
func (s *Session) keepDiag(c *backend.Conn, st *router.Statement, o outcome) bool {
	if st != nil && st.DiagRead {
		return s.diag == c
	}
	taken := s.diagTaken == c
	s.diagTaken = nil
	if o.lost != nil || c.Broken() {
		return s.diag == c
	}
	if o.warnings == 0 && o.srvErr == nil {
		if taken && (st == nil || len(st.Tables) == 0) {
			// It ran on the diag connection and used no table: MariaDB
			// still holds the earlier diagnostics there.
			s.diag = c
		}
		return s.diag == c
	}
	if s.diag != c {
		s.releaseDiag()
	}
	s.diag = c
	return true
}

// releaseDiag lets the diag connection go: back to the pool unless the
// session holds it anyway (a transaction branch, a pin).
func (s *Session) releaseDiag() {
	c := s.diag
	if c == nil {
		return
	}
	s.diag = nil
	if s.holdsState(c) || (s.tx != nil && s.tx.branches[c.Shard()] == c) {
		return
	}
	s.settleLastIDOf(context.Background(), c)
	s.srv.pools[c.Shard()].Release(c)
}

// takeDiag hands the diag connection to the session's next statement on
// its shard: a session never holds two connections to a shard for
// diagnostics (small pools), and a statement that uses no table then leaves
// the diagnostics as MariaDB does, on the same connection.
func (s *Session) takeDiag(shard string) *backend.Conn {
	c := s.diag
	if c == nil || c.Shard() != shard || s.holdsState(c) || (s.tx != nil && s.tx.branches[shard] == c) {
		return nil
	}
	s.diag, s.diagTaken = nil, c
	return c
}

// diagConn is the connection a diagnostics read runs on: the diag
// connection if there is one (nil otherwise).
func (s *Session) diagConn(st *router.Statement) *backend.Conn {
	if st == nil || !st.DiagRead {
		return nil
	}
	return s.diag
}

// cleanDiag clears the diagnostics c holds from an earlier statement,
// before a diagnostics read of a session whose last statement left none.
func cleanDiag(ctx context.Context, c *backend.Conn, st *router.Statement) error {
	if st == nil || !st.DiagRead {
		return nil
	}
	return c.ExecAll(ctx, "DO (SELECT 1 FROM information_schema.COLLATIONS LIMIT 1)")
}

// emulatedErrWait bounds the wait for a connection to raise an emulated
// error on.
const emulatedErrWait = 100 * time.Millisecond

// writeEmulatedErr answers with an error the proxy raises in MariaDB's
// place (a write in a READ ONLY transaction, which XA branches cannot
// enforce). It is raised on a shard connection too, with SIGNAL, which then
// holds it as the session's diagnostics: SHOW WARNINGS and @@error_count
// show it as MariaDB would.
func (s *Session) writeEmulatedErr(ctx context.Context, err error) error {
	me := toMyError(err)
	shard := s.srv.router.DefaultShard(s.db)
	// Never keep the client waiting for a free connection for this: with
	// none at hand the error is answered without its diagnostics.
	actx, cancel := context.WithTimeout(ctx, emulatedErrWait)
	defer cancel()
	if c, aerr := s.acquire(actx, shard); aerr == nil {
		_, serr := c.Exec(ctx, fmt.Sprintf("SIGNAL SQLSTATE '%s' SET MYSQL_ERRNO = %d, MESSAGE_TEXT = '%s'",
			me.State, me.Code, strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(me.Message)))
		if se, ok := mysqlErr(serr); ok && se.Code == me.Code {
			s.releaseDiag()
			s.diag = c
		} else {
			s.release(c)
		}
	}
	return s.writeErr(me)
}
