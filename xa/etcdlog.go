package xa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/status"
)

// Defaults of EtcdConfig.
const (
	DefaultPrefix         = "/xaproxy/"
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 2 * time.Second
	DefaultLeaseTTL       = 10 * time.Second
)

const (
	// decideAttempts bounds the create-if-absent transactions of one
	// Decide (the first one and the retries after an unknown outcome).
	decideAttempts = 3
	// listPageSize is the number of decisions read per List request.
	listPageSize = 500
	// keepAliveRetry is the pause between failed keep-alive attempts.
	keepAliveRetry = 500 * time.Millisecond
	// registerRetryMin and registerRetryMax bound the pause between the
	// attempts of RegisterInBackground (doubling from min to max).
	registerRetryMin = 250 * time.Millisecond
	registerRetryMax = time.Second
)

// EtcdConfig configures NewEtcdLog.
type EtcdConfig struct {
	Endpoints []string // "host:port" or URLs; required
	// Prefix of every key (default "/xaproxy/"): decisions are stored
	// under <Prefix>dec/<gtrid>, registrations under <Prefix>inst/<instance>.
	Prefix string
	// DialTimeout bounds the connectivity check of NewEtcdLog (default 5s).
	DialTimeout time.Duration
	// AllowUnreachable skips that check: NewEtcdLog returns at once even
	// if etcd is down, and every call fails within its deadline until etcd
	// answers. For a proxy that must start (and serve what needs no
	// decision) during an etcd outage; see RegisterInBackground.
	AllowUnreachable bool
	// RequestTimeout bounds every single etcd request (default 2s); the
	// caller's context may end it sooner. A Decide whose first transaction
	// times out spends up to another RequestTimeout re-reading the key.
	RequestTimeout time.Duration
	// LeaseTTL of registrations, rounded up to whole seconds (default
	// 10s). Keep-alives are sent every LeaseTTL/3.
	LeaseTTL time.Duration
	// Logger receives this package's logs and, at Debug (etcd client
	// errors at Warn), the etcd client's. Default slog.Default().
	Logger *slog.Logger
	// BatchSizes, when set, observes how many writes each group-commit
	// transaction carried (etcdbatch.go).
	BatchSizes func(int)
	// Deployment, when its Tag is set, is this deployment's identity (Tag
	// and Name; Prefix and Registration are filled in): the first
	// registration announces it (ClaimDeployment) and fails with
	// ErrDeploymentConflict if a running proxy of another deployment uses
	// the same tag or prefix; until it is checked, DeploymentChecked keeps
	// recovery from acting.
	Deployment DeploymentClaim
}

// EtcdLog is the etcd implementation of Log. Safe for concurrent use.
type EtcdLog struct {
	cli        *clientv3.Client
	kv         clientv3.KV // cli.KV; tests wrap it to inject faults
	log        *slog.Logger
	reqTimeout time.Duration
	ttl        time.Duration
	decPrefix  string
	instPrefix string
	runsPrefix string
	closing    chan struct{} // closed by Close: registrations revoke and stop
	wg         sync.WaitGroup

	decisions  *batcher // group commit of fenced decisions
	batchSizes func(int)

	mu     sync.Mutex
	regs   map[string]*etcdReg
	closed bool

	deploy *deploymentCheck
}

var _ Log = (*EtcdLog)(nil)

// NewEtcdLog connects to etcd and checks, within DialTimeout (and ctx),
// that it answers a linearizable read (unless AllowUnreachable). Later
// outages are survived: calls fail within their deadline and work again
// once etcd is back.
func NewEtcdLog(ctx context.Context, cfg EtcdConfig) (*EtcdLog, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("%w: etcd: no endpoints", ErrInvalid)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if r := cfg.LeaseTTL % time.Second; r != 0 {
		cfg.LeaseTTL += time.Second - r // etcd leases have whole seconds
	}
	base := cfg.Logger
	if base == nil {
		base = slog.Default()
	}
	logger := base.With("component", "xa.decisionlog")

	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: cfg.DialTimeout,
		// Detect a connection that died silently (no RST) in ~13s; etcd
		// refuses pings more frequent than every 5s.
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		Logger:               newZapToSlog(base.With("component", "etcd-client")),
		DialOptions: []grpc.DialOption{
			// gRPC's default reconnect backoff grows to 120s: after a long
			// outage the client would stay away from a recovered etcd for
			// minutes. Cap it so that we are back within ~1s.
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff: backoff.Config{
					BaseDelay:  100 * time.Millisecond,
					Multiplier: 1.6,
					Jitter:     0.2,
					MaxDelay:   time.Second,
				},
				MinConnectTimeout: cfg.DialTimeout,
			}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("xa: etcd client for %v: %w", cfg.Endpoints, err)
	}
	l := &EtcdLog{
		cli:        cli,
		kv:         cli.KV,
		log:        logger,
		reqTimeout: cfg.RequestTimeout,
		ttl:        cfg.LeaseTTL,
		decPrefix:  cfg.Prefix + "dec/",
		instPrefix: cfg.Prefix + "inst/",
		runsPrefix: cfg.Prefix + "runs/",
		deploy:     newDeploymentCheck(cfg.Deployment, cfg.Prefix),
		closing:    make(chan struct{}),
		regs:       make(map[string]*etcdReg),
	}
	if !cfg.AllowUnreachable {
		cctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
		defer cancel()
		if _, err := l.kv.Get(cctx, l.decPrefix, clientv3.WithCountOnly()); err != nil {
			_ = cli.Close()
			return nil, fmt.Errorf("xa: etcd at %v does not answer within %s: %w", cfg.Endpoints, cfg.DialTimeout, err)
		}
	}
	l.batchSizes = cfg.BatchSizes
	l.decisions = newBatcher(l.closing, l.flushDecisions, cfg.BatchSizes)
	return l, nil
}

func (l *EtcdLog) decKey(gtrid string) string     { return l.decPrefix + gtrid }
func (l *EtcdLog) instKey(instance string) string { return l.instPrefix + instance }
func (l *EtcdLog) runKey(instance string) string  { return l.runsPrefix + instance }

// reqCtx is ctx bounded by the request timeout.
func (l *EtcdLog) reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, l.reqTimeout)
}

// detachedCtx has a fresh request deadline and ignores ctx's cancellation
// (keeping its values): for the re-read that settles an unknown outcome and
// for revoking leases at shutdown.
func (l *EtcdLog) detachedCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), l.reqTimeout)
}

func (l *EtcdLog) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Decide implements Log with one etcd transaction,
//
//	If(CreateRevision(dec/<gtrid>) == 0).Then(Put(dec/<gtrid>, d)).Else(Get(dec/<gtrid>))
//
// When the transaction fails in a way that leaves its outcome open
// (timeout, lost connection, leader change), the key is re-read with a
// fresh deadline: a stored decision is the answer (ours or not). If nothing
// is stored the transaction is sent again, because the first one may still
// be applied later; a later transaction that returns is a definite answer
// either way. If neither settles it, the error wraps ErrUnknown.
//
// A fenced decision's first transaction is group-committed: concurrent
// decisions travel as nested transactions of one etcd transaction
// (etcdbatch.go), each still exactly the create-if-absent above.
func (l *EtcdLog) Decide(ctx context.Context, d Decision) (Decision, error) {
	if err := d.Validate(); err != nil {
		return Decision{}, err
	}
	if l.isClosed() {
		return Decision{}, ErrClosed
	}
	d = d.normalized(time.Now)
	val, err := encodeDecision(d)
	if err != nil {
		return Decision{}, fmt.Errorf("xa: decide %s: %w", d.Gtrid, err)
	}
	var open error // the first error that left a transaction's outcome open
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil { // nothing sent by this attempt
			return Decision{}, l.unsettled(d.Gtrid, open, err)
		}
		var resp *clientv3.TxnResponse
		var err error
		if attempt == 1 && d.Fence.Registration != "" {
			// A coordinator's commit: group-committed with concurrent ones
			// (the same create-if-absent, nested in one transaction).
			resp, err = l.decisions.do(ctx, decideReq{gtrid: d.Gtrid, fence: d.Fence, val: val})
		} else {
			tctx, cancel := l.reqCtx(ctx)
			resp, err = l.createIfAbsent(tctx, d.Gtrid, val, d.Fence)
			cancel()
		}
		if err == nil {
			stored, err := l.txnResult(d, resp)
			if err != nil {
				// Something is stored but cannot be read: it might be a
				// commit (e.g. written by a newer version). Never guess.
				return Decision{}, fmt.Errorf("%w: %w", ErrUnknown, err)
			}
			if attempt > 1 {
				l.log.Info("decision settled after an unknown outcome", "gtrid", d.Gtrid, "attempt", attempt, "outcome", stored.Outcome, "ours", stored.Same(d))
			}
			return stored, nil
		}
		if definiteFailure(err) || errors.Is(err, errNotSent) {
			return Decision{}, l.unsettled(d.Gtrid, open, fmt.Errorf("etcd txn: %w", err))
		}
		if open == nil {
			open = err
		}
		l.log.Warn("decision write outcome unknown, re-reading", "gtrid", d.Gtrid, "outcome", d.Outcome, "attempt", attempt, "err", err)

		gctx, cancel := l.detachedCtx(ctx)
		stored, found, gerr := l.get(gctx, d.Gtrid)
		cancel()
		switch {
		case gerr != nil:
			return Decision{}, fmt.Errorf("%w: gtrid %s: etcd txn: %w; re-read: %w", ErrUnknown, d.Gtrid, err, gerr)
		case found:
			l.log.Info("decision settled by re-reading", "gtrid", d.Gtrid, "outcome", stored.Outcome, "ours", stored.Same(d))
			return stored, nil
		case attempt >= decideAttempts:
			return Decision{}, fmt.Errorf("%w: gtrid %s: nothing stored yet after %d attempts, but an earlier write may still be applied: %w", ErrUnknown, d.Gtrid, attempt, err)
		}
		// Nothing stored yet: send the create-if-absent again.
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
		}
	}
}

// createIfAbsent is Decide's transaction for one decision: store it if no
// decision exists (and, with a fence, only while the coordinator's
// registration still holds the lease it had when the transaction began),
// else read what is stored.
func (l *EtcdLog) createIfAbsent(ctx context.Context, gtrid string, val []byte, f Fence) (*clientv3.TxnResponse, error) {
	key := l.decKey(gtrid)
	conds := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)}
	if f.Registration != "" {
		conds = append(conds, l.fenceCmp(f))
	}
	return l.kv.Txn(ctx).
		If(conds...).
		Then(clientv3.OpPut(key, string(val))).
		Else(clientv3.OpGet(key)).
		Commit()
}

// fenceCmp holds while registration f still has the lease f.Token.
func (l *EtcdLog) fenceCmp(f Fence) clientv3.Cmp {
	return clientv3.Compare(clientv3.LeaseValue(l.instKey(f.Registration)), "=", f.Token)
}

// unsettled is the error of a Decide that stops without a definite answer:
// ErrUnknown if an earlier attempt's outcome was left open, else err
// (nothing was stored).
func (l *EtcdLog) unsettled(gtrid string, open, err error) error {
	if open != nil {
		return fmt.Errorf("%w: gtrid %s: an earlier write may still be applied (%w); then: %w", ErrUnknown, gtrid, open, err)
	}
	return fmt.Errorf("xa: decide %s: %w", gtrid, err)
}

// txnResult is the stored decision after a create-if-absent transaction.
func (l *EtcdLog) txnResult(d Decision, resp *clientv3.TxnResponse) (Decision, error) {
	if resp.Succeeded {
		return d, nil
	}
	if d.Fence.Registration != "" && len(resp.Responses) == 1 && resp.Responses[0].GetResponseRange() != nil &&
		len(resp.Responses[0].GetResponseRange().Kvs) == 0 {
		// No decision stored: the fence failed.
		return Decision{}, fmt.Errorf("gtrid %s: %w", d.Gtrid, ErrFenced)
	}
	if len(resp.Responses) != 1 || resp.Responses[0].GetResponseRange() == nil || len(resp.Responses[0].GetResponseRange().Kvs) != 1 {
		// The key existed at the comparison; a Get in the same transaction
		// cannot miss it.
		return Decision{}, fmt.Errorf("%w: gtrid %s: unexpected etcd transaction response %v", ErrCorrupt, d.Gtrid, resp.Responses)
	}
	return decodeDecision(d.Gtrid, resp.Responses[0].GetResponseRange().Kvs[0].Value)
}

// definiteFailure reports whether err says for certain that a request
// changed nothing. Anything else (timeouts, cancellation, Unavailable,
// Unknown, ...) may have been applied.
func definiteFailure(err error) bool {
	code := codes.Unknown
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		code = ee.Code()
	} else if st, ok := status.FromError(err); ok {
		code = st.Code()
	}
	switch code {
	case codes.InvalidArgument, codes.PermissionDenied, codes.Unauthenticated, codes.Unimplemented:
		// Rejected before (or, for permissions, at) apply without writing.
		// Not ResourceExhausted: a response too large for the client is
		// reported the same way as a request rejected before it was sent.
		return true
	}
	return false
}

func (l *EtcdLog) get(ctx context.Context, gtrid string) (Decision, bool, error) {
	resp, err := l.kv.Get(ctx, l.decKey(gtrid))
	if err != nil {
		return Decision{}, false, err
	}
	if len(resp.Kvs) == 0 {
		return Decision{}, false, nil
	}
	d, err := decodeDecision(gtrid, resp.Kvs[0].Value)
	return d, err == nil, err
}

// Get implements Log (a linearizable read).
func (l *EtcdLog) Get(ctx context.Context, gtrid string) (Decision, bool, error) {
	if err := ValidateGtrid(gtrid); err != nil {
		return Decision{}, false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if l.isClosed() {
		return Decision{}, false, ErrClosed
	}
	gctx, cancel := l.reqCtx(ctx)
	defer cancel()
	d, ok, err := l.get(gctx, gtrid)
	if err != nil {
		return Decision{}, false, fmt.Errorf("xa: get decision %s: %w", gtrid, err)
	}
	return d, ok, nil
}

// DeleteAll deletes many decisions with one transaction per maxBatch
// (etcd's limit on operations per transaction).
func (l *EtcdLog) DeleteAll(ctx context.Context, gtrids []string) error {
	if l.isClosed() {
		return ErrClosed
	}
	var errs []error
	for len(gtrids) > 0 {
		chunk := gtrids[:min(len(gtrids), maxBatch)]
		gtrids = gtrids[len(chunk):]
		ops := make([]clientv3.Op, 0, len(chunk))
		seen := map[string]bool{}
		for _, g := range chunk {
			if err := ValidateGtrid(g); err != nil {
				errs = append(errs, fmt.Errorf("%w: %w", ErrInvalid, err))
				continue
			}
			if !seen[g] {
				seen[g] = true
				ops = append(ops, clientv3.OpDelete(l.decKey(g)))
			}
		}
		if len(ops) == 0 {
			continue
		}
		dctx, cancel := l.reqCtx(ctx)
		_, err := l.kv.Txn(dctx).Then(ops...).Commit()
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("xa: delete %d decisions: %w", len(ops), err))
		}
		if l.batchSizes != nil {
			l.batchSizes(len(ops))
		}
	}
	return errors.Join(errs...)
}

// Delete implements Log.
func (l *EtcdLog) Delete(ctx context.Context, gtrid string) error {
	if err := ValidateGtrid(gtrid); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return l.DeleteAll(ctx, []string{gtrid})
}

// List implements Log. It reads pages of listPageSize keys, each with its
// own deadline, all at the revision of the first page (one snapshot).
func (l *EtcdLog) List(ctx context.Context) ([]Decision, error) {
	if l.isClosed() {
		return nil, ErrClosed
	}
	end := clientv3.GetPrefixRangeEnd(l.decPrefix)
	from := l.decPrefix
	var rev int64
	var out []Decision
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPageSize),
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend)}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		gctx, cancel := l.reqCtx(ctx)
		resp, err := l.kv.Get(gctx, from, opts...)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("xa: list decisions: %w", err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			key := string(kv.Key)
			d, err := decodeDecision(strings.TrimPrefix(key, l.decPrefix), kv.Value)
			if err != nil {
				l.log.Error("skipping undecodable decision record", "key", key, "err", err)
				continue
			}
			out = append(out, d)
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// Alive implements Log.
func (l *EtcdLog) Alive(ctx context.Context, instance string) (bool, error) {
	if err := ValidateRegistrationName(instance); err != nil {
		return false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if l.isClosed() {
		return false, ErrClosed
	}
	gctx, cancel := l.reqCtx(ctx)
	defer cancel()
	resp, err := l.kv.Get(gctx, l.instKey(instance), clientv3.WithCountOnly())
	if err != nil {
		return false, fmt.Errorf("xa: alive %s: %w", instance, err)
	}
	return resp.Count > 0, nil
}

// Instances implements Log.
func (l *EtcdLog) Instances(ctx context.Context) ([]string, error) {
	if l.isClosed() {
		return nil, ErrClosed
	}
	gctx, cancel := l.reqCtx(ctx)
	defer cancel()
	resp, err := l.kv.Get(gctx, l.instPrefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("xa: list instances: %w", err)
	}
	out := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, strings.TrimPrefix(string(kv.Key), l.instPrefix))
	}
	slices.Sort(out)
	return out, nil
}

// Runs implements Log.
func (l *EtcdLog) Runs(ctx context.Context) ([]string, error) {
	if l.isClosed() {
		return nil, ErrClosed
	}
	gctx, cancel := l.reqCtx(ctx)
	defer cancel()
	resp, err := l.kv.Get(gctx, l.runsPrefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("xa: list runs: %w", err)
	}
	out := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, strings.TrimPrefix(string(kv.Key), l.runsPrefix))
	}
	slices.Sort(out)
	return out, nil
}

// ForgetRun implements Log with one transaction that deletes the run's
// record only while its registration key is absent.
func (l *EtcdLog) ForgetRun(ctx context.Context, registration string) error {
	if err := ValidateRegistrationName(registration); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if l.isClosed() {
		return ErrClosed
	}
	gctx, cancel := l.reqCtx(ctx)
	defer cancel()
	_, err := l.kv.Txn(gctx).
		If(clientv3.Compare(clientv3.CreateRevision(l.instKey(registration)), "=", 0)).
		Then(clientv3.OpDelete(l.runKey(registration))).
		Commit()
	if err != nil {
		return fmt.Errorf("xa: forget run %s: %w", registration, err)
	}
	return nil
}

// --- registrations ---

// etcdReg is one registration kept alive by a goroutine.
type etcdReg struct {
	lease    atomic.Int64 // the lease the key is bound to now (the fence token)
	instance string
	stop     chan struct{} // closed by stopKeepAlive: exit without revoking
	done     chan struct{} // closed when the goroutine has exited
}

// registration is the JSON value of an instance key.
type registration struct {
	Instance string    `json:"instance"`
	Host     string    `json:"host,omitempty"`
	PID      int       `json:"pid"`
	Since    time.Time `json:"since"`
	Lease    string    `json:"lease"` // hex, as etcdctl prints it
}

// Register implements Log: it grants a lease of LeaseTTL, puts
// <prefix>inst/<instance> bound to it, and keeps the lease alive every
// LeaseTTL/3 until ctx ends or Close, which revoke it (deleting the key).
// If the lease is gone (not found: expired or revoked), or must be presumed
// gone because no keep-alive succeeded for a whole TTL (etcd unreachable),
// a new lease and key are created, and it is logged. A key left by a
// crashed earlier run of the same instance, or by another process using
// the same name, is taken over with a warning.
func (l *EtcdLog) Register(ctx context.Context, instance string) error {
	if err := ValidateRegistrationName(instance); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if _, ok := l.regs[instance]; ok {
		l.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrAlreadyRegistered, instance)
	}
	r := &etcdReg{instance: instance, stop: make(chan struct{}), done: make(chan struct{})}
	l.regs[instance] = r // reserved; removed again if the first put fails
	l.wg.Add(1)          // under mu, so that Close waits for this registration
	l.mu.Unlock()

	err := l.claimDeployment(ctx, instance)
	var lease clientv3.LeaseID
	if err == nil {
		lease, err = l.grantAndPut(ctx, instance, 0)
	}
	if err != nil {
		l.mu.Lock()
		delete(l.regs, instance)
		l.mu.Unlock()
		close(r.done)
		l.wg.Done()
		return err
	}
	r.lease.Store(int64(lease))
	l.log.Info("instance registered", "instance", instance, "lease", leaseHex(lease), "ttl", l.ttl)
	go l.keepAlive(ctx, r, lease)
	return nil
}

// RegisterInBackground is Register for a process that must start while
// etcd may be down. It makes one attempt before returning, so that with etcd
// up the instance is registered on return, as after Register. If that
// attempt fails for want of etcd, it logs that once and retries in the
// background, pausing registerRetryMin doubling up to registerRetryMax
// between attempts (each bounded by the request timeout, and ended as soon
// as etcd answers), until one succeeds (logged once; then registered, if
// not nil, is called from the retrying goroutine), ctx ends or the log is
// closed. Until then Fence(instance) reports none. The error is only
// Register's for an invalid name, a closed log, an instance already
// registered or an ended ctx.
func (l *EtcdLog) RegisterInBackground(ctx context.Context, instance string, registered func()) error {
	err := l.Register(ctx, instance)
	if err == nil || ctx.Err() != nil || errors.Is(err, ErrInvalid) || errors.Is(err, ErrClosed) || errors.Is(err, ErrAlreadyRegistered) ||
		errors.Is(err, ErrDeploymentConflict) {
		return err
	}
	l.log.Warn("cannot register in the decision log (etcd); retrying in the background: multi-shard commits are refused (1180) until it succeeds",
		"instance", instance, "retry_every", registerRetryMax, "err", err)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	l.wg.Add(1) // under mu, so that Close waits for the retries
	go l.registerLoop(ctx, instance, registered)
	return nil
}

// registerLoop is RegisterInBackground's retrying goroutine.
func (l *EtcdLog) registerLoop(ctx context.Context, instance string, registered func()) {
	defer l.wg.Done()
	// Close ends an attempt in flight rather than waiting for its deadline.
	// The registration keeps this context: Close revokes it either way.
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-l.closing:
		case <-ctx.Done():
		}
		cancel()
	}()
	log := l.log.With("instance", instance)
	start := time.Now()
	pause := registerRetryMin
	for attempt := 2; ; attempt++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(jitter(pause)):
		}
		pause = min(2*pause, registerRetryMax)
		err := l.Register(ctx, instance)
		switch {
		case err == nil:
			log.Info("decision log (etcd) answers: registered after failed attempts; multi-shard commits work now",
				"attempts", attempt, "waited", time.Since(start).Round(time.Millisecond))
			if registered != nil {
				registered()
			}
			return
		case ctx.Err() != nil || errors.Is(err, ErrClosed):
			return
		case errors.Is(err, ErrAlreadyRegistered):
			log.Error("registration retries stopped: this log already holds the registration", "err", err)
			return
		case errors.Is(err, ErrDeploymentConflict):
			log.Error("registration refused: multi-shard commits and recovery stay off until the configuration is fixed and the proxy restarted", "err", err)
			return
		}
		log.Debug("registration attempt failed; retrying", "attempt", attempt, "err", err)
	}
}

func leaseHex(id clientv3.LeaseID) string { return fmt.Sprintf("%x", int64(id)) }

// grantAndPut creates a lease and binds the instance key to it, each
// request with its own deadline; prev is the lease this log held before
// (0 if none). If the put fails the new lease is revoked (or left to
// expire).
func (l *EtcdLog) grantAndPut(ctx context.Context, instance string, prev clientv3.LeaseID) (clientv3.LeaseID, error) {
	gctx, cancel := l.reqCtx(ctx)
	g, err := l.cli.Grant(gctx, int64(l.ttl/time.Second))
	cancel()
	if err != nil {
		return 0, fmt.Errorf("xa: register %s: grant lease: %w", instance, err)
	}
	host, _ := os.Hostname()
	val, err := json.Marshal(registration{Instance: instance, Host: host, PID: os.Getpid(),
		Since: time.Now().UTC(), Lease: leaseHex(g.ID)})
	if err != nil {
		return 0, fmt.Errorf("xa: register %s: %w", instance, err)
	}
	// The run's record (no lease) goes with the registration: recovery only
	// presumes dead the runs it knows (Log.Runs).
	pctx, cancel := l.reqCtx(ctx)
	resp, err := l.kv.Txn(pctx).Then(
		clientv3.OpPut(l.instKey(instance), string(val), clientv3.WithLease(g.ID), clientv3.WithPrevKV()),
		clientv3.OpPut(l.runKey(instance), string(val)),
	).Commit()
	cancel()
	if err != nil {
		l.revoke(ctx, instance, g.ID)
		return 0, fmt.Errorf("xa: register %s: put %s: %w", instance, l.instKey(instance), err)
	}
	if put := resp.Responses[0].GetResponsePut(); put != nil && put.PrevKv != nil && clientv3.LeaseID(put.PrevKv.Lease) != prev {
		l.log.Warn("instance key was held by someone else's lease: a crashed earlier run, or another live process with the same instance name",
			"instance", instance, "previous", string(put.PrevKv.Value))
	}
	return g.ID, nil
}

func (l *EtcdLog) revoke(ctx context.Context, instance string, lease clientv3.LeaseID) {
	rctx, cancel := l.detachedCtx(ctx)
	defer cancel()
	if _, err := l.cli.Revoke(rctx, lease); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		l.log.Warn("could not revoke lease; it expires by itself after its TTL",
			"instance", instance, "lease", leaseHex(lease), "ttl", l.ttl, "err", err)
	}
}

// keepAlive refreshes the lease every TTL/3 until ctx ends or Close
// (revoke) or stopKeepAlive (no revoke). It re-creates the registration
// when the lease is not found, or must be presumed gone because no
// keep-alive succeeded for a whole TTL. (A lease does not really expire
// while etcd itself is down — etcd refreshes all leases when a leader is
// elected — but a partitioned or paused instance cannot tell that outage
// from one in which its lease expired and others saw it dead, so it starts
// afresh, as etcd's own KeepAlive does.)
func (l *EtcdLog) keepAlive(ctx context.Context, r *etcdReg, lease clientv3.LeaseID) {
	defer l.wg.Done()
	defer close(r.done)
	// Forget the registration before revoking, so that the instance can be
	// registered again as soon as its key is gone. (A new key is bound to
	// a new lease: revoking the old one cannot delete it.)
	forget := func() {
		l.mu.Lock()
		if l.regs[r.instance] == r {
			delete(l.regs, r.instance)
		}
		l.mu.Unlock()
	}
	defer forget()
	log := l.log.With("instance", r.instance)
	interval := l.ttl / 3
	lastOK := time.Now()
	failing := false // a failure has been logged; log the recovery
	lost := ""       // why the lease is considered lost; "" while it is not
	// loopCtx ends the requests in flight when the loop must stop.
	loopCtx, cancelLoop := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelLoop()
	go func() {
		select {
		case <-ctx.Done():
		case <-l.closing:
		case <-r.stop:
		case <-loopCtx.Done():
		}
		cancelLoop()
	}()
	timer := time.NewTimer(jitter(interval))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			forget()
			l.revoke(ctx, r.instance, lease)
			log.Info("instance registration revoked", "lease", leaseHex(lease), "why", "context ended")
			return
		case <-l.closing:
			forget()
			l.revoke(ctx, r.instance, lease)
			log.Info("instance registration revoked", "lease", leaseHex(lease), "why", "log closed")
			return
		case <-r.stop:
			return
		case <-timer.C:
		}
		if lost == "" {
			kctx, cancel := context.WithTimeout(loopCtx, min(l.reqTimeout, interval))
			_, err := l.cli.KeepAliveOnce(kctx, lease) // ErrLeaseNotFound if TTL <= 0
			cancel()
			switch {
			case loopCtx.Err() != nil:
				continue // stopping: the select above says how
			case err == nil:
				if failing {
					log.Info("lease keep-alive works again", "lease", leaseHex(lease),
						"since_last_ok", time.Since(lastOK).Round(time.Millisecond))
					failing = false
				}
				lastOK = time.Now()
				timer.Reset(jitter(interval))
				continue
			case errors.Is(err, rpctypes.ErrLeaseNotFound):
				lost = "lease not found (expired or revoked)"
			case time.Since(lastOK) >= l.ttl:
				lost = fmt.Sprintf("no keep-alive succeeded for %s (TTL %s): lease presumed expired",
					time.Since(lastOK).Round(time.Millisecond), l.ttl)
			default:
				if !failing {
					log.Warn("lease keep-alive failing; retrying", "lease", leaseHex(lease), "err", err)
					failing = true
				}
				timer.Reset(jitter(keepAliveRetry))
				continue
			}
			log.Warn("instance registration lost; re-creating it", "lease", leaseHex(lease), "why", lost)
			failing = true
		}
		newLease, err := l.grantAndPut(loopCtx, r.instance, lease)
		if err != nil {
			if loopCtx.Err() == nil {
				log.Debug("re-creating instance registration failed; retrying", "err", err)
			}
			timer.Reset(jitter(keepAliveRetry))
			continue
		}
		log.Warn("instance registration re-created with a new lease", "why", lost,
			"old_lease", leaseHex(lease), "new_lease", leaseHex(newLease), "since_last_ok", time.Since(lastOK).Round(time.Millisecond))
		// The old lease may still exist (etcd refreshes leases when it
		// restarts); no key is bound to it any more, but do not leave it.
		l.revoke(loopCtx, r.instance, lease)
		lease, lastOK, failing, lost = newLease, time.Now(), false, ""
		r.lease.Store(int64(lease))
		timer.Reset(jitter(interval))
	}
}

// jitter spreads d by ±10% so that many instances do not send in step.
func jitter(d time.Duration) time.Duration {
	return d - d/10 + rand.N(d/5+1)
}

// stopKeepAlive stops the keep-alive of instance without revoking its
// lease, as if the process had crashed: the key disappears after the TTL.
// For tests.
func (l *EtcdLog) stopKeepAlive(instance string) {
	l.mu.Lock()
	r := l.regs[instance]
	l.mu.Unlock()
	if r == nil {
		return
	}
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
}

// KV is the log's etcd client, which other state of the deployment (the
// AUTO_INCREMENT sequences) shares.
func (l *EtcdLog) KV() clientv3.KV { return l.kv }

// Close implements Log: it revokes this log's registrations (each revoke
// with its own deadline), waits for the keep-alive goroutines and closes
// the etcd client.
func (l *EtcdLog) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.closing)
	l.mu.Unlock()
	l.wg.Wait()
	if err := l.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("xa: close etcd client: %w", err)
	}
	return nil
}

// Fence implements Log: the lease currently bound to a registration this
// log keeps alive.
func (l *EtcdLog) Fence(registration string) (Fence, bool) {
	l.mu.Lock()
	r := l.regs[registration]
	l.mu.Unlock()
	if r == nil {
		return Fence{}, false
	}
	lease := r.lease.Load()
	if lease == 0 {
		return Fence{}, false
	}
	return Fence{Registration: registration, Token: lease}, true
}

// Reachable reports whether the client's connection to etcd is up: the
// coordinator refuses a multi-shard commit before preparing it when etcd is
// known to be down, instead of preparing branches whose decision write
// would end with an unknown outcome. A connection that is not ready is
// asked to reconnect and given a moment, so that commits resume as soon as
// etcd is back rather than after the client's own reconnect backoff.
func (l *EtcdLog) Reachable(ctx context.Context) bool {
	conn := l.cli.ActiveConnection()
	if st := conn.GetState(); st == connectivity.Ready || st == connectivity.Idle {
		// The common case, checked before the timer: every two-phase
		// commit asks.
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	for {
		switch st := conn.GetState(); st {
		case connectivity.Ready, connectivity.Idle:
			return true
		case connectivity.Shutdown:
			return false
		default:
			conn.Connect()
			if !conn.WaitForStateChange(ctx, st) {
				return false
			}
		}
	}
}
