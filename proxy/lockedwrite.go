package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// A write spanning shards while the session holds LOCK TABLES (the restore
// of a mariadb-dump: LOCK TABLES t WRITE, then extended INSERTs whose rows
// belong to several shards) cannot be an XA transaction: MariaDB refuses
// XA START on a connection holding table locks (1400 XAER_OUTSIDE). Each
// shard's part runs instead in a plain transaction on the locked
// connection (SET autocommit = 0 keeps the table locks, and so does
// COMMIT: checked on MariaDB 10.11). If any part fails, every part is
// rolled back: nothing of the statement is applied. When all succeeded
// the parts are committed one after another. The one window left: a
// COMMIT that fails (the shard or its connection lost) after another
// shard's COMMIT succeeded leaves the statement applied on those shards
// only. It is answered with 1180, logged at error level naming the
// shards, and counted in xaproxy_locked_write_commits_total{result=
// "partial"}. Other sessions see nothing in between: the tables are
// locked for write.

// holdsTableLocks: LOCK TABLES holds locks on one of the session's pins.
func (s *Session) holdsTableLocks() bool {
	for _, p := range s.pins {
		if p.locked {
			return true
		}
	}
	return false
}

// endLocalBranches ends the plain branches of a transaction under LOCK
// TABLES and puts their connections back in autocommit mode.
func (s *Session) endLocalBranches(ctx context.Context, tx *txn, commit bool, err error) error {
	shards := append([]string(nil), tx.order...)
	var committed, failed []string
	var firstErr error
	for _, shard := range shards {
		c := tx.branches[shard]
		tx.remove(shard)
		end := plainRollback
		if commit && firstErr == nil || commit && len(committed) > 0 {
			// Once a part is committed, the others are committed too:
			// the fewer shards miss the statement the better.
			end = plainCommit
		}
		if e := c.ExecAll(ctx, end, "SET autocommit = 1"); e != nil {
			c.MarkBroken() // autocommit unknown: never reuse it
			if firstErr == nil {
				firstErr = shardErr(shard, e)
			}
			if end == plainCommit {
				failed = append(failed, shard)
			}
		} else if end == plainCommit {
			committed = append(committed, shard)
		}
		s.releaseUnlessPinned(c)
	}
	if len(shards) > 1 {
		s.noteLockedCommit(commit, committed, failed, firstErr)
	}
	if err != nil {
		return err
	}
	if len(committed) > 0 && len(failed) > 0 {
		return mysql.NewError(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf(
			"the statement under LOCK TABLES was committed on shard(s) %s but its COMMIT failed on %s (%v): "+
				"MariaDB refuses XA under LOCK TABLES, so its parts commit one after another; check the rows of those shards",
			strings.Join(committed, ", "), strings.Join(failed, ", "), firstErr))
	}
	return firstErr
}

// noteLockedCommit logs and counts how a write spanning shards under LOCK
// TABLES ended.
func (s *Session) noteLockedCommit(commit bool, committed, failed []string, err error) {
	switch {
	case len(committed) > 0 && len(failed) > 0:
		s.srv.metrics.lockedCommits.WithLabelValues("partial").Inc()
		s.srv.log.Error("a write spanning shards under LOCK TABLES is committed on some shards only",
			"conn", s.id, "committed", committed, "failed", failed, "err", err)
	case commit && len(failed) == 0:
		s.srv.metrics.lockedCommits.WithLabelValues("ok").Inc()
	default:
		s.srv.metrics.lockedCommits.WithLabelValues("rolled_back").Inc()
	}
}
