package proxy

import (
	"context"
	"strings"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// pin is a backend connection a session keeps because state lives in it
// (docs/session-state.md, treatment 3): temporary tables, table locks,
// user-level locks. While a session has a pin on a shard, every statement
// it runs there uses that connection, in a transaction too (the pin is the
// branch). A pin whose state has ended goes back to the pool; one that
// still holds state when the session ends is closed, never reused.
type pin struct {
	c         *backend.Conn
	temps     map[string]bool // temporary tables created on it, "db.table" lower-cased
	locked    bool            // LOCK TABLES holds table locks on it
	userLocks bool            // GET_LOCK ran on it: locks may be held until RELEASE_ALL_LOCKS
	handlers  map[string]bool // HANDLER names open on it, lower-cased (handler.go)
	// unknown: a statement ran on it that may have left state there the
	// proxy cannot see (leavesUnknownState): kept to the session's end.
	unknown bool
}

// idle: no state left in the connection.
func (p *pin) idle() bool {
	return len(p.temps) == 0 && !p.locked && !p.userLocks && len(p.handlers) == 0 && !p.unknown
}

// pinned returns the session's pin on shard, nil if none.
func (s *Session) pinned(shard string) *pin { return s.pins[shard] }

// holdsState tells whether c is one of the session's pins (so that it is
// not returned to the pool while its state lasts).
func (s *Session) holdsState(c *backend.Conn) bool {
	p := s.pins[c.Shard()]
	return p != nil && p.c == c
}

// pinFor keeps c, the connection a statement that creates connection state
// runs on, as the session's pin on its shard.
func (s *Session) pinFor(st *router.Statement, c *backend.Conn) {
	if st == nil || c == nil {
		return
	}
	switch st.ConnState {
	case router.ConnStateTempCreate, router.ConnStateLockTables, router.ConnStateUserLock, router.ConnStateHandlerOpen:
	default:
		if !s.leavesUnknownState(st) {
			return
		}
	}
	if s.pins[c.Shard()] == nil {
		s.pins[c.Shard()] = &pin{c: c, temps: map[string]bool{}, handlers: map[string]bool{}}
	}
}

// leavesUnknownState tells whether st may leave state in its connection
// that the proxy cannot see: an unparsed statement that names some
// (router.ConnStateUnknown), a CALL or call of a stored routine, or a
// write to a table whose trigger, may (SET @x inside them stays on the
// connection; the catalog lists those whose bodies name such state, so a
// routine that only computes keeps no connection).
func (s *Session) leavesUnknownState(st *router.Statement) bool {
	if st.ConnState == router.ConnStateUnknown {
		return true
	}
	cat := s.srv.router.Catalog()
	for _, f := range st.Funcs {
		if cat.StatefulRoutine(s.schemaOf(f.Schema), f.Name) {
			return true
		}
	}
	// Only a row change fires a trigger: DDL on such a table (DROP,
	// ALTER, TRUNCATE) keeps no connection.
	if st.Kind == router.KindUnparsed || router.ChangesRows(st) {
		for _, t := range st.Tables {
			if cat.StatefulTrigger(s.schemaOf(t.Schema), t.Name) {
				return true
			}
		}
	}
	return false
}

// schemaOf is the schema a name qualified with schema ("" if none) lives
// in for this session.
func (s *Session) schemaOf(schema string) string {
	if schema == "" {
		return s.db
	}
	return schema
}

// notePinState records what a statement that ran on shard did to the state
// of its connection (ok: it succeeded), and lets the pin go if no state is
// left.
func (s *Session) notePinState(st *router.Statement, shard string, ok bool) {
	p := s.pins[shard]
	if p == nil || st == nil {
		return
	}
	if ok {
		switch st.ConnState {
		case router.ConnStateTempCreate:
			for _, t := range st.Tables[:min(1, len(st.Tables))] {
				p.temps[s.tableKey(t)] = true
			}
		case router.ConnStateTempDrop:
			for _, t := range st.Tables {
				delete(p.temps, s.tableKey(t))
			}
		case router.ConnStateLockTables:
			p.locked = true
			s.noteLockedTables(st)
		case router.ConnStateUnlockTables:
			p.locked = false
			s.lockedTables = nil
		case router.ConnStateUserLock:
			p.userLocks = true
		case router.ConnStateUserLockRelease:
			p.userLocks = false
		case router.ConnStateHandlerOpen:
			p.handlers[st.Handler] = true
		case router.ConnStateHandlerClose:
			delete(p.handlers, st.Handler)
		}
	}
	if s.leavesUnknownState(st) {
		p.unknown = true // what it left is unknown, failed or not
	}
	if p.idle() {
		delete(s.pins, shard) // the caller returns the connection
	}
}

// unpinIfIdle lets a pin whose state has ended go: back to the pool, unless
// it is also the open transaction's branch (endTx returns it).
func (s *Session) unpinIfIdle(shard string) {
	p := s.pins[shard]
	if p == nil || !p.idle() {
		return
	}
	delete(s.pins, shard)
	if s.tx != nil && s.tx.branches[shard] == p.c {
		return
	}
	s.settleLastIDOf(context.Background(), p.c)
	s.srv.pools[shard].Release(p.c)
}

// tableKey names a table the way MariaDB resolves it for this session.
func (s *Session) tableKey(t router.TableRef) string {
	return strings.ToLower(s.schemaOf(t.Schema) + "." + t.Name)
}

// unlockTables runs UNLOCK TABLES where the session locked tables; it
// reports whether any were locked (MariaDB then commits an open
// transaction first).
func (s *Session) unlockTables(ctx context.Context) (bool, error) {
	any := false
	var firstErr error
	for shard, p := range s.pins {
		if !p.locked {
			continue
		}
		any = true
		if err := p.c.ExecAll(ctx, "UNLOCK TABLES"); err != nil && firstErr == nil {
			firstErr = shardErr(shard, err)
			p.c.MarkBroken() // its locks are in an unknown state: never reuse it
		}
		p.locked = false
		s.unpinIfIdle(shard)
	}
	s.lockedTables = nil
	return any, firstErr
}

// dropPins ends the session's pins, after its transaction ended: their
// state dies with their connection, which is closed rather than handed to
// another session.
func (s *Session) dropPins() {
	s.lockedTables = nil
	for shard, p := range s.pins {
		delete(s.pins, shard)
		p.c.MarkBroken()
		s.srv.pools[shard].Release(p.c)
	}
}

// unlockTablesStmt answers UNLOCK TABLES: while tables are locked it
// commits the open transaction, as MariaDB does, then releases the locks;
// otherwise it does nothing.
func (s *Session) unlockTablesStmt(ctx context.Context) error {
	locked := false
	for _, p := range s.pins {
		locked = locked || p.locked
	}
	if locked && s.tx != nil {
		if err := s.endTx(ctx, true); err != nil {
			return s.writeErr(err)
		}
	}
	if locked {
		// Its implicit commit ends the pending characteristics too.
		s.nextTx = txChars{}
	}
	if _, err := s.unlockTables(ctx); err != nil {
		return s.writeErr(err)
	}
	return s.writeOK(0, 0, "")
}
