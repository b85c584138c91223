package proxy

import (
	"context"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// probeDDLLocks runs a DDL's lock probe (router.Exec.LockProbe: LOCK
// TABLES of its tables) on each of its shards in turn, giving each lock
// back before the next, so that it never holds one shard's lock while
// waiting on another's. A lock wait timeout there is the DDL's answer
// before it ran anywhere: on one server a DDL waiting past
// lock_wait_timeout for a transaction using its table changes nothing,
// where over shards it would have applied on the shards before. Any other
// failure (a table one shard lacks, no LOCK TABLES privilege) leaves the
// answer to the DDL itself. Skipped where the session keeps a connection
// on a shard (LOCK TABLES would end its table locks; a temporary table
// there shadows the one the probe would lock).
func (s *Session) probeDDLLocks(ctx context.Context, ex *router.Exec) error {
	for _, part := range ex.Parts {
		if s.pinned(part.Shard) != nil {
			return nil
		}
	}
	for _, part := range ex.Parts {
		if err := s.probeDDLLocksOn(ctx, part.Shard, ex.LockProbe); err != nil {
			return err
		}
	}
	return nil
}

func (s *Session) probeDDLLocksOn(ctx context.Context, shard, probe string) error {
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return nil // the DDL will say
	}
	defer s.srv.pools[shard].Release(c)
	s.track(c)
	_, err = c.Exec(ctx, probe)
	s.untrack(c)
	if _, uerr := c.Exec(ctx, "UNLOCK TABLES"); uerr != nil {
		c.MarkBroken() // it must not go back to the pool holding locks
	}
	me, ok := backend.ServerError(err)
	switch {
	case ok && (me.Code == mysql.ER_LOCK_WAIT_TIMEOUT || me.Code == mysql.ER_QUERY_INTERRUPTED):
		return me // timed out, or KILL QUERY: the DDL is not run
	case err != nil && !ok:
		c.MarkBroken()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}
