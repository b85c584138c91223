package proxy

import (
	"context"
	"fmt"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// A statement over several shards inside a transaction fails as a whole,
// as one statement does on MariaDB: the server undoes a failed statement
// and the transaction goes on. A shard undoes only its own part, so before
// every part but the last the proxy sets a savepoint on the part's branch,
// and when a later part fails with an error that ends only the statement
// (statementOnly), the earlier parts are rolled back to their savepoints.
// Only if that fails is the whole transaction rolled back
// (abortMultiShard). The price is a round trip per shard but the last, for
// multi-shard writes in explicit transactions only: an autocommit
// statement's implicit transaction is simply rolled back.
const (
	// partSavepointName is refused to clients (savepointStmt): theirs
	// would be moved by the next multi-shard write.
	partSavepointName = "__xaproxy_stmt"
	partSavepoint     = "SAVEPOINT `" + partSavepointName + "`"
	partRollback      = "ROLLBACK TO SAVEPOINT `" + partSavepointName + "`"
)

// markPart sets the savepoint on c before part i of n runs there, when a
// later part's failure may have to undo it.
func markPart(ctx context.Context, c *backend.Conn, implicit bool, i, n int) error {
	if implicit || i == n-1 {
		return nil
	}
	// Exec, not ExecAll: a branch the part opens starts first (its XA START
	// is still queued), so that the savepoint is inside it.
	_, err := c.Exec(ctx, partSavepoint)
	return err
}

// undoParts rolls back the parts of a statement that ran before the one
// that failed.
func (s *Session) undoParts(ctx context.Context, parts []router.Part) error {
	for _, p := range parts {
		var c *backend.Conn
		if s.tx != nil {
			c = s.tx.branches[p.Shard]
		}
		if c == nil {
			return fmt.Errorf("shard %s: no branch to undo the statement on", p.Shard)
		}
		if err := c.ExecAll(ctx, partRollback); err != nil {
			return err
		}
	}
	return nil
}

// errReservedSavepoint refuses a client's savepoint of the name the proxy
// sets itself (partSavepointName).
func errReservedSavepoint(name string) error {
	return errNotSupported("SAVEPOINT %s: xaproxy reserves this name (it sets it to undo a failed statement over several shards); use another name", name)
}

// branchLost: the transaction's branch on shard lost its connection (a
// part failing to reach it reports the proxy's own error, 1105, which is no
// statement error: the branch is gone, and with it the transaction).
func (s *Session) branchLost(shard string) bool {
	if s.tx == nil {
		return false
	}
	c := s.tx.branches[shard]
	return c != nil && c.Broken()
}
