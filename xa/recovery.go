package xa

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// ShardConn is a connection recovery uses on one shard.
type ShardConn interface {
	// Recover lists the prepared branches (XA RECOVER) of xaproxy's format.
	Recover(ctx context.Context) ([]XID, error)
	ExecAll(ctx context.Context, stmts ...string) error
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
// periodically (xa-protocol.md, rule 6).
type Recoverer struct {
	log          Log
	shards       Shards
	instance     string
	abandonAfter time.Duration
	logger       *slog.Logger
	metrics      *Metrics
	now          func() time.Time

	// self is this run's registration; busy tells which of its gtrids its
	// coordinator is committing, abandoned which ones it gave up on with an
	// unknown outcome.
	self      string
	busy      func(gtrid string) bool
	abandoned func(gtrid string) bool
	resolved  func(gtrid string)

	mu        sync.Mutex
	firstSeen map[string]time.Time // gtrid -> when a scan first saw it prepared
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

// NewRecoverer returns a recoverer. abandonAfter is how long a prepared
// branch without a decision may wait for its live coordinator before
// recovery aborts it.
func NewRecoverer(log Log, shards Shards, instance string, abandonAfter time.Duration, logger *slog.Logger, metrics *Metrics) *Recoverer {
	return &Recoverer{log: log, shards: shards, instance: instance, abandonAfter: abandonAfter,
		logger: logger, metrics: metrics, now: time.Now, firstSeen: map[string]time.Time{}}
}

// InDoubt is a prepared branch found by a scan.
type InDoubt struct {
	XID      XID
	Shard    string
	Decision Outcome // "" when none is stored
	Owner    string  // incarnation of the coordinator that started it
	Age      time.Duration
}

// Action is what recovery did to one branch or decision.
type Action struct {
	At    time.Time
	Gtrid string
	Shard string // "" for decision records
	What  string // commit, rollback, abort_decided, decision_deleted, owner_busy, wait
	Err   string
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

// RunOnce scans every shard and finishes what it can. Decisions are listed
// before the shards are scanned: a decision whose gtrid no shard lists in
// the later scan has no branch left and can be deleted.
func (r *Recoverer) RunOnce(ctx context.Context) (Report, error) {
	rep := Report{At: r.now()}
	decisions, err := r.log.List(ctx)
	if err != nil {
		rep.Errors = append(rep.Errors, fmt.Sprintf("decision log: %v", err))
		r.setLast(rep)
		return rep, fmt.Errorf("recovery: list decisions: %w", err)
	}
	byGtrid := map[string]Decision{}
	for _, d := range decisions {
		byGtrid[d.Gtrid] = d
	}
	listed := map[string][]string{} // gtrid -> shards
	scanned := map[string]bool{}
	for _, shard := range r.shards.Names() {
		xids, err := r.recoverShard(ctx, shard)
		if err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("shard %s: %v", shard, err))
			continue
		}
		scanned[shard] = true
		for _, x := range xids {
			listed[x.Gtrid] = append(listed[x.Gtrid], shard)
		}
	}
	r.trackAges(listed)
	alive := map[string]bool{}
	isAlive := func(owner string) (bool, error) {
		if a, ok := alive[owner]; ok {
			return a, nil
		}
		a, err := r.log.Alive(ctx, owner)
		if err == nil {
			alive[owner] = a
		}
		return a, err
	}
	gtrids := make([]string, 0, len(listed))
	for g := range listed {
		gtrids = append(gtrids, g)
	}
	sort.Strings(gtrids)
	inDoubt := 0
	for _, g := range gtrids {
		shards := listed[g]
		inDoubt += len(shards)
		d, decided := byGtrid[g]
		owner := ownerIncarnation(g)
		age := r.age(g)
		for _, s := range shards {
			rep.InDoubt = append(rep.InDoubt, InDoubt{XID: NewXID(g, s), Shard: s, Decision: d.Outcome, Owner: owner, Age: age})
		}
		if !decided {
			ownerAlive, err := isAlive(owner)
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("gtrid %s: owner liveness: %v", g, err))
				continue
			}
			if ownerAlive && age < r.abandonAfter && !r.abandonedHere(g) {
				rep.Actions = append(rep.Actions, r.act(g, "", "wait", nil))
				continue
			}
			// Presumed abort made explicit: create-if-absent decides the race
			// with a slow coordinator, which will find ABORT and roll back.
			d, err = r.log.Decide(ctx, Decision{Gtrid: g, Outcome: Abort, Instance: r.instance})
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("gtrid %s: write abort: %v", g, err))
				continue
			}
			if d.Outcome == Abort {
				rep.Actions = append(rep.Actions, r.act(g, "", "abort_decided", nil))
			}
		}
		verb := "XA COMMIT "
		what := "commit"
		if d.Outcome == Abort {
			verb, what = "XA ROLLBACK ", "rollback"
		}
		for _, s := range shards {
			err := r.finish(ctx, s, verb+NewXID(g, s).SQL())
			switch {
			case err == nil:
				rep.Actions = append(rep.Actions, r.act(g, s, what, nil))
			case isNota(err):
				// Listed, yet unknown to this session: the coordinator's
				// session still holds it (MariaDB keeps a prepared branch
				// attached to its connection). Nothing can be concluded;
				// it is retried on the next pass.
				rep.Actions = append(rep.Actions, r.act(g, s, "owner_busy", nil))
			default:
				rep.Actions = append(rep.Actions, r.act(g, s, what, err))
			}
		}
	}
	r.metrics.inDoubt.Set(float64(inDoubt))
	// Garbage: decisions no shard lists a branch of. Only when every shard
	// was scanned; an ABORT only once its coordinator's run is over, since
	// a live coordinator may still be about to look it up.
	if len(scanned) == len(r.shards.Names()) {
		for _, d := range decisions {
			if len(listed[d.Gtrid]) > 0 {
				continue
			}
			if d.Outcome == Abort && !r.idleHere(d.Gtrid) {
				a, err := isAlive(ownerIncarnation(d.Gtrid))
				if err != nil || a {
					continue
				}
			}
			if err := r.log.Delete(ctx, d.Gtrid); err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("gtrid %s: delete decision: %v", d.Gtrid, err))
				continue
			}
			if r.resolved != nil {
				r.resolved(d.Gtrid)
			}
			rep.Actions = append(rep.Actions, r.act(d.Gtrid, "", "decision_deleted", nil))
		}
	}
	r.setLast(rep)
	return rep, nil
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
// those no longer listed.
func (r *Recoverer) trackAges(listed map[string][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for g := range listed {
		if _, ok := r.firstSeen[g]; !ok {
			r.firstSeen[g] = now
		}
	}
	for g := range r.firstSeen {
		if _, ok := listed[g]; !ok {
			delete(r.firstSeen, g)
		}
	}
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
