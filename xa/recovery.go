package xa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// ShardConn is a connection recovery uses on one shard.
type ShardConn interface {
	// Recover lists the prepared branches (XA RECOVER) of xaproxy's
	// FormatID, of every deployment.
	Recover(ctx context.Context) ([]XID, error)
	ExecAll(ctx context.Context, stmts ...string) error
	// Kill ends the backend connection thread (KILL CONNECTION) if it is
	// a connection of the proxy's own shard account; a thread that is gone
	// already is no error.
	Kill(ctx context.Context, thread uint32) error
	// Attached returns the connection threads that hold a storage-engine
	// transaction, as read after the call began: a prepared branch whose
	// owner thread is not among them is detached from its connection (or
	// finished). An error means it cannot tell (e.g. no PROCESS privilege).
	Attached(ctx context.Context) (map[uint32]bool, error)
}

// Shards gives recovery a connection per shard.
type Shards interface {
	Names() []string
	// Conn returns a connection to shard and the function that gives it back.
	Conn(ctx context.Context, shard string) (ShardConn, func(), error)
}

// Incarnation names one run of an instance: its registration in the Log.
// A restarted instance is another incarnation, so branches of the previous
// run are orphans even though the instance name is registered again.
func Incarnation(instance string, epoch int64) string {
	return instance + "." + strconv.FormatInt(epoch, 36)
}

// Recoverer finishes in-doubt branches: on any instance, at start-up and
// periodically (docs/xa-protocol.md, rule 6). It touches only the branches of its
// own deployment (the tag in their gtrid): other deployments' branches on
// the same shards are listed as foreign and left alone, and branches of the
// untagged legacy format only when this deployment's log holds their
// decision.
type Recoverer struct {
	log          Log
	shards       Shards
	deployment   string // this deployment's tag (DeploymentTag)
	instance     string
	abandonAfter time.Duration
	logger       *slog.Logger
	metrics      *Metrics
	now          func() time.Time
	// killRetry is how long to wait for a killed owner connection to let
	// go of its branch, per attempt (killAttempts of them).
	killRetry time.Duration

	// self is this run's registration; busy tells which of its gtrids its
	// coordinator is committing, abandoned which ones it gave up on with an
	// unknown outcome.
	self      string
	busy      func(gtrid string) bool
	abandoned func(gtrid string) bool
	resolved  func(gtrid string)

	// attachedWarned: the shards on which Attached failed were reported;
	// bootWarned: likewise Boot (restart.go).
	attachedWarned, bootWarned sync.Once

	mu        sync.Mutex
	firstSeen map[string]time.Time // gtrid -> when a scan first saw it prepared
	firstBoot map[string]int64     // branch -> its shard's boot when first listed (restart.go)
	last      Report
}

// SetLocal tells recovery which coordinator runs in this process: this
// run's undecided branches that its coordinator abandoned (outcome unknown)
// are aborted at once instead of after abandon_after, and this run's ABORT
// records are deleted once no branch is left and its coordinator is not
// committing that gtrid.
func (r *Recoverer) SetLocal(registration string, busy, abandoned func(gtrid string) bool, resolved func(gtrid string)) {
	r.self, r.busy, r.abandoned, r.resolved = registration, busy, abandoned, resolved
}

func (r *Recoverer) own(gtrid string) bool { return r.busy != nil && ownerIncarnation(gtrid) == r.self }

// abandonedHere: this run's coordinator gave up on gtrid.
func (r *Recoverer) abandonedHere(gtrid string) bool { return r.own(gtrid) && r.abandoned(gtrid) }

// idleHere: gtrid is this run's and its coordinator is not committing it,
// so it will never look its decision up again.
func (r *Recoverer) idleHere(gtrid string) bool { return r.own(gtrid) && !r.busy(gtrid) }

// NewRecoverer returns the recoverer of the deployment tagged deployment
// (DeploymentTag). abandonAfter is how long a prepared branch without a
// decision may wait for its live coordinator before recovery aborts it, and
// how long any branch of this deployment may stay attached to its owner's
// connection before recovery kills that connection.
func NewRecoverer(log Log, shards Shards, deployment, instance string, abandonAfter time.Duration, logger *slog.Logger, metrics *Metrics) *Recoverer {
	return &Recoverer{log: log, shards: shards, deployment: deployment, instance: instance, abandonAfter: abandonAfter,
		logger: logger, metrics: metrics, now: time.Now, killRetry: 100 * time.Millisecond, firstSeen: map[string]time.Time{}, firstBoot: map[string]int64{}}
}

// Scope says whose a prepared branch is, as far as recovery is concerned.
type Scope string

const (
	// ScopeOwn: this deployment's branch; recovery finishes it.
	ScopeOwn Scope = "own"
	// ScopeForeign: another deployment's branch (another tag): listed,
	// never touched.
	ScopeForeign Scope = "foreign"
	// ScopeLegacy: a branch without a deployment tag (made before tags
	// existed): finished only by a decision stored in this deployment's
	// log, else left alone, since it may be another deployment's.
	ScopeLegacy Scope = "legacy"
	// ScopeUnknownOwner: this deployment's tag, no decision, and an owner
	// run this log never registered: another deployment with the same
	// identity (same name on a separate etcd cluster) or a log that lost
	// its data. Presuming abort could undo a commit stored elsewhere, so it
	// is left alone and reported.
	ScopeUnknownOwner Scope = "unknown_owner"
)

// scope classifies gtrid for this deployment.
func (r *Recoverer) scope(gtrid string) Scope {
	p, ok := ParseGtrid(gtrid)
	switch {
	case ok && p.Deployment == r.deployment:
		return ScopeOwn
	case ok && p.Deployment != "":
		return ScopeForeign
	}
	return ScopeLegacy
}

// InDoubt is a prepared branch found by a scan.
type InDoubt struct {
	XID      XID
	Shard    string
	Scope    Scope
	Decision Outcome // "" when none is stored (always "" for foreign branches)
	Owner    string  // incarnation of the coordinator that started it ("" if unknown)
	Age      time.Duration
}

// Action is what recovery did to one branch or decision.
type Action struct {
	At    time.Time
	Gtrid string
	Shard string // "" for decision records
	// What: commit, rollback, abort_decided, decision_deleted, owner_busy,
	// owner_killed, owner_finished (the owner finished the branch since the
	// scan listed it), wait, or left_alone (a foreign or undecided legacy
	// branch, reported once per gtrid).
	What string
	Err  string
}

// Report is the result of one pass.
type Report struct {
	At      time.Time
	InDoubt []InDoubt
	Actions []Action
	Errors  []string
}

// Last returns the report of the latest pass.
func (r *Recoverer) Last() Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// branch is a listed branch: its xid and the shard that listed it.
type branch struct {
	shard string
	xid   XID
}

// pass is the state of one RunOnce.
type pass struct {
	rep     Report
	byGtrid map[string]Decision
	listed  map[string][]branch // gtrid -> its prepared branches
	read    map[string]bool     // shards scanned without error
	boot    map[string]int64    // shard -> its boot, where scanned and told (restart.go)
	alive   map[string]bool     // owner incarnation -> registered (cache)
	runs    map[string]bool     // Log.Runs, read once a pass needs it
	isNew   map[string]bool     // gtrids this recoverer had not seen prepared before
	// attached: per shard, the threads holding a transaction, read once a
	// pass after the scan (nil map and an error when unknown).
	attached    map[string]map[uint32]bool
	attachedErr map[string]error
}

// RunOnce scans every shard and finishes what it can. Decisions are listed
// before the shards are scanned: a decision whose gtrid no shard lists in
// the later scan has no branch left and can be deleted.
func (r *Recoverer) RunOnce(ctx context.Context) (Report, error) {
	p := &pass{rep: Report{At: r.now()}, byGtrid: map[string]Decision{}, listed: map[string][]branch{}, alive: map[string]bool{}, boot: map[string]int64{}, read: map[string]bool{},
		attached: map[string]map[uint32]bool{}, attachedErr: map[string]error{}}
	if g, ok := r.log.(interface{ DeploymentChecked() error }); ok {
		// Acting under an identity another deployment also uses would
		// finish its branches by the wrong log.
		if err := g.DeploymentChecked(); err != nil {
			p.rep.Errors = append(p.rep.Errors, err.Error())
			r.setLast(p.rep)
			return p.rep, fmt.Errorf("recovery: %w", err)
		}
	}
	decisions, err := r.log.List(ctx)
	if err != nil {
		p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("decision log: %v", err))
		r.setLast(p.rep)
		return p.rep, fmt.Errorf("recovery: list decisions: %w", err)
	}
	for _, d := range decisions {
		p.byGtrid[d.Gtrid] = d
	}
	r.scan(ctx, p)
	p.isNew = r.trackAges(p.listed)
	r.trackBoots(p)
	gtrids := make([]string, 0, len(p.listed))
	for g := range p.listed {
		gtrids = append(gtrids, g)
	}
	sort.Strings(gtrids)
	counts := map[Scope]int{}
	for _, g := range gtrids {
		scope := r.scope(g)
		counts[scope] += len(p.listed[g])
		r.resolve(ctx, p, g, scope)
	}
	r.metrics.setInDoubt(counts)
	// Garbage: decisions no shard lists a branch of. Only when every shard
	// was scanned.
	if len(p.read) == len(r.shards.Names()) {
		r.collect(ctx, p, decisions)
	}
	r.setLast(p.rep)
	return p.rep, nil
}

// scan lists the prepared branches of xaproxy's format on every shard.
func (r *Recoverer) scan(ctx context.Context, p *pass) {
	for _, shard := range r.shards.Names() {
		xids, boot, known, err := r.scanShard(ctx, shard)
		if err != nil {
			p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("shard %s: %v", shard, err))
			continue
		}
		if known {
			p.boot[shard] = boot
		}
		p.read[shard] = true
		for _, x := range xids {
			p.listed[x.Gtrid] = append(p.listed[x.Gtrid], branch{shard: shard, xid: x})
		}
	}
}

// ownerAlive tells whether the incarnation that started gtrid is registered.
func (r *Recoverer) ownerAlive(ctx context.Context, p *pass, gtrid string) (bool, error) {
	owner := ownerIncarnation(gtrid)
	if a, ok := p.alive[owner]; ok {
		return a, nil
	}
	a, err := r.log.Alive(ctx, owner)
	if err == nil {
		p.alive[owner] = a
	}
	return a, err
}

// knownRun tells whether run was ever registered in this log (Log.Runs).
func (r *Recoverer) knownRun(ctx context.Context, p *pass, run string) (bool, error) {
	if p.runs == nil {
		runs, err := r.log.Runs(ctx)
		if err != nil {
			return false, err
		}
		p.runs = make(map[string]bool, len(runs))
		for _, name := range runs {
			p.runs[name] = true
		}
	}
	return p.runs[run], nil
}

// resolve handles the branches of one gtrid.
func (r *Recoverer) resolve(ctx context.Context, p *pass, g string, scope Scope) {
	d, decided := p.byGtrid[g]
	if scope == ScopeForeign {
		d, decided = Decision{}, false // never ours, whatever a misconfigured log holds
	}
	owner, age := ownerIncarnation(g), r.age(g)
	var ownerAlive bool
	if scope == ScopeOwn && !decided {
		var err error
		if ownerAlive, err = r.ownerAlive(ctx, p, g); err == nil && !ownerAlive && !r.own(g) {
			var known bool
			known, err = r.knownRun(ctx, p, owner)
			if !known {
				scope = ScopeUnknownOwner
			}
		}
		if err != nil {
			p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("gtrid %s: owner liveness: %v", g, err))
			return
		}
	}
	for _, b := range p.listed[g] {
		p.rep.InDoubt = append(p.rep.InDoubt, InDoubt{XID: b.xid, Shard: b.shard, Scope: scope, Decision: d.Outcome, Owner: owner, Age: age})
	}
	if scope == ScopeForeign || scope == ScopeUnknownOwner || (scope == ScopeLegacy && !decided) {
		// Another deployment's, or possibly so: its decision, if any, is
		// in a log this proxy does not read. Said once, then only listed.
		if p.isNew[g] {
			p.rep.Actions = append(p.rep.Actions, Action{At: r.now(), Gtrid: g, What: "left_alone"})
			r.logger.Info("recovery: prepared branches of another deployment left alone", "gtrid", g, "scope", scope,
				"deployment", r.deployment, "decision", "none under this prefix", "branches", len(p.listed[g]))
		}
		return
	}
	if !decided {
		if ownerAlive && age < r.abandonAfter && !r.abandonedHere(g) {
			p.rep.Actions = append(p.rep.Actions, r.act(g, "", "wait", nil))
			return
		}
		if !r.relist(ctx, p, g) {
			// Its coordinator decided, finished and forgot it since the
			// scan (a pass that waited on etcd is seconds old): an ABORT
			// now would be about a transaction that committed.
			p.rep.Actions = append(p.rep.Actions, r.act(g, "", "owner_finished", nil))
			return
		}
		// Presumed abort made explicit: create-if-absent decides the race
		// with a slow coordinator, which will find ABORT and roll back.
		var err error
		d, err = r.log.Decide(ctx, Decision{Gtrid: g, Outcome: Abort, Instance: r.instance})
		if err != nil {
			p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("gtrid %s: write abort: %v", g, err))
			return
		}
		if d.Outcome == Abort {
			p.rep.Actions = append(p.rep.Actions, r.act(g, "", "abort_decided", nil))
		}
	}
	verb, what := "XA COMMIT ", "commit"
	if d.Outcome == Abort {
		verb, what = "XA ROLLBACK ", "rollback"
	}
	for _, b := range p.listed[g] {
		err := r.finishBranch(ctx, p, b, verb)
		if isNota(err) && r.owner(p, b) == ownerMayHold && r.mayKill(ctx, p, g, d.Outcome, age) {
			err = r.killAndFinish(ctx, p, g, b, verb)
		}
		switch {
		case err == nil:
			p.rep.Actions = append(p.rep.Actions, r.act(g, b.shard, what, nil))
		case errors.Is(err, errOwnerFinished):
			p.rep.Actions = append(p.rep.Actions, r.act(g, b.shard, "owner_finished", nil))
		case isNota(err):
			// Listed, yet unknown to this session: the coordinator's
			// session still holds it (MariaDB keeps a prepared branch
			// attached to its connection). Nothing can be concluded;
			// it is retried on the next pass.
			p.rep.Actions = append(p.rep.Actions, r.act(g, b.shard, "owner_busy", nil))
		default:
			p.rep.Actions = append(p.rep.Actions, r.act(g, b.shard, what, err))
		}
	}
}

// errOwnerAttached: the branch's owner thread still holds its transaction,
// so the server would answer 1397 (or, while the thread is exiting, take
// the branch's XA COMMIT without committing it).
var errOwnerAttached = mysql.NewError(mysql.ER_XAER_NOTA, "the owner connection still holds the branch")

// finishBranch sends verb (XA COMMIT or XA ROLLBACK) for b unless its owner
// thread still holds the branch's transaction. Why not just send it:
// MariaDB 10.5+ makes a closing connection's prepared branch findable by
// other sessions (xid cache) before the storage engine has detached the
// transaction from the connection; an XA COMMIT in between finds the xid,
// finds no detachable InnoDB transaction, ignores that, answers OK and
// forgets the xid, and the transaction stays prepared, unlisted, with its
// locks, until the shard restarts (docs/xa-protocol.md, "Stuck owners").
func (r *Recoverer) finishBranch(ctx context.Context, p *pass, b branch, verb string) error {
	if _, thread := b.xid.Owner(); thread != 0 && r.owner(p, b) != ownerGone {
		if att, err := r.attachedOn(ctx, p, b.shard); err == nil && att[thread] {
			return errOwnerAttached
		}
	}
	return r.finish(ctx, b.shard, verb+b.xid.SQL())
}

// attachedOn returns the threads holding a transaction on shard, read once
// per pass, after the scan: an owner not among them had detached (or
// finished) its branch, listed before, for good.
func (r *Recoverer) attachedOn(ctx context.Context, p *pass, shard string) (map[uint32]bool, error) {
	if att, ok := p.attached[shard]; ok {
		return att, p.attachedErr[shard]
	}
	att, err := r.readAttached(ctx, shard)
	p.attached[shard], p.attachedErr[shard] = att, err
	if err != nil {
		r.attachedWarned.Do(func() {
			r.logger.Warn("recovery cannot tell whether an owner connection still holds its branch; finishing branches without that proof, "+
				"and a killed owner's branch only on a later pass (grant PROCESS to the shard account)", "shard", shard, "err", err)
		})
	}
	return att, err
}

func (r *Recoverer) readAttached(ctx context.Context, shard string) (map[uint32]bool, error) {
	c, release, err := r.shards.Conn(ctx, shard)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.Attached(ctx)
}

// mayKill: a branch of gtrid still attached to its owner's connection may
// be freed by killing that connection once the owner's registration is gone
// or the branch is older than abandon_after (a paused or partitioned
// coordinator), or this run's coordinator gave up on it. The decision is
// stored by then, so the owner cannot commit against it: its own decision
// write is fenced or finds what is stored, and its connection is dead.
func (r *Recoverer) mayKill(ctx context.Context, p *pass, g string, outcome Outcome, age time.Duration) bool {
	if outcome == Commit && r.own(g) && r.busy(g) && age < r.abandonAfter {
		// This process's coordinator is committing it now, and will put
		// the connection back in the pool for other sessions. (Past
		// abandon_after its phase two is stuck: the kill frees the locks.)
		return false
	}
	if age >= r.abandonAfter || r.abandonedHere(g) {
		return true
	}
	alive, err := r.ownerAlive(ctx, p, g)
	return err == nil && !alive
}

// killAttempts bounds the finishing attempts after an owner kill.
const killAttempts = 10

// killAndFinish kills the connection that holds branch b (named in its
// bqual) and finishes the branch once the server has let go of it. It
// returns the last finishing error (1397 if the branch stayed attached).
func (r *Recoverer) killAndFinish(ctx context.Context, p *pass, g string, b branch, verb string) error {
	_, thread := b.xid.Owner()
	if thread == 0 {
		return mysql.NewError(mysql.ER_XAER_NOTA, "owner connection unknown (bqual without a connection id)")
	}
	c, release, err := r.shards.Conn(ctx, b.shard)
	if err != nil {
		return err
	}
	defer release()
	if !r.sameBoot(ctx, p, c, b.shard) {
		// The shard restarted during this pass: the thread is a stranger
		// now; the next pass finishes the branch without a kill.
		return mysql.NewError(mysql.ER_XAER_NOTA, "the shard restarted during the pass; finished on the next one")
	}
	switch err := r.stillHeld(ctx, c, b, thread); {
	case errors.Is(err, errDetached):
		err = c.ExecAll(ctx, verb+b.xid.SQL())
		if isNota(err) {
			if listed, lerr := listedOn(ctx, c, b); lerr == nil && !listed {
				// The owner finished it, then its connection ended or
				// went idle in the pool.
				return errOwnerFinished
			}
		}
		return err
	case err != nil:
		return err
	}
	if err := c.Kill(ctx, thread); err != nil {
		p.rep.Actions = append(p.rep.Actions, r.act(g, b.shard, "owner_killed", err))
		return mysql.NewError(mysql.ER_XAER_NOTA, "owner connection not killed: "+err.Error())
	}
	p.rep.Actions = append(p.rep.Actions, r.act(g, b.shard, "owner_killed", nil))
	if err := r.waitDetached(ctx, c, thread); err != nil {
		// Finishing now could hit the killed thread between the moment
		// its branch becomes findable and the moment InnoDB detaches it
		// (finishBranch): left to a later pass, by then long detached.
		return mysql.NewError(mysql.ER_XAER_NOTA, "owner connection killed; its branch is finished on a later pass: "+err.Error())
	}
	for attempt := 1; ; attempt++ {
		err = c.ExecAll(ctx, verb+b.xid.SQL())
		if !isNota(err) || attempt == killAttempts {
			return err
		}
		// Not expected once the owner is seen detached; cheap insurance.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.killRetry):
		}
	}
}

// errOwnerFinished: the owner finished the branch itself since the pass
// listed it; its connection may serve another session by now.
var errOwnerFinished = errors.New("the owner finished the branch since it was listed")

// errDetached: the owner thread holds no transaction any more (its
// connection closed since the pass read): the branch is finished without
// a kill.
var errDetached = errors.New("the owner connection let go of the branch")

// stillHeld checks, just before a kill, that thread holds branch b now.
// The pass's listing and its read of the attached threads may be seconds
// old, and a connection that finished its branch goes back to the pool:
// killing it would break another session's statement. The attached threads
// are read first and the branch listed after: a thread attached at that
// read, whose branch was still prepared later, held that branch then (a
// connection with a prepared branch starts nothing else), which leaves
// the kill's own round trips (its account check, then KILL) as the only
// window. (After a shard restart ids start again: owner() and sameBoot
// keep such branches from reaching here, as far as the boots tell.)
func (r *Recoverer) stillHeld(ctx context.Context, c ShardConn, b branch, thread uint32) error {
	att, err := c.Attached(ctx)
	if err == nil && !att[thread] {
		return errDetached
	}
	listed, err := listedOn(ctx, c, b)
	if err == nil && !listed {
		return errOwnerFinished
	}
	return err
}

// listedOn tells whether branch b is prepared now on c's shard.
func listedOn(ctx context.Context, c ShardConn, b branch) (bool, error) {
	xids, err := c.Recover(ctx)
	return err == nil && slices.Contains(xids, b.xid), err
}

// relist reads again the prepared branches of g on the shards that listed
// it and keeps in the pass those still prepared; it reports whether any
// is. A shard that cannot be read keeps its branches (as the scan saw
// them).
func (r *Recoverer) relist(ctx context.Context, p *pass, g string) bool {
	var kept []branch
	read := map[string][]XID{}
	failed := map[string]bool{}
	for _, b := range p.listed[g] {
		xids, ok := read[b.shard]
		if !ok && !failed[b.shard] {
			var err error
			if xids, err = r.recoverShard(ctx, b.shard); err != nil {
				failed[b.shard] = true
				p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("gtrid %s: list shard %s again: %v", g, b.shard, err))
			} else {
				read[b.shard] = xids
			}
		}
		if failed[b.shard] || slices.Contains(xids, b.xid) {
			kept = append(kept, b)
		}
	}
	p.listed[g] = kept
	return len(kept) > 0
}

// waitDetached waits until the killed thread no longer holds the branch's
// transaction (Attached), killAttempts reads at most.
func (r *Recoverer) waitDetached(ctx context.Context, c ShardConn, thread uint32) error {
	for attempt := 1; ; attempt++ {
		att, err := c.Attached(ctx)
		if err != nil {
			return err
		}
		if !att[thread] {
			return nil
		}
		if attempt == killAttempts {
			return fmt.Errorf("thread %d still holds a transaction %d reads after KILL CONNECTION", thread, killAttempts)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.killRetry):
		}
	}
}

// collect deletes the decisions no shard lists a branch of; an ABORT only
// once its coordinator's run is over, since a live coordinator may still be
// about to look it up.
func (r *Recoverer) collect(ctx context.Context, p *pass, decisions []Decision) {
	for _, d := range decisions {
		if len(p.listed[d.Gtrid]) > 0 {
			continue
		}
		if d.Outcome == Abort && !r.idleHere(d.Gtrid) {
			a, err := r.ownerAlive(ctx, p, d.Gtrid)
			if err != nil || a {
				continue
			}
		}
		if err := r.log.Delete(ctx, d.Gtrid); err != nil {
			p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("gtrid %s: delete decision: %v", d.Gtrid, err))
			continue
		}
		if r.resolved != nil {
			r.resolved(d.Gtrid)
		}
		p.rep.Actions = append(p.rep.Actions, r.act(d.Gtrid, "", "decision_deleted", nil))
	}
	r.forgetRuns(ctx, p, decisions)
}

// forgetRuns removes the records of runs that are over and own nothing: no
// listed branch and no decision names them. (A run that registers again,
// e.g. after a pause, writes its record again; ForgetRun keeps a run that
// is registered now.)
func (r *Recoverer) forgetRuns(ctx context.Context, p *pass, decisions []Decision) {
	runs, err := r.log.Runs(ctx)
	if err != nil {
		p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("list runs: %v", err))
		return
	}
	live, err := r.log.Instances(ctx)
	if err != nil {
		p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("list instances: %v", err))
		return
	}
	keep := map[string]bool{r.self: true}
	for _, name := range live {
		keep[name] = true
	}
	for g := range p.listed {
		keep[ownerIncarnation(g)] = true
	}
	for _, d := range decisions {
		keep[ownerIncarnation(d.Gtrid)] = true
	}
	for _, run := range runs {
		if keep[run] {
			continue
		}
		if err := r.log.ForgetRun(ctx, run); err != nil {
			p.rep.Errors = append(p.rep.Errors, fmt.Sprintf("forget run %s: %v", run, err))
		}
	}
}

func (r *Recoverer) act(gtrid, shard, what string, err error) Action {
	a := Action{At: r.now(), Gtrid: gtrid, Shard: shard, What: what}
	if err != nil {
		a.Err = err.Error()
		r.logger.Warn("recovery action failed", "gtrid", gtrid, "shard", shard, "action", what, "err", err)
		r.metrics.recovered(what + "_failed")
		return a
	}
	if what != "wait" {
		r.logger.Info("recovery", "gtrid", gtrid, "shard", shard, "action", what)
	}
	r.metrics.recovered(what)
	return a
}

func (r *Recoverer) setLast(rep Report) {
	r.mu.Lock()
	r.last = rep
	r.mu.Unlock()
}

func (r *Recoverer) recoverShard(ctx context.Context, shard string) ([]XID, error) {
	c, release, err := r.shards.Conn(ctx, shard)
	if err != nil {
		return nil, err
	}
	defer release()
	return c.Recover(ctx)
}

func (r *Recoverer) finish(ctx context.Context, shard, stmt string) error {
	c, release, err := r.shards.Conn(ctx, shard)
	if err != nil {
		return err
	}
	defer release()
	return c.ExecAll(ctx, stmt)
}

// trackAges remembers when each gtrid was first seen prepared and forgets
// those no longer listed; it returns the gtrids seen for the first time.
func (r *Recoverer) trackAges(listed map[string][]branch) map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	isNew := map[string]bool{}
	for g := range listed {
		if _, ok := r.firstSeen[g]; !ok {
			r.firstSeen[g] = now
			isNew[g] = true
		}
	}
	for g := range r.firstSeen {
		if _, ok := listed[g]; !ok {
			delete(r.firstSeen, g)
		}
	}
	return isNew
}

// age is how long a gtrid has been prepared, as far as this recoverer
// knows: since it first saw it.
func (r *Recoverer) age(gtrid string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now().Sub(r.firstSeen[gtrid])
}

func ownerIncarnation(gtrid string) string {
	p, ok := ParseGtrid(gtrid)
	if !ok {
		return ""
	}
	return Incarnation(p.Instance, p.Epoch)
}

func isNota(err error) bool {
	me, ok := serverErr(err)
	return ok && me.Code == mysql.ER_XAER_NOTA
}
