package proxy

import (
	"context"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
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
	return s.tx != nil && (s.tx.explicit || len(s.tx.branches) > 0)
}

// writesRows: a statement that writes rows (a READ ONLY transaction
// refuses it unless it writes only temporary tables).
func writesRows(st *router.Statement) bool {
	switch st.Node.(type) {
	case *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt, *ast.LoadDataStmt:
		return true
	}
	return false
}

// takeTxChars gives the pending characteristics to tx, which starts now.
func (s *Session) takeTxChars(tx *txn) {
	if s.nextTx.readOnly != nil {
		tx.readOnly = *s.nextTx.readOnly
	}
	tx.isolation = s.nextTx.isolation
	s.nextTx = txChars{}
}

// applyIsolation sets the isolation level of the transaction c is about to
// start (a branch, or an autocommit statement), before its XA START.
func applyIsolation(ctx context.Context, c *backend.Conn, level string) error {
	if level == "" {
		return nil
	}
	return c.ExecAll(ctx, "SET TRANSACTION ISOLATION LEVEL "+level)
}

// autocommitTxChars applies the pending characteristics to a statement
// that is a transaction of its own (autocommit, no transaction open): a
// write in a READ ONLY one is refused as by the server. A statement that
// runs and reads tables is that transaction and clears them; one that
// reads none, or is refused, leaves them (MariaDB 10.11, checked by
// TestSessionDifferential).
func (s *Session) autocommitTxChars(st *router.Statement) (isolation string, err error) {
	if s.tx != nil || !s.autocommit || !s.nextTx.set() {
		return "", nil
	}
	next := s.nextTx
	if next.readOnly != nil && *next.readOnly && s.refusedReadOnly(st, writesRows(st)) {
		return "", errReadOnlyTx()
	}
	return next.isolation, nil
}

// consumeTxChars clears the pending characteristics after an autocommit
// statement that ran without error and read tables: it was their
// transaction.
func (s *Session) consumeTxChars(st *router.Statement, failed bool) {
	if s.tx == nil && s.autocommit && !failed && len(st.Tables) > 0 {
		s.nextTx = txChars{}
	}
}
