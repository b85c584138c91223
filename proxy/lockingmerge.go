package proxy

import (
	"context"

	"github.com/xaproxy/xaproxy/router"
)

// runLockingMerge runs an autocommit locking read (FOR UPDATE, LOCK IN
// SHARE MODE) over several shards in a transaction of its own. One server
// holds the locks of the rows such a statement read until it ends, so no
// writer's commit falls between its rows; run as an autocommit statement
// on each shard, each part released its locks when it was done, and a
// transaction moving a value between shards was seen half done (a sum
// 5 short). In one transaction every part's locks are held until the last
// part is read (runMerge checks they still are). It ends then: rolled
// back when the statement can change nothing (nothing to commit, and no
// decision to write), committed as the autocommit statement is when it
// may (a function that writes). Under LOCK TABLES the table locks keep
// writers out already, and branches could not spread over the locked
// shards (locked.go): it runs as before.
func (s *Session) runLockingMerge(ctx context.Context, st *router.Statement, ex *router.Exec, binary bool) error {
	s.tx = s.newTxn(false)
	err := s.runMergeCounted(ctx, st, ex, binary)
	if s.tx != nil {
		// The client has its answer: a failed end cannot be reported to it.
		if endErr := s.endTx(ctx, err == nil && !st.PureRead); endErr != nil {
			s.srv.log.WarnContext(ctx, "ending an autocommit locking read's transaction", "err", endErr)
		}
	}
	return err
}
