package xa

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// MemLog is an in-memory Log with the semantics of EtcdLog, for unit tests
// of the coordinator. NewMemLog creates a store (standing for etcd) and a
// first client of it; Open adds more clients of the same store, one per
// simulated proxy instance: each client's Close revokes only its own
// registrations, and StopKeepAlive simulates the crash of the process
// holding a registration. Safe for concurrent use.
type MemLog struct {
	s      *memStore
	closed bool // guarded by s.mu
}

// memStore is the state all clients of one NewMemLog share.
type memStore struct {
	ttl   time.Duration
	now   func() time.Time
	fault FaultFunc

	mu        sync.Mutex
	decisions map[string]Decision
	regs      map[string]*memReg
	runs      map[string]bool // every name registered, until ForgetRun
	tokens    int64
}

// memReg is one registration, like an instance key bound to a lease. While
// keepAlive is true it never expires; after StopKeepAlive it expires at
// expires, like the lease of a crashed process.
type memReg struct {
	token     int64 // changes with every registration, like a lease ID
	owner     *MemLog
	keepAlive bool
	expires   time.Time
	stop      func() bool // unhooks the revoke-on-ctx-done callback
}

// FaultFunc injects failures into a MemLog (see WithFault). It is called
// at the start of every operation with the operation's name ("decide",
// "get", "delete", "list", "register", "alive", "instances", "runs",
// "forget_run") and its key (gtrid or instance; "" for list, instances and
// runs). A nil error lets the
// operation run normally. A non-nil error is returned by the operation —
// after the operation took effect if apply is true (a write whose answer
// was lost), without effect otherwise. The error is returned as is: wrap
// ErrUnknown to simulate a decision write whose outcome the EtcdLog could
// not determine. It must be safe for concurrent use.
type FaultFunc func(op, key string) (apply bool, err error)

// MemOption configures NewMemLog.
type MemOption func(*memStore)

// WithLeaseTTL sets how long a registration outlives StopKeepAlive
// (default 10s).
func WithLeaseTTL(ttl time.Duration) MemOption { return func(s *memStore) { s.ttl = ttl } }

// WithClock sets the clock used for lease expiry and Decision.At (default
// time.Now).
func WithClock(now func() time.Time) MemOption { return func(s *memStore) { s.now = now } }

// WithFault installs a fault injector for every client of the store.
func WithFault(f FaultFunc) MemOption { return func(s *memStore) { s.fault = f } }

// NewMemLog returns a client of a new, empty in-memory store.
func NewMemLog(opts ...MemOption) *MemLog {
	s := &memStore{
		ttl:       DefaultLeaseTTL,
		now:       time.Now,
		decisions: make(map[string]Decision),
		regs:      make(map[string]*memReg),
		runs:      make(map[string]bool),
	}
	for _, o := range opts {
		o(s)
	}
	return &MemLog{s: s}
}

// Open returns another client of m's store, as another proxy instance
// would open its own EtcdLog on the same etcd.
func (m *MemLog) Open() *MemLog { return &MemLog{s: m.s} }

var _ Log = (*MemLog)(nil)

// begin checks ctx and closed and runs the fault injector. It returns the
// injected error and whether the operation must still be applied.
func (m *MemLog) begin(ctx context.Context, op, key string) (apply bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("xa: %s %s: %w", op, key, err)
	}
	m.s.mu.Lock()
	closed := m.closed
	m.s.mu.Unlock()
	if closed {
		return false, ErrClosed
	}
	if m.s.fault != nil {
		apply, err := m.s.fault(op, key)
		if err != nil {
			return apply, err
		}
	}
	return true, nil
}

// Decide implements Log.
func (m *MemLog) Decide(ctx context.Context, d Decision) (Decision, error) {
	if err := d.Validate(); err != nil {
		return Decision{}, err
	}
	d = d.normalized(m.s.now)
	apply, err := m.begin(ctx, "decide", d.Gtrid)
	if !apply {
		return Decision{}, err
	}
	m.s.mu.Lock()
	stored, ok := m.s.decisions[d.Gtrid]
	if !ok {
		if f := d.Fence; f.Registration != "" {
			r, held := m.s.regs[f.Registration]
			if !held || r.token != f.Token || (!r.keepAlive && !m.s.now().Before(r.expires)) {
				m.s.mu.Unlock()
				return Decision{}, fmt.Errorf("gtrid %s: %w", d.Gtrid, ErrFenced)
			}
		}
		m.s.decisions[d.Gtrid] = d.clone()
		stored = d
	}
	m.s.mu.Unlock()
	if err != nil {
		return Decision{}, err
	}
	return stored.clone(), nil
}

// Get implements Log.
func (m *MemLog) Get(ctx context.Context, gtrid string) (Decision, bool, error) {
	if err := ValidateGtrid(gtrid); err != nil {
		return Decision{}, false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := m.begin(ctx, "get", gtrid); err != nil {
		return Decision{}, false, err
	}
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	d, ok := m.s.decisions[gtrid]
	return d.clone(), ok, nil
}

// Delete implements Log.
func (m *MemLog) Delete(ctx context.Context, gtrid string) error {
	if err := ValidateGtrid(gtrid); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	apply, err := m.begin(ctx, "delete", gtrid)
	if apply {
		m.s.mu.Lock()
		delete(m.s.decisions, gtrid)
		m.s.mu.Unlock()
	}
	return err
}

// List implements Log.
func (m *MemLog) List(ctx context.Context) ([]Decision, error) {
	if _, err := m.begin(ctx, "list", ""); err != nil {
		return nil, err
	}
	m.s.mu.Lock()
	out := make([]Decision, 0, len(m.s.decisions))
	for _, d := range m.s.decisions {
		out = append(out, d.clone())
	}
	m.s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Gtrid < out[j].Gtrid })
	return out, nil
}

// Register implements Log. When ctx ends the registration is revoked.
// Registering an instance that another client holds takes it over, as
// with etcd.
func (m *MemLog) Register(ctx context.Context, instance string) error {
	if err := ValidateRegistrationName(instance); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	apply, err := m.begin(ctx, "register", instance)
	if !apply {
		return err
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if old, ok := s.regs[instance]; ok && old.owner == m && old.keepAlive {
		return fmt.Errorf("%w: %s", ErrAlreadyRegistered, instance)
	}
	s.tokens++
	r := &memReg{owner: m, keepAlive: true, token: s.tokens}
	r.stop = context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.regs[instance] == r {
			delete(s.regs, instance)
		}
	})
	s.regs[instance] = r
	s.runs[instance] = true
	return err
}

// Runs implements Log.
func (m *MemLog) Runs(ctx context.Context) ([]string, error) {
	if _, err := m.begin(ctx, "runs", ""); err != nil {
		return nil, err
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.runs))
	for name := range s.runs {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// ForgetRun implements Log.
func (m *MemLog) ForgetRun(ctx context.Context, registration string) error {
	if err := ValidateRegistrationName(registration); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	apply, err := m.begin(ctx, "forget_run", registration)
	if !apply {
		return err
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.regs[registration]; ok && s.aliveLocked(r) {
		return err
	}
	delete(s.runs, registration)
	return err
}

// StopKeepAlive simulates the crash of the process that registered
// instance through this client: the registration is no longer kept alive
// nor revoked when the registering context ends or at Close, and expires
// after the lease TTL.
func (m *MemLog) StopKeepAlive(instance string) {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.regs[instance]; ok && r.owner == m && r.keepAlive {
		r.stop()
		r.keepAlive = false
		r.expires = s.now().Add(s.ttl)
	}
}

func (s *memStore) aliveLocked(r *memReg) bool {
	return r.keepAlive || s.now().Before(r.expires)
}

// Alive implements Log.
func (m *MemLog) Alive(ctx context.Context, instance string) (bool, error) {
	if err := ValidateRegistrationName(instance); err != nil {
		return false, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := m.begin(ctx, "alive", instance); err != nil {
		return false, err
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.regs[instance]
	if ok && !s.aliveLocked(r) {
		delete(s.regs, instance)
		ok = false
	}
	return ok, nil
}

// Instances implements Log.
func (m *MemLog) Instances(ctx context.Context) ([]string, error) {
	if _, err := m.begin(ctx, "instances", ""); err != nil {
		return nil, err
	}
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.regs))
	for name, r := range s.regs {
		if s.aliveLocked(r) {
			out = append(out, name)
		} else {
			delete(s.regs, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Close implements Log: it revokes the registrations this client keeps
// alive. Later calls on this client fail with ErrClosed; other clients of
// the store are not affected.
func (m *MemLog) Close() error {
	s := m.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for name, r := range s.regs {
		if r.owner == m && r.keepAlive {
			r.stop()
			delete(s.regs, name)
		}
	}
	return nil
}

// Fence implements Log.
func (m *MemLog) Fence(registration string) (Fence, bool) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	r, ok := m.s.regs[registration]
	if !ok || r.owner != m {
		return Fence{}, false
	}
	return Fence{Registration: registration, Token: r.token}, true
}
