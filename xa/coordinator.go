package xa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	perrors "github.com/pingcap/errors"
)

// Branch is one shard's part of a global transaction, as the coordinator
// drives it: a connection in the XA state ACTIVE after XA START.
type Branch interface {
	Shard() string
	// ThreadID is the backend connection id: part of the branch's xid
	// (BranchXID), so that recovery can free a branch stuck on it.
	ThreadID() uint32
	// ExecAll sends the statements in one round trip and returns the first
	// server error (every answer is read).
	ExecAll(ctx context.Context, stmts ...string) error
}

// Step names a point in the commit protocol where a test can stop the
// process (fault injection).
type Step string

// Steps of the two-phase commit, in order.
const (
	StepAfterPrepare     Step = "after-prepare"      // every branch prepared, no decision yet
	StepAfterDecision    Step = "after-decision"     // COMMIT stored, no branch committed
	StepAfterFirstCommit Step = "after-first-commit" // one branch committed, the others prepared
)

// Coordinator commits and rolls back global transactions: one branch with
// XA COMMIT ONE PHASE, several with XA PREPARE, a create-if-absent COMMIT
// decision in the Log, then XA COMMIT (docs/xa-protocol.md).
type Coordinator struct {
	log          Log
	instance     string
	registration string // this run's registration in the log (Incarnation)
	logger       *slog.Logger
	metrics      *Metrics
	// Fault, when set, is called at each Step (tests only).
	Fault func(Step)
	// PhaseTwoAttempts bounds the XA COMMIT retries of one branch before
	// it is left to recovery.
	PhaseTwoAttempts int
	// phaseTwoPause is the pause before a branch's first retry; the n-th
	// retry waits n times as long (tests lengthen it).
	phaseTwoPause time.Duration
	// Fresh gives the connections phase-two retries run on (nil: the
	// branch's own, as tests with fake branches have it). A branch whose
	// connection failed cannot be told anything more on it: its stream is
	// lost (backend.Conn refuses to write). Its connection is closed, so
	// that the server detaches the prepared branch, and XA COMMIT names it
	// from another connection, as recovery does.
	Fresh Shards

	gc        sync.WaitGroup
	gcMu      sync.Mutex
	gcPending []string // committed gtrids whose decisions are deleted soon
	gcArmed   bool     // a deletion pass is scheduled
	inflight  sync.Map // gtrid -> struct{}: two-phase commits under way
	abandoned sync.Map // gtrid -> struct{}: commits that ended with an unknown outcome
}

// Abandoned tells whether this coordinator gave up on gtrid with an unknown
// outcome: it will never decide it, so recovery on this run may abort it
// (create-if-absent: a COMMIT that did land wins) without waiting.
func (c *Coordinator) Abandoned(gtrid string) bool {
	_, ok := c.abandoned.Load(gtrid)
	return ok
}

// Resolved forgets an abandoned gtrid once recovery finished it.
func (c *Coordinator) Resolved(gtrid string) { c.abandoned.Delete(gtrid) }

// Busy tells whether this coordinator is committing gtrid right now.
func (c *Coordinator) Busy(gtrid string) bool {
	_, ok := c.inflight.Load(gtrid)
	return ok
}

// NewCoordinator returns a coordinator writing decisions to log for this
// run of instance, registered as registration.
func NewCoordinator(log Log, instance, registration string, logger *slog.Logger, metrics *Metrics) *Coordinator {
	return &Coordinator{log: log, instance: instance, registration: registration, logger: logger, metrics: metrics, PhaseTwoAttempts: 3, phaseTwoPause: 20 * time.Millisecond}
}

// Fence is the token a transaction starting now commits under: if this
// run's registration is lost before the decision (a pause longer than the
// lease, a partition from etcd), others may have presumed it dead, and the
// decision is refused.
func (c *Coordinator) Fence() Fence {
	f, _ := c.log.Fence(c.registration)
	return f
}

// Wait waits for background decision deletions (at shutdown).
func (c *Coordinator) Wait() { c.gc.Wait() }

// Errors the client sees.
var (
	// ErrAbortedByRecovery: recovery aborted the transaction first.
	errAbortedByRecovery = "transaction rolled back: recovery on another xaproxy instance aborted it while it was being committed (the coordinator was too slow); retry it"
)

func myErr(code uint16, msg string) *mysql.MyError { return mysql.NewError(code, msg) }

// Commit commits a global transaction whose branches are all ACTIVE.
// On error every branch is rolled back, unless the error says the outcome
// is unknown (then recovery finishes the branches).
func (c *Coordinator) Commit(ctx context.Context, gtrid string, fence Fence, branches []Branch) error {
	if len(branches) == 1 {
		return c.commitOnePhase(ctx, gtrid, branches[0])
	}
	c.inflight.Store(gtrid, struct{}{})
	defer c.inflight.Delete(gtrid)
	if r, ok := c.log.(interface{ Reachable(context.Context) bool }); ok && !r.Reachable(ctx) {
		c.metrics.aborted("decision_log_down")
		c.rollbackAll(ctx, gtrid, branches)
		return myErr(mysql.ER_ERROR_DURING_COMMIT, "transaction rolled back, nothing was committed: the decision log (etcd) is unreachable, so transactions spanning shards cannot commit now; single-shard transactions still work")
	}
	if fence.Registration == "" {
		c.metrics.aborted("not_registered")
		c.rollbackAll(ctx, gtrid, branches)
		return myErr(mysql.ER_ERROR_DURING_COMMIT, "transaction rolled back, nothing was committed: this proxy was not registered in the decision log (etcd) when the transaction began, so it cannot commit across shards; single-shard transactions still work")
	}
	start := time.Now()
	// Phase one: XA END + XA PREPARE in one round trip per branch, all
	// branches in parallel.
	errs := c.execEach(ctx, branches, func(b Branch) []string {
		x := branchXID(gtrid, b).SQL()
		return []string{"XA END " + x, "XA PREPARE " + x}
	})
	if err := firstErr(errs); err != nil {
		c.metrics.aborted("prepare_failed")
		c.rollbackAll(ctx, gtrid, branches)
		return prepareError(err)
	}
	c.metrics.phase("prepare", start)
	c.fault(StepAfterPrepare)
	// The commit point.
	participants := make([]string, len(branches))
	for i, b := range branches {
		participants[i] = b.Shard()
	}
	dstart := time.Now()
	stored, err := c.log.Decide(ctx, Decision{Gtrid: gtrid, Outcome: Commit, Participants: participants, Instance: c.instance, Fence: fence})
	c.metrics.decisionLatency.Observe(time.Since(dstart).Seconds())
	c.metrics.phase("decision", dstart)
	switch {
	case errors.Is(err, ErrUnknown):
		// The COMMIT may be stored: rolling back could break atomicity.
		c.abandoned.Store(gtrid, struct{}{})
		c.metrics.aborted("decision_unknown")
		c.logger.Warn("decision write outcome unknown; branches left prepared for recovery", "gtrid", gtrid, "err", err)
		return myErr(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf(
			"commit outcome unknown: the decision log (etcd) did not answer (%v); the transaction is prepared on every shard and recovery will commit or roll it back; do not assume either", err))
	case errors.Is(err, ErrFenced):
		c.metrics.aborted("fenced")
		c.rollbackAll(ctx, gtrid, branches)
		return myErr(mysql.ER_XA_RBROLLBACK, "transaction rolled back: this proxy lost its registration in etcd while committing (paused or cut off longer than its lease), so others may have presumed it dead; retry it")
	case err != nil:
		c.metrics.aborted("decision_failed")
		c.rollbackAll(ctx, gtrid, branches)
		return myErr(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf(
			"transaction rolled back, nothing was committed: the decision log (etcd) is unavailable (%v); single-shard transactions still work", err))
	case stored.Outcome != Commit:
		c.metrics.aborted("aborted_by_recovery")
		c.rollbackAll(ctx, gtrid, branches)
		c.forget(gtrid)
		return myErr(mysql.ER_XA_RBROLLBACK, errAbortedByRecovery)
	}
	c.fault(StepAfterDecision)
	// Phase two: the decision is durable, so the client gets OK whatever
	// happens to a branch now; a branch that cannot be committed is left
	// to recovery.
	first := branches
	rest := []Branch(nil)
	if c.Fault != nil {
		// Commit one branch alone so that a test can stop in between.
		first, rest = branches[:1], branches[1:]
	}
	cstart := time.Now()
	done := c.commitPrepared(ctx, gtrid, first)
	if rest != nil {
		c.fault(StepAfterFirstCommit)
		done = c.commitPrepared(ctx, gtrid, rest) && done
	}
	c.metrics.phase("commit", cstart)
	c.metrics.committed("two_phase", time.Since(start))
	if done {
		c.forget(gtrid)
	}
	return nil
}

// commitOnePhase ends a single-branch transaction: no decision record.
func (c *Coordinator) commitOnePhase(ctx context.Context, gtrid string, b Branch) error {
	start := time.Now()
	x := branchXID(gtrid, b).SQL()
	if err := b.ExecAll(ctx, "XA END "+x, "XA COMMIT "+x+" ONE PHASE"); err != nil {
		c.metrics.aborted("commit_failed")
		// A branch that failed to commit in one phase is rolled back by
		// the server (or still active): make sure it is gone.
		_ = b.ExecAll(ctx, "XA ROLLBACK "+x)
		return onePhaseError(err)
	}
	c.metrics.committed("one_phase", time.Since(start))
	return nil
}

// commitPrepared sends XA COMMIT to prepared branches, retrying; it
// reports whether every branch is known committed.
func (c *Coordinator) commitPrepared(ctx context.Context, gtrid string, branches []Branch) bool {
	commit := func(b Branch) []string { return []string{"XA COMMIT " + branchXID(gtrid, b).SQL()} }
	errs := c.execEach(ctx, branches, commit)
	// Retry the branches whose connection failed; a server's refusal (the
	// branch is ours and prepared, so unexpected) is left to recovery.
	var again []Branch
	var at []int
	for i, err := range errs {
		if err != nil && !isServer(err) && ctx.Err() == nil && c.PhaseTwoAttempts > 1 {
			again, at = append(again, branches[i]), append(at, i)
		}
	}
	retried := c.parallel(ctx, again, func(ctx context.Context, b Branch) error {
		if cl, ok := b.(interface{ Close() }); ok && c.Fresh != nil {
			cl.Close()
		}
		var err error
		for attempt := 1; attempt < c.PhaseTwoAttempts; attempt++ {
			select {
			case <-time.After(time.Duration(attempt) * c.phaseTwoPause):
			case <-ctx.Done():
				return ctx.Err() // not committed as far as it knows: the decision stays
			}
			if err = c.retryOn(ctx, b, commit(b)); err == nil || isServer(err) || ctx.Err() != nil {
				break
			}
		}
		return err
	})
	// Only a retry's own outcome replaces the first attempt's error: a
	// branch reported committed when it is not would let forget delete a
	// decision recovery still needs.
	for j, i := range at {
		errs[i] = retried[j]
	}
	ok := true
	for i, err := range errs {
		if err != nil {
			ok = false
			c.logger.Warn("branch not committed; recovery will finish it", "gtrid", gtrid, "shard", branches[i].Shard(), "err", err)
		}
	}
	return ok
}

// retryOn runs a phase-two retry of branch b: on a fresh connection to
// its shard when the coordinator has them (Fresh), else on b's own. A
// server error there (XAER_NOTA while the server has not yet detached the
// branch from the closed connection, or because the lost attempt did
// commit) ends the retries: recovery finishes the branch by the decision.
func (c *Coordinator) retryOn(ctx context.Context, b Branch, stmts []string) error {
	if c.Fresh == nil {
		return b.ExecAll(ctx, stmts...)
	}
	conn, release, err := c.Fresh.Conn(ctx, b.Shard())
	if err != nil {
		return err
	}
	defer release()
	return conn.ExecAll(ctx, stmts...)
}

// Rollback rolls back every branch of a transaction (ACTIVE, IDLE or
// rollback-only).
func (c *Coordinator) Rollback(ctx context.Context, gtrid string, branches []Branch) {
	c.rollbackAll(ctx, gtrid, branches)
}

func (c *Coordinator) rollbackAll(ctx context.Context, gtrid string, branches []Branch) {
	errs := c.parallel(ctx, branches, func(ctx context.Context, b Branch) error {
		x := branchXID(gtrid, b).SQL()
		// XA END fails harmlessly when the branch is already IDLE or
		// PREPARED; XA ROLLBACK is what counts.
		err := b.ExecAll(ctx, "XA END "+x, "XA ROLLBACK "+x)
		if me, ok := serverErr(err); ok && isEndStateError(me.Code) {
			err = b.ExecAll(ctx, "XA ROLLBACK "+x)
		}
		if me, ok := serverErr(err); ok && me.Code == mysql.ER_XAER_NOTA {
			return nil // the server already rolled it back
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			c.logger.Warn("branch rollback failed; recovery will finish it", "gtrid", gtrid, "shard", branches[i].Shard(), "err", err)
		}
	}
}

// gcDelay gathers the decision deletes of concurrent commits into one
// etcd transaction; deleting later costs nothing but the record's life.
const gcDelay = 10 * time.Millisecond

// forget deletes a decision off the client's critical path, with those of
// other commits finishing within gcDelay; a crash before it leaves a
// record that recovery deletes.
func (c *Coordinator) forget(gtrid string) {
	c.gcMu.Lock()
	defer c.gcMu.Unlock()
	c.gcPending = append(c.gcPending, gtrid)
	if c.gcArmed {
		return
	}
	c.gcArmed = true
	c.gc.Add(1)
	time.AfterFunc(gcDelay, func() {
		defer c.gc.Done()
		c.gcMu.Lock()
		batch := c.gcPending
		c.gcPending, c.gcArmed = nil, false
		c.gcMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := deleteAll(ctx, c.log, batch); err != nil {
			c.logger.Debug("decisions not deleted; recovery will", "count", len(batch), "err", err)
		}
	})
}

// deleteAll deletes decisions, in one request where the log can.
func deleteAll(ctx context.Context, log Log, gtrids []string) error {
	if l, ok := log.(interface {
		DeleteAll(context.Context, []string) error
	}); ok {
		return l.DeleteAll(ctx, gtrids)
	}
	var errs []error
	for _, g := range gtrids {
		if err := log.Delete(ctx, g); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Coordinator) fault(s Step) {
	if c.Fault != nil {
		c.Fault(s)
	}
}

// pipelined is a Branch whose statements can be sent and their answers
// read apart (backend.Conn).
type pipelined interface {
	SendAll(ctx context.Context, stmts ...string) error
	ReadAll(ctx context.Context) error
	Abort() // ends its blocking I/O now
}

// execEach runs stmts(b) on every branch at once and returns each
// branch's error. Pipelined branches get their statements from this
// goroutine, all sent before any answer is read, so the round trips
// overlap without a goroutine per branch: a 2-shard commit woke three
// goroutines per phase before. Others run through parallel.
func (c *Coordinator) execEach(ctx context.Context, branches []Branch, stmts func(Branch) []string) []error {
	ps := make([]pipelined, len(branches))
	for i, b := range branches {
		p, ok := b.(pipelined)
		if !ok {
			return c.parallel(ctx, branches, func(ctx context.Context, b Branch) error { return b.ExecAll(ctx, stmts(b)...) })
		}
		ps[i] = p
	}
	if ctx.Done() != nil {
		// One watch for the phase instead of one per branch per call
		// (1.7 % of a 32-client transfer's CPU went to arming them).
		aborted := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			for _, p := range ps {
				p.Abort()
			}
			close(aborted)
		})
		defer func() {
			if !stop() {
				// ctx ended as the phase did: the branches are being
				// aborted; let that finish before anyone reuses them.
				<-aborted
			}
		}()
		ctx = context.WithoutCancel(ctx)
	}
	errs := make([]error, len(branches))
	for i, p := range ps {
		errs[i] = p.SendAll(ctx, stmts(branches[i])...)
	}
	for i, p := range ps {
		if errs[i] == nil {
			errs[i] = p.ReadAll(ctx)
		}
	}
	return errs
}

// parallel runs f on every branch at once, the first one in the calling
// goroutine (one goroutine hand-off fewer per phase).
func (c *Coordinator) parallel(ctx context.Context, branches []Branch, f func(context.Context, Branch) error) []error {
	errs := make([]error, len(branches))
	if len(branches) == 0 {
		return errs
	}
	var wg sync.WaitGroup
	for i, b := range branches[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i+1] = f(ctx, b)
		}()
	}
	errs[0] = f(ctx, branches[0])
	wg.Wait()
	return errs
}

func firstErr(errs []error) error {
	// A server's own error (its code tells the client what happened) wins
	// over a lost connection.
	for _, err := range errs {
		if isServer(err) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// prepareError is what the client sees when phase one fails: the shard's
// own error (1213, 1614, ...) so that retry logic works, else 1105.
// onePhaseError is the client's error when XA COMMIT ... ONE PHASE (or the
// XA END before it) failed. A server's refusal rolled the branch back; a
// lost connection may have come after the server committed, so the
// outcome is unknown, and the client must not be told nothing committed.
func onePhaseError(err error) error {
	if _, ok := serverErr(err); ok {
		return prepareError(err)
	}
	return myErr(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf("commit outcome unknown: the connection to the shard failed during XA COMMIT ONE PHASE (%v); the transaction was committed there or rolled back, do not assume either", err))
}

func prepareError(err error) error {
	if me, ok := serverErr(err); ok {
		switch me.Code {
		case mysql.ER_XA_RBDEADLOCK:
			return myErr(mysql.ER_LOCK_DEADLOCK, "Deadlock found when trying to get lock; try restarting transaction (a shard rolled its branch back)")
		case mysql.ER_XA_RBTIMEOUT:
			return myErr(mysql.ER_LOCK_WAIT_TIMEOUT, "Lock wait timeout exceeded; try restarting transaction (a shard rolled its branch back)")
		}
		return me
	}
	return myErr(mysql.ER_ERROR_DURING_COMMIT, fmt.Sprintf("transaction rolled back, nothing was committed: %v", err))
}

func serverErr(err error) (*mysql.MyError, bool) {
	if err == nil {
		return nil, false
	}
	var me *mysql.MyError
	if errors.As(err, &me) {
		return me, true
	}
	if me, ok := perrors.Cause(err).(*mysql.MyError); ok {
		return me, true
	}
	return nil, false
}

func isServer(err error) bool { _, ok := serverErr(err); return ok }

// isEndStateError: XA END refused because the branch is not ACTIVE.
func isEndStateError(code uint16) bool {
	return code == mysql.ER_XAER_RMFAIL || code == mysql.ER_XA_RBDEADLOCK ||
		code == mysql.ER_XA_RBTIMEOUT || code == mysql.ER_XA_RBROLLBACK
}

// branchXID is the xid of b's branch of gtrid, as the session's XA START
// named it.
func branchXID(gtrid string, b Branch) XID { return BranchXID(gtrid, b.Shard(), b.ThreadID()) }
