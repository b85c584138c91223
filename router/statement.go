// Package router turns SQL text into a plan: it parses with the TiDB parser,
// classifies the statement and decides which shards run it.
package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/catalog"
)

// Kind is what the proxy must do with a statement.
type Kind int

// Statement kinds. Session-level kinds are executed by the proxy itself;
// the others are sent to shards.
const (
	KindPassThrough Kind = iota // sent to the shard(s) the plan names
	KindUnparsed                // the parser rejected it; sent to the default shard
	KindBegin
	KindCommit
	KindRollback
	KindSavepoint // SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO: open branches only
	KindSet
	KindUse
	KindShowDatabases
	KindXA
	KindEmpty        // nothing but white space and semicolons: 1065
	KindComment      // nothing but comments: MariaDB answers OK
	KindShowXAStatus // SHOW XA STATUS: the proxy's in-doubt transactions
)

// TableRef is a table named in a statement.
type TableRef struct {
	Schema string // "" when unqualified
	Name   string
}

// In is the table's schema for a session whose database is db.
func (t TableRef) In(db string) string { return orDB(t.Schema, db) }

// NamesUnqualified tells whether a statement names a table without its
// database: a prepared one reads that table in the database of its
// PREPARE.
func (st *Statement) NamesUnqualified() bool {
	for _, t := range st.Tables {
		if t.Schema == "" {
			return true
		}
	}
	return false
}

// orDB is schema, or db when schema is "" (unqualified).
func orDB(schema, db string) string {
	if schema == "" {
		return db
	}
	return schema
}

// Statement is a parsed, classified statement.
type Statement struct {
	statementChecks
	SQL  string
	Kind Kind
	// Mode is the sql_mode flags it was read with (Parser.In).
	Mode Mode
	// Funcs are the functions it calls by name: a stored function may
	// leave user variables in its connection (proxy/pin.go).
	Funcs []FuncRef
	Node  ast.StmtNode // nil for KindUnparsed, KindXA, KindEmpty
	// Tables referenced anywhere in the statement, in order of appearance.
	Tables []TableRef
	// ImplicitCommit: the server commits the open transaction before running
	// it (DDL, LOCK TABLES, ...).
	ImplicitCommit bool
	// LockWait is a DDL's lock wait option as written ("WAIT 5", "NOWAIT"),
	// "" if none.
	LockWait string
	// ReadOnly: a SELECT without locking clauses or a SHOW.
	ReadOnly bool
	// PureRead: a SELECT that can change nothing unless a table it reads
	// is a view (pureread.go); ReadTables are those tables, as written.
	PureRead   bool
	ReadTables []TableRef
	// ForUpdate: a SELECT of it takes exclusive row locks (locksForUpdate),
	// worked out at parse: walking a cached statement's tree at execution
	// would write to a tree other sessions read.
	ForUpdate bool
	// ConnState is the state the statement creates or ends on the backend
	// connection that runs it: the session must keep that connection
	// (docs/session-state.md, treatment 3).
	ConnState ConnState
	// LastInsertID says how the statement involves the session's
	// LAST_INSERT_ID() value, which the proxy keeps per session
	// (docs/session-state.md, treatment 2).
	LastInsertID LastIDUse
	// DiagRead: the statement reads the previous statement's diagnostics
	// (SHOW WARNINGS, SHOW ERRORS, @@warning_count, @@error_count), which
	// it does not reset.
	DiagRead bool
	// Checksum: CHECKSUM TABLE, whose Node is ANALYZE TABLE of the same
	// tables (tablemaint.go).
	Checksum bool
	// ClearsDiag: the statement clears the previous statement's
	// diagnostics when it starts, as MariaDB does for a statement that
	// uses a table (diagclear.go).
	ClearsDiag bool
	// AssignsVars lists the user variables ("@x", lower-cased) the
	// statement assigns other than by SET: `@x := expr`, `INTO @x`
	// (assignvars.go).
	AssignsVars []string
	// Routine is a definition of a stored function, procedure or trigger
	// (or its SHOW CREATE), read from its head rather than by the parser
	// (routinedef.go); nil for other statements.
	Routine *RoutineDef
	// Handler is the name a HANDLER statement opens, reads or closes
	// (lower-cased: the alias, or the table), "" for other statements.
	Handler string
	// SelectInto: a SELECT ... INTO @x, planned without its INTO clause
	// (the parser does not know it): only the client's own text, on one
	// shard, may run it.
	SelectInto bool
	// LastResult says whether the statement calls FOUND_ROWS() or
	// ROW_COUNT(), the session's own last statement's counts
	// (lastresult.go); FoundRows is what it does to FOUND_ROWS().
	LastResult LastResultUse
	FoundRows  FoundRowsEffect
	// Identity says whether the statement calls CONNECTION_ID(), USER(),
	// CURRENT_USER() or reads the connect-attribute tables: the session's
	// own, which the proxy answers (identity.go).
	Identity IdentityUse
	// ParseErr is the parser's complaint for KindUnparsed.
	ParseErr error
	// Returning is the RETURNING clause of an INSERT, REPLACE or DELETE
	// (then Node is the statement without it); nil when there is none.
	Returning *Returning
}

// InsertReturning: an INSERT or REPLACE with RETURNING. It answers with a
// result set, so no OK packet tells whether it changed LAST_INSERT_ID().
func (s *Statement) InsertReturning() bool {
	_, ins := s.Node.(*ast.InsertStmt)
	return ins && s.Returning != nil
}

// ConnState says what a statement does to state that lives in its backend
// connection.
type ConnState int

const (
	// ConnStateNone: nothing the next statement would miss on another
	// connection.
	ConnStateNone ConnState = iota
	// ConnStateTempCreate: CREATE TEMPORARY TABLE.
	ConnStateTempCreate
	// ConnStateTempDrop: DROP [TEMPORARY] TABLE, which drops a temporary
	// table of that name first.
	ConnStateTempDrop
	// ConnStateLockTables: LOCK TABLES.
	ConnStateLockTables
	// ConnStateUnlockTables: UNLOCK TABLES.
	ConnStateUnlockTables
	// ConnStateUserLock: calls GET_LOCK (and maybe other user-level lock
	// functions).
	ConnStateUserLock
	// ConnStateUserLockRelease: calls RELEASE_ALL_LOCKS and not GET_LOCK.
	ConnStateUserLockRelease
	// ConnStateUserLockQuery: calls RELEASE_LOCK, IS_USED_LOCK or
	// IS_FREE_LOCK only; it must run where the session's locks live.
	ConnStateUserLockQuery
	// ConnStateHandlerOpen: HANDLER t OPEN [AS name] (handler.go).
	ConnStateHandlerOpen
	// ConnStateHandlerUse: HANDLER name READ ...: runs where it was opened.
	ConnStateHandlerUse
	// ConnStateHandlerClose: HANDLER name CLOSE.
	ConnStateHandlerClose
	// ConnStateUnknown: a statement the parser cannot read that may leave
	// state in its connection (a temporary table or sequence, a user-level
	// lock, a user variable: router/unparsed.go). The routines and
	// triggers that may are known from the catalog (proxy/pin.go).
	ConnStateUnknown
)

// LastIDUse is how a statement involves LAST_INSERT_ID().
type LastIDUse int

const (
	// LastIDNone: not at all (but an INSERT may still change it: the OK
	// packet's insert id says so).
	LastIDNone LastIDUse = 0
	// LastIDReads: reads it (LAST_INSERT_ID(), @@identity,
	// @@last_insert_id): the connection must hold the session's value.
	LastIDReads LastIDUse = 1
	// LastIDSets: sets it (LAST_INSERT_ID(expr)).
	LastIDSets LastIDUse = 2
)

// UserLocks tells whether the statement calls user-level lock functions,
// which must all run in one place, the same for every session.
func (c ConnState) UserLocks() bool {
	return c == ConnStateUserLock || c == ConnStateUserLockRelease || c == ConnStateUserLockQuery
}

// tableCollector gathers every table name in a statement, and the
// user-level lock functions it calls.
type tableCollector struct {
	tables    []TableRef
	ctes      cteScopes
	lockFuncs map[string]bool
	lastID    LastIDUse
	diag      bool // reads @@warning_count or @@error_count
}

func (c *tableCollector) Enter(n ast.Node) (ast.Node, bool) {
	c.ctes.enter(n)
	switch x := n.(type) {
	case *ast.ShowStmt:
		switch {
		case x.DBName != "":
			c.tables = append(c.tables, TableRef{Schema: x.DBName})
		case x.Table == nil && dependsOnCurrentDB(x.Tp):
			// SHOW TABLES and the like read the current database: an empty
			// reference makes routing ask for one.
			c.tables = append(c.tables, TableRef{})
		}
	case *ast.VariableExpr:
		if x.IsSystem && (strings.EqualFold(x.Name, "identity") || strings.EqualFold(x.Name, "last_insert_id")) {
			c.lastID |= LastIDReads
		}
		if x.IsSystem && (strings.EqualFold(x.Name, "warning_count") || strings.EqualFold(x.Name, "error_count")) {
			c.diag = true
		}
	case *ast.FuncCallExpr:
		if x.FnName.L == "last_insert_id" {
			if len(x.Args) == 0 {
				c.lastID |= LastIDReads
			} else {
				c.lastID |= LastIDSets
			}
		}
		if catalog.UserLockFunc(x.FnName.L) {
			if c.lockFuncs == nil {
				c.lockFuncs = map[string]bool{}
			}
			c.lockFuncs[x.FnName.L] = true
		}
	case *ast.OptimizeTableStmt:
		// Its Accept does not visit its tables: without them it would
		// run on the default shard only, unchecked.
		for _, t := range x.Tables {
			c.tables = append(c.tables, TableRef{Schema: t.Schema.O, Name: t.Name.O})
		}
	case *ast.TableName:
		if x.Schema.O == "" && c.ctes.hides(x.Name.L) {
			break
		}
		c.tables = append(c.tables, TableRef{Schema: x.Schema.O, Name: x.Name.O})
	}
	return n, false
}

func (c *tableCollector) Leave(n ast.Node) (ast.Node, bool) {
	c.ctes.leave(n)
	return n, true
}

func collectTables(n ast.Node) (tables []TableRef, lockFuncs map[string]bool, lastID LastIDUse, diag bool) {
	var c tableCollector
	n.Accept(&c)
	return c.tables, c.lockFuncs, c.lastID, c.diag
}

func dependsOnCurrentDB(tp ast.ShowStmtType) bool {
	switch tp {
	case ast.ShowTables, ast.ShowTableStatus, ast.ShowTriggers, ast.ShowEvents:
		return true
	}
	return false
}
