package xa

import (
	"context"
	"time"
)

// CommitReaders commits a global transaction in which at most one branch
// changed anything (writer; nil when none did) and the others only read
// (readers): the writer in one phase, then the readers in one phase each.
// No decision is written, since only the writer's commit has an effect: a
// crash before it leaves nothing prepared, after it nothing to finish
// (MariaDB rolls back a reader's unprepared branch when its connection
// goes). The readers end after the writer, so that the row locks their
// reads took (FOR UPDATE, LOCK IN SHARE MODE) hold until its changes are
// in, as one server holds them to its commit.
//
// verify runs first (inside the commit's measured time): when it says no,
// nothing was done and done is false; the caller commits in two phases.
// The error is the writer's; a reader whose commit failed is returned in
// failed (its connection must not be reused), and the transaction is
// committed all the same.
func (c *Coordinator) CommitReaders(ctx context.Context, gtrid string, writer Branch, readers []Branch, verify func(context.Context) bool) (failed []Branch, done bool, err error) {
	start := time.Now()
	if !verify(ctx) {
		return nil, false, nil
	}
	kind := "read_only"
	if writer != nil {
		kind = "one_writer"
		x := branchXID(gtrid, writer).SQL()
		if err := writer.ExecAll(ctx, "XA END "+x, "XA COMMIT "+x+" ONE PHASE"); err != nil {
			c.metrics.aborted("commit_failed")
			_ = writer.ExecAll(ctx, "XA ROLLBACK "+x)
			c.rollbackAll(ctx, gtrid, readers)
			return nil, true, onePhaseError(err)
		}
	}
	errs := c.execEach(ctx, readers, func(b Branch) []string {
		x := branchXID(gtrid, b).SQL()
		return []string{"XA END " + x, "XA COMMIT " + x + " ONE PHASE"}
	})
	for i, err := range errs {
		if err != nil {
			c.logger.Warn("a branch that only read did not commit; its connection is closed, which ends it", "gtrid", gtrid, "shard", readers[i].Shard(), "err", err)
			failed = append(failed, readers[i])
		}
	}
	c.metrics.committed(kind, time.Since(start))
	return failed, true, nil
}
