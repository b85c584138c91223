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
)

// Savepoints in a transaction spanning shards. MariaDB runs SAVEPOINT,
// ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT inside an XA branch (checked
// on 10.11: ROLLBACK TO undoes the branch's writes since the savepoint).
// The proxy keeps the transaction's savepoints in order and sends each
// statement to every open branch; a branch opened later gets the
// savepoints set right after its XA START, before its first statement, so
// that ROLLBACK TO undoes its writes as well: on one server those writes
// came after the savepoint too. mariadb-dump --single-transaction uses
// them: SAVEPOINT sp, then ROLLBACK TO SAVEPOINT sp after each table.

type savepointOp int

const (
	spSet savepointOp = iota
	spRollback
	spRelease
)

// savepointOf reads a savepoint statement.
func savepointOf(st *router.Statement) (savepointOp, string, bool) {
	switch n := st.Node.(type) {
	case *ast.SavepointStmt:
		return spSet, n.Name, true
	case *ast.ReleaseSavepointStmt:
		return spRelease, n.Name, true
	case *ast.RollbackStmt:
		return spRollback, n.SavepointName, n.SavepointName != ""
	}
	return 0, "", false
}

// savepointSQL is the statement a branch runs.
func savepointSQL(op savepointOp, name string) string {
	q := quoteIdent(name)
	switch op {
	case spRollback:
		return "ROLLBACK TO SAVEPOINT " + q
	case spRelease:
		return "RELEASE SAVEPOINT " + q
	}
	return "SAVEPOINT " + q
}

// applySavepoint is the transaction's list of savepoints after op: SAVEPOINT
// moves a name to the end, ROLLBACK TO drops the later ones, RELEASE drops
// the name and the later ones (as on MariaDB). ok is false for a name the
// transaction does not have (1305).
func applySavepoint(list []string, op savepointOp, name string) ([]string, bool) {
	i := slices.IndexFunc(list, func(s string) bool { return strings.EqualFold(s, name) })
	switch op {
	case spSet:
		if i >= 0 {
			list = slices.Delete(slices.Clone(list), i, i+1)
		}
		return append(slices.Clone(list), name), true
	case spRollback:
		if i < 0 {
			return list, false
		}
		return slices.Clone(list[:i+1]), true
	default:
		if i < 0 {
			return list, false
		}
		return slices.Clone(list[:i]), true
	}
}

// savepointStmt runs a savepoint statement. Outside a transaction, and in
// one under LOCK TABLES (a single plain branch), it runs where it is
// routed, as before; in an XA transaction the proxy keeps the savepoints.
func (s *Session) savepointStmt(ctx context.Context, q *textPlan) error {
	op, name, ok := savepointOf(q.st)
	if s.tx == nil && !s.autocommit && !s.holdsTableLocks() {
		// autocommit=0: the statement is in the transaction it starts.
		s.tx = s.newTxn(false)
		s.takeTxChars(s.tx)
	}
	if !ok || s.tx == nil || s.tx.local != "" || s.holdsTableLocks() {
		return s.route(ctx, q)
	}
	if err := s.checkTxUsable(); err != nil {
		return s.writeErr(err)
	}
	if op == spSet && strings.EqualFold(name, partSavepointName) {
		return s.writeErr(errReservedSavepoint(name))
	}
	list, found := applySavepoint(s.tx.savepoints, op, name)
	if !found {
		return s.writeErr(mysql.NewError(mysql.ER_SP_DOES_NOT_EXIST, fmt.Sprintf("SAVEPOINT %s does not exist", name)))
	}
	for _, shard := range s.tx.order {
		c := s.tx.branches[shard]
		if c.Unstarted() {
			continue // its XA START has not left: it sets the savepoints when it does
		}
		if err := c.ExecAll(ctx, savepointSQL(op, name)); err != nil {
			if _, isMy := backend.ServerError(err); !isMy {
				c.MarkBroken()
				s.afterBranchStatement(ctx, shard, c, q.st, outcome{lost: err})
				return s.writeErr(errShardUnavailable(shard, err))
			}
			return s.writeErr(err)
		}
	}
	s.tx.savepoints = list
	return s.writeOK(0, 0, "")
}

// startBranch opens c's XA branch with start (XA START): with the
// statement about to run when the transaction has no savepoints, else
// now, followed by its savepoints in order.
func (s *Session) startBranch(ctx context.Context, c *backend.Conn, start string) error {
	if len(s.tx.savepoints) == 0 {
		c.StartWith(start)
		return nil
	}
	stmts := []string{start}
	for _, sp := range s.tx.savepoints {
		stmts = append(stmts, savepointSQL(spSet, sp))
	}
	if err := c.ExecAll(ctx, stmts...); err != nil {
		c.MarkBroken() // the branch is in an unknown state: closing it rolls it back
		return err
	}
	return nil
}
