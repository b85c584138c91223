package proxy

import (
	"context"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/internal/sqllex"
	"github.com/xaproxy/xaproxy/router"
)

// txChars are the characteristics `SET TRANSACTION ...` (without SESSION)
// gives the next transaction only (docs/session-state.md: next-transaction
// characteristics): applied to every branch it opens, then cleared. The
// next transaction is the next START TRANSACTION, the implicit one of
// autocommit=0, a statement that commits implicitly, or an autocommit
// statement that reads tables; COMMIT and ROLLBACK clear them too, even
// with no transaction open; a write refused as READ ONLY is not one
// (checked: after SET TRANSACTION READ ONLY two autocommit INSERTs get
// 1792). Each characteristic is pending on its own, and setting the
// session's value replaces the pending one (MariaDB 10.11, checked with
// information_schema.innodb_trx).
type txChars struct {
	isolation string // "READ COMMITTED", ...; "" unset
	readOnly  *bool
}

func (c txChars) set() bool { return c.isolation != "" || c.readOnly != nil }

// oneShotTransaction tells SET TRANSACTION (the next transaction) from SET
// SESSION TRANSACTION: the TiDB parser gives both READ ONLY forms the same
// variable, tx_read_only.
func oneShotTransaction(sql string) bool {
	f := strings.Fields(strings.ToUpper(router.SkipComments(sql)))
	return len(f) >= 2 && f[0] == "SET" && f[1] == "TRANSACTION"
}

// oneShotVar tells an assignment to @@tx_isolation or @@tx_read_only
// written without a scope: on MariaDB it is SET TRANSACTION, for the next
// transaction only and refused inside one, where SET SESSION (or the name
// without @@) sets the session's (checked on 10.11). A value MariaDB would
// refuse is not one: the shard answers it.
func oneShotVar(a *ast.VariableAssignment, value string, st *router.Statement) bool {
	if !a.IsSystem || a.IsGlobal || !bareSystemVar(st, a.Name) {
		return false
	}
	switch {
	case strings.EqualFold(a.Name, "tx_isolation"):
		// Not transaction_isolation, which MariaDB 10.11 does not have
		// (1193, from the shard).
		return strings.EqualFold(value, "DEFAULT") || oneShotLevel(value) != ""
	case strings.EqualFold(a.Name, "tx_read_only"):
		_, ok := parseBool(value)
		return ok
	}
	return false
}

// bareSystemVar tells whether st names @@name with no scope: the tokens
// @, @ and the name, adjacent (not @@session.name, nor inside a string).
func bareSystemVar(st *router.Statement, name string) bool {
	toks := sqllex.Tokens(st.SQL, st.LexMode(), 0)
	for i := 0; i+2 < len(toks); i++ {
		a, b, n := toks[i], toks[i+1], toks[i+2]
		if a.Is("@") && b.Is("@") && b.End == a.End+1 && n.Kind == sqllex.Word &&
			strings.EqualFold(n.Text, name) && n.End-len(n.Text) == b.End {
			return true
		}
	}
	return false
}

// oneShotLevel is the isolation level a value of @@tx_isolation names, as
// SET TRANSACTION writes it; "" for DEFAULT (the session's) or a value
// that names none.
func oneShotLevel(value string) string {
	switch strings.ToUpper(strings.Trim(value, "'\"")) {
	case "READ-UNCOMMITTED", "0":
		return "READ UNCOMMITTED"
	case "READ-COMMITTED", "1":
		return "READ COMMITTED"
	case "REPEATABLE-READ", "2":
		return "REPEATABLE READ"
	case "SERIALIZABLE", "3":
		return "SERIALIZABLE"
	}
	return ""
}

// isIsolationVar names the session's isolation level variable.
func isIsolationVar(name string) bool {
	return strings.EqualFold(name, "tx_isolation") || strings.EqualFold(name, "transaction_isolation")
}

// isolationLevel turns the parser's value ('READ-COMMITTED') into SQL.
func isolationLevel(value string) string {
	return strings.ReplaceAll(strings.Trim(value, "'\""), "-", " ")
}

// errTxInProgress is MariaDB's answer to SET TRANSACTION inside a
// transaction.
func errTxInProgress() error {
	return mysql.NewError(mysql.ER_CANT_CHANGE_TX_CHARACTERISTICS, "Transaction characteristics can't be changed while a transaction is in progress")
}

// inTransaction: a transaction has started (explicitly, or by a statement
// under autocommit=0).
func (s *Session) inTransaction() bool {
	return s.tx != nil && (s.tx.explicit || s.tx.started)
}

// startsTransaction: under autocommit=0, st starts MariaDB's transaction
// if it runs (it uses a table; CREATE/DROP TEMPORARY TABLE and LOCK TABLES
// start none of their own, nor HANDLER OPEN and CLOSE).
func startsTransaction(st *router.Statement) bool {
	switch st.ConnState {
	case router.ConnStateTempCreate, router.ConnStateTempDrop, router.ConnStateLockTables, router.ConnStateUnlockTables,
		router.ConnStateHandlerOpen, router.ConnStateHandlerClose:
		return false
	}
	return len(st.Tables) > 0
}

// opensNoTx: under autocommit=0 with no transaction started (none open,
// or one MariaDB has not started: its statements used no table, or failed
// before opening one), st is a read that uses no table and calls no stored
// function that opens one (SELECT 1, SELECT NOW(), SELECT
// @@in_transaction, DO SLEEP(1)), which starts no transaction on MariaDB.
func (s *Session) opensNoTx(st *router.Statement) bool {
	if s.inTransaction() || s.autocommit || len(st.Tables) > 0 || s.callsTableRoutine(st) {
		return false
	}
	switch st.Node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.DoStmt:
		return true
	}
	return false
}

// endUnstartedTx ends, before a SET TRANSACTION, the transaction
// autocommit=0 opened for statements that used no table (MariaDB has none
// then): nothing in it to keep, and the characteristics it took are pending
// again, for the transaction the next statement starts.
func (s *Session) endUnstartedTx(ctx context.Context, n *ast.SetStmt, sql string) error {
	if s.tx == nil || s.inTransaction() {
		return nil
	}
	oneShot := false
	for _, a := range n.Variables {
		oneShot = oneShot || a.Name == "tx_isolation_one_shot" || (a.Name == "tx_read_only" && oneShotTransaction(sql))
	}
	if !oneShot {
		return nil
	}
	took, err := s.dropUnstartedTx(ctx)
	if err != nil {
		return err
	}
	s.nextTx = took
	return nil
}

// dropUnstartedTx ends autocommit=0's transaction that MariaDB has not
// started (its statements used no table; the proxy's branch may have
// started, its start travelling with the first statement) and returns the
// characteristics it took, which the caller makes pending again.
func (s *Session) dropUnstartedTx(ctx context.Context) (txChars, error) {
	took := s.tx.took
	return took, s.endTx(ctx, true)
}

// noteStarted marks the implicit transaction of autocommit=0 as started
// once a statement has used a table in it, itself or through a stored
// function: MariaDB starts one only then (a
// SELECT 1, or a statement refused before its tables were opened, leaves
// none: SET TRANSACTION still works after them). failedCode is the error
// the statement ended with (0: none).
func (s *Session) noteStarted(st *router.Statement, failedCode uint16) {
	if s.tx == nil || s.tx.started || !(startsTransaction(st) || s.callsTableRoutine(st)) {
		return
	}
	switch failedCode {
	case mysql.ER_NO_SUCH_TABLE, mysql.ER_PARSE_ERROR, mysql.ER_BAD_DB_ERROR, mysql.ER_DBACCESS_DENIED_ERROR,
		mysql.ER_TABLEACCESS_DENIED_ERROR, mysql.ER_BAD_TABLE_ERROR, mysql.ER_UNKNOWN_TABLE, mysql.ER_NOT_SUPPORTED_YET,
		mysql.ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, mysql.ER_TABLE_NOT_LOCKED:
		return // refused before its tables were opened
	}
	s.tx.started = true
}

// takeTxChars gives the pending characteristics to tx, which starts now,
// and records the session's own (began).
func (s *Session) takeTxChars(tx *txn) {
	tx.began = s.sessionChars()
	tx.took = s.nextTx
	s.nextTx = txChars{}
}

// applyTxChars gives the transaction c is about to start (a branch, or an
// autocommit statement) its characteristics (txCharsSQL), before its XA
// START.
func applyTxChars(ctx context.Context, c *backend.Conn, chars string) error {
	if chars == "" {
		return nil
	}
	return c.ExecAll(ctx, "SET TRANSACTION "+chars)
}

// applyStmtTxChars is applyTxChars for an autocommit statement: one that
// uses no table, or fails before opening one, leaves the characteristics
// pending on c (MariaDB 10.11), so c's next Sync ends them.
func applyStmtTxChars(ctx context.Context, c *backend.Conn, chars string) error {
	if chars == "" {
		return nil
	}
	c.NoteNextTxChars()
	return applyTxChars(ctx, c, chars)
}

// txCharsSQL is what SET TRANSACTION must tell a shard connection for a
// transaction of isolation level isolation ("": the session's) and access
// mode readOnly (nil: the session's). The connection carries the session's
// variables, so READ WRITE is said only where the session's default is
// READ ONLY (MariaDB 10.11: SET SESSION TRANSACTION READ ONLY; START
// TRANSACTION READ WRITE; INSERT runs); READ ONLY the proxy enforces
// itself (checkReadOnly).
func (s *Session) txCharsSQL(isolation string, readOnly *bool) string {
	var parts []string
	if isolation != "" {
		parts = append(parts, "ISOLATION LEVEL "+isolation)
	}
	if readOnly != nil && !*readOnly && s.sessionReadOnly() {
		parts = append(parts, "READ WRITE")
	}
	return strings.Join(parts, ", ")
}

// readOnlyNow: the statement about to run is in a READ ONLY transaction:
// the open one's access mode, else the pending SET TRANSACTION's for the
// one it starts, else the session's default.
func (s *Session) readOnlyNow() bool {
	mode := s.nextTx.readOnly
	if s.tx != nil {
		mode = s.tx.took.readOnly
	}
	if mode != nil {
		return *mode
	}
	if s.tx != nil && s.tx.began.known {
		return s.tx.began.readOnly
	}
	return s.sessionReadOnly()
}

// sessionReadOnly: the session's transactions are READ ONLY by default.
func (s *Session) sessionReadOnly() bool {
	for _, name := range []string{"@@session.tx_read_only", "@@session.transaction_read_only"} {
		if v, ok := s.vars.Get(name); ok {
			on, _ := parseBool(v)
			return on
		}
	}
	return false
}

// autocommitTxChars applies the pending characteristics to a statement
// that is a transaction of its own (autocommit, no transaction open): a
// write in a READ ONLY one is refused as by the server, and the rest is
// returned for SET TRANSACTION (txCharsSQL). A statement that
// runs and reads tables is that transaction and clears them; one that
// reads none, or is refused, leaves them (MariaDB 10.11, checked by
// TestSessionDifferential).
func (s *Session) autocommitTxChars(st *router.Statement) (chars string, err error) {
	if s.tx != nil || !s.autocommit || !s.nextTx.set() {
		return "", nil
	}
	next := s.nextTx
	if next.readOnly != nil && *next.readOnly && s.refusedReadOnly(st, router.ChangesRows(st)) {
		return "", errReadOnlyTx()
	}
	return s.txCharsSQL(next.isolation, next.readOnly), nil
}

// sessionReplacesTaken: setting the session's access mode or isolation
// level replaces what autocommit=0's transaction took, as long as MariaDB
// has not started it (MariaDB 10.11: SET TRANSACTION READ WRITE; SET
// autocommit = 0; SELECT 1; SET SESSION TRANSACTION READ ONLY; INSERT
// gets 1792, and runs after a SELECT from a table instead of SELECT 1).
// The proxy's branch may have started already (its start travels with the
// first statement, SELECT 1 too): it is ended (dropUnstartedTx), so that
// the next statement starts one under the session's new value.
func (s *Session) sessionReplacesTaken(ctx context.Context, mode, isolation bool) error {
	if (!mode && !isolation) || s.tx == nil || s.inTransaction() {
		return nil
	}
	took, err := s.dropUnstartedTx(ctx)
	if err != nil {
		return err
	}
	if mode {
		took.readOnly = nil
	}
	if isolation {
		took.isolation = ""
	}
	if s.nextTx.readOnly == nil {
		s.nextTx.readOnly = took.readOnly
	}
	if s.nextTx.isolation == "" {
		s.nextTx.isolation = took.isolation
	}
	return nil
}

// consumeTxChars clears the pending characteristics after an autocommit
// statement that ran without error and read tables: it was their
// transaction. HANDLER ... READ reads its table (it names only the
// handler); HANDLER ... OPEN and CLOSE read none (MariaDB 10.11: SET
// TRANSACTION READ ONLY, then HANDLER t OPEN and CLOSE leave an INSERT
// refused, a HANDLER t READ lets it run).
func (s *Session) consumeTxChars(st *router.Statement, failed bool) {
	if s.tx != nil || !s.autocommit || failed {
		return
	}
	switch {
	case st.ConnState == router.ConnStateHandlerUse,
		len(st.Tables) > 0 && st.ConnState != router.ConnStateHandlerOpen:
		s.nextTx = txChars{}
	}
}

// callsTableRoutine: a function st calls may open a table, as a stored
// function whose body names one does (the catalog's reach); builtins and
// functions reaching no table open none. Before the catalog is read whole,
// any call may.
func (s *Session) callsTableRoutine(st *router.Statement) bool {
	if len(st.Funcs) == 0 {
		return false
	}
	cat := s.srv.router.Catalog()
	if cat == nil || len(cat.Failed()) > 0 {
		return true
	}
	for _, f := range st.Funcs {
		schema := f.Schema
		if schema == "" {
			schema = s.db
		}
		r := cat.RoutineReach(schema, f.Name)
		if len(r.Tables) > 0 || r.Writes || r.Unreadable || r.Dynamic || r.InfoSchema {
			return true
		}
	}
	return false
}
