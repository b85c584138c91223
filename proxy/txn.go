package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// txn is a session's open transaction. Branches are opened lazily: a shard
// joins the transaction with the first statement that runs on it.
type txn struct {
	explicit bool   // BEGIN/START TRANSACTION; false: autocommit=0
	begin    string // statement that opens a branch
	branches map[string]*backend.Conn
	order    []string
	// aborted says why the transaction can no longer commit (a branch's
	// connection was lost): every statement is refused until ROLLBACK.
	aborted string
}

func newTxn(explicit bool, begin string) *txn {
	if begin == "" {
		begin = "BEGIN"
	}
	return &txn{explicit: explicit, begin: begin, branches: map[string]*backend.Conn{}}
}

func (t *txn) add(shard string, c *backend.Conn) {
	t.branches[shard] = c
	t.order = append(t.order, shard)
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
		if err := s.endTx(ctx, true); err != nil {
			return s.writeErr(err)
		}
	}
	s.tx = newTxn(true, st.SQL)
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
	var err error
	if s.tx != nil {
		err = s.endTx(ctx, commit)
	}
	if completion == ast.CompletionTypeChain {
		s.tx = newTxn(true, "")
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
func (s *Session) endTx(ctx context.Context, commit bool) error {
	tx := s.tx
	s.tx = nil
	if tx.aborted != "" && commit {
		commit = false
		defer s.srv.metrics.txAborted.Inc()
		s.rollbackBranches(ctx, tx)
		return mysql.NewError(mysql.ER_UNKNOWN_ERROR, fmt.Sprintf("transaction rolled back, nothing was committed: %s", tx.aborted))
	}
	if !commit {
		s.rollbackBranches(ctx, tx)
		return nil
	}
	// Until two-phase commit lands, a transaction over several shards
	// commits shard by shard: a failure on the first shard rolls back the
	// rest, a later failure leaves the earlier shards committed and says so.
	var committed, failed []string
	var firstErr error
	for _, shard := range tx.order {
		c := tx.branches[shard]
		if firstErr != nil && len(committed) == 0 {
			if _, err := c.Exec(ctx, "ROLLBACK"); err != nil {
				c.MarkBroken()
			}
			s.srv.pools[shard].Release(c)
			continue
		}
		if _, err := c.Exec(ctx, "COMMIT"); err != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", shard, err))
			if firstErr == nil {
				firstErr = err
			}
		} else {
			committed = append(committed, shard)
		}
		s.srv.pools[shard].Release(c)
	}
	switch {
	case firstErr == nil:
		kind := "local"
		if len(tx.order) > 1 {
			kind = "multi_shard"
		}
		s.srv.metrics.txCommitted.WithLabelValues(kind).Inc()
		return nil
	case len(committed) == 0:
		return firstErr
	default:
		return mysql.NewError(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf(
			"transaction partially committed: committed on %s, failed on %s (xaproxy does not yet use two-phase commit)",
			strings.Join(committed, ", "), strings.Join(failed, ", ")))
	}
}

func (s *Session) rollbackBranches(ctx context.Context, tx *txn) {
	for _, shard := range tx.order {
		c := tx.branches[shard]
		if !c.Broken() {
			if _, err := c.Exec(ctx, "ROLLBACK"); err != nil {
				c.MarkBroken()
			}
		}
		s.srv.pools[shard].Release(c)
	}
}

// afterBranchStatement keeps the transaction in step with the shard: a lost
// connection aborts it; a deadlock, or an implicit commit (DDL), ends the
// shard's transaction, as it would on a direct connection.
func (s *Session) afterBranchStatement(ctx context.Context, shard string, c *backend.Conn, st *router.Statement, o outcome) {
	tx := s.tx
	if tx == nil {
		return
	}
	ended := false
	switch {
	case o.lost != nil || c.Broken():
		tx.remove(shard)
		s.srv.pools[shard].Release(c)
		tx.aborted = fmt.Sprintf("the connection to shard %s was lost mid-transaction (%v); issue ROLLBACK", shard, o.lost)
		return
	case o.srvErr != nil:
		switch o.srvErr.Code {
		case mysql.ER_LOCK_DEADLOCK, mysql.ER_XA_RBDEADLOCK, mysql.ER_XA_RBTIMEOUT, mysql.ER_XA_RBROLLBACK:
			ended = true
		}
	case o.wroteOK:
		ended = o.status&mysql.SERVER_STATUS_IN_TRANS == 0
	}
	if !ended {
		return
	}
	tx.remove(shard)
	s.srv.pools[shard].Release(c)
	if tx.explicit && len(tx.branches) == 0 {
		s.tx = nil
	}
}

// checkTxUsable refuses statements in a transaction that can only roll back.
func (s *Session) checkTxUsable() error {
	if s.tx != nil && s.tx.aborted != "" {
		return mysql.NewError(mysql.ER_UNKNOWN_ERROR, "transaction must be rolled back: "+s.tx.aborted)
	}
	return nil
}
