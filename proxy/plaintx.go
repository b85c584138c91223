package proxy

import (
	"context"
	"fmt"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/xa"
)

// With one shard configured no transaction can reach a second shard, so
// none needs XA: each runs as a plain MariaDB transaction (START
// TRANSACTION ... COMMIT) on its one connection. That is MariaDB's own
// transaction, with its own answers (a lock wait timeout rolls back only
// the statement), and it saves the shard the XA bookkeeping: about 35 µs
// per transaction on MariaDB 10.11 (docs/performance.md). The proxy's own
// handling is unchanged: it still keeps savepoints, READ ONLY, isolation
// and the transaction's characteristics.

// The proxy's own COMMIT and ROLLBACK of a plain transaction say NO CHAIN
// NO RELEASE: the connection carries the session's variables, and with a
// completion_type of CHAIN a bare COMMIT would leave a transaction open on
// a pooled connection (RELEASE would close it).
const (
	plainCommit   = "COMMIT AND NO CHAIN NO RELEASE"
	plainRollback = "ROLLBACK AND NO CHAIN NO RELEASE"
)

// branchStart is the statement that opens the transaction on shard's
// connection c, sent with the first statement that runs there.
func (s *Session) branchStart(shard string, c *backend.Conn) string {
	if s.srv.plainTx {
		return "START TRANSACTION"
	}
	if s.tx.gtrid == "" {
		s.tx.gtrid = s.srv.gen.Next()
		s.tx.fence = s.srv.coord.Fence()
	}
	return "XA START " + xa.BranchXID(s.tx.gtrid, shard, c.ThreadID()).SQL()
}

// endPlainBranch commits or rolls back the plain transaction of a
// one-shard deployment; err is why it can only roll back.
func (s *Session) endPlainBranch(ctx context.Context, tx *txn, commit bool, err error) error {
	shard := tx.order[0]
	c := tx.branches[shard]
	tx.remove(shard)
	defer s.releaseUnlessPinned(c)
	start := time.Now()
	if !commit || err != nil {
		if e := s.execEnd(ctx, c, plainRollback); e != nil {
			c.MarkBroken() // closing the connection rolls it back
		}
		return err
	}
	e := s.execEnd(ctx, c, plainCommit)
	if e == nil {
		s.srv.xaMetrics.Committed("plain", time.Since(start))
		return nil
	}
	if me, ok := backend.ServerError(e); ok {
		// The server refused the COMMIT: whatever is left of the
		// transaction is rolled back, or else the connection, still in
		// it, must never serve another session.
		if e := c.ExecAll(ctx, plainRollback); e != nil {
			c.MarkBroken()
		}
		return me
	}
	c.MarkBroken()
	return mysql.NewError(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf(
		"the connection to shard %s was lost while committing (%v): the transaction may or may not be committed; check its rows", shard, e))
}

// execEnd runs the COMMIT or ROLLBACK that ends a plain branch. When the
// branch holds the session's newest LAST_INSERT_ID(), which it would read
// back as it leaves the session (lastinsert.go), the value is read in the
// same round trip.
func (s *Session) execEnd(ctx context.Context, c *backend.Conn, stmt string) error {
	if s.lastIDOn != c {
		return c.ExecAll(ctx, stmt)
	}
	s.lastIDOn = nil
	if c.Broken() {
		// Its value is lost with it, as settleLastID has it.
		return c.ExecAll(ctx, stmt)
	}
	v, ok, err := c.ExecAllReadingLastID(ctx, stmt)
	if ok {
		s.takeLastID(v, s.lastIDPrior)
	}
	return err
}

// beginSnapshot opens the transaction of START TRANSACTION WITH
// CONSISTENT SNAPSHOT at once, as MariaDB does: rows other sessions
// commit after it are not seen. Over several shards a branch's snapshot
// still starts when the branch opens (docs/session-state.md).
func (s *Session) beginSnapshot(ctx context.Context) error {
	var shard string
	for name := range s.srv.pools {
		shard = name // the one shard
	}
	c, _, err := s.connFor(ctx, shard)
	if err != nil {
		return err
	}
	c.StartWith("") // replaced by the statement itself, sent now
	if err := c.ExecAll(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT"); err != nil {
		s.tx.remove(shard)
		if _, ok := backend.ServerError(err); !ok {
			c.MarkBroken()
		}
		s.releaseUnlessPinned(c)
		return shardErr(shard, err)
	}
	return nil
}
