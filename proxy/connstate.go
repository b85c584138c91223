package proxy

import (
	"github.com/xaproxy/xaproxy/backend"
)

// connState is, in one place, what a MariaDB connection remembers between
// statements and the proxy keeps for the session instead
// (docs/session-state.md names each piece and its treatment: 1 replay by
// value, 2 answer in the proxy, 3 pin, 4 refuse). A session starts with
// newConnState; COM_RESET_CONNECTION and COM_CHANGE_USER start it afresh
// with reset, so a piece of state added here cannot be forgotten there.
// The current database, the client's character set from the handshake and
// the statement being run are not in it: a reset keeps the first two, and
// the third is not state between statements.
type connState struct {
	// vars are the character set, session system variables and user
	// variables, recorded by value (1: set.go, varvalue.go, assignvars.go).
	vars backend.State
	// autocommit and lockReads (xaproxy_locking_reads) are answered by the
	// proxy (2): transactions are its own (txn.go).
	autocommit bool
	lockReads  bool
	// tx is the open transaction, nextTx the characteristics SET
	// TRANSACTION gave the next one (1: txchar.go).
	tx     *txn
	nextTx txChars
	// pins are the connections holding temporary tables, table locks and
	// user-level locks, by shard (3: pin.go); lockedTables are the tables
	// LOCK TABLES locked ("db.table" lower-cased), nil when none
	// (locked.go).
	pins         map[string]*pin
	lockedTables map[string]bool
	// lastID is LAST_INSERT_ID() (2: lastinsert.go); lastIDOn the session's
	// connection holding a newer one, if any, and lastIDPrior what it held
	// before.
	lastID      uint64
	lastIDOn    *backend.Conn
	lastIDPrior uint64
	// diag are the last statement's warnings or error (2: diag.go), last
	// its FOUND_ROWS() and ROW_COUNT() (2: lastresult.go).
	diag diagnostics
	last lastResult
	// stmts are the binary-protocol prepared statements (stmt.go), sqlStmts
	// SQL PREPARE's, by lower-case name (sqlprepare.go).
	stmts      map[uint32]*prepared
	nextStmtID uint32
	sqlStmts   map[string]*sqlPrepared
}

// newConnState is the state of a new connection.
func newConnState(lockReads bool) connState {
	return connState{
		autocommit: true,
		lockReads:  lockReads,
		stmts:      map[uint32]*prepared{},
		pins:       map[string]*pin{},
	}
}

// reset is the state after COM_RESET_CONNECTION, once the transaction and
// the pins have ended: a new connection's, but FOUND_ROWS() is kept
// (ROW_COUNT() is 0, as on a new one: MariaDB 10.11, checked). The caller
// sets the character set.
func (c connState) reset(lockReads bool) connState {
	n := newConnState(lockReads)
	n.last = lastResult{found: c.last.found, unknown: c.last.unknown}
	return n
}
