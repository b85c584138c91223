// Package proxy is the MySQL-protocol frontend: it accepts client
// connections, authenticates them, keeps each session's state and runs its
// commands against the shards.
package proxy

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/sequence"
	"github.com/xaproxy/xaproxy/sharding"
	"github.com/xaproxy/xaproxy/xa"
)

// Server owns the listener, the sessions and the backend pools.
type Server struct {
	// cfg is the configuration the server started with: shards, schemas,
	// pools and coordinator, which only a restart changes. What a reload
	// changes is in live.
	cfg  *conf.Config
	live atomic.Pointer[settings]
	// unenforcedSaid is the list of unique keys without their shard key
	// the log last named (catalog.go).
	unenforcedSaid atomic.Pointer[string]
	key            *rsa.PrivateKey
	log            *slog.Logger
	pools          map[string]*backend.Pool
	parser         *router.Parser
	router         *router.Router
	// catLoader loads the router's table definitions (catalog.go).
	catLoader catalogLoader

	// selfCert is the certificate generated for frontend.tls.self_signed,
	// made on first need and kept for the process (selfsigned.go).
	certMu   sync.Mutex
	selfCert *tls.Certificate
	// tlsCounters count the frontend's TLS handshakes (sslstatus.go).
	tlsCounters tlsCounters
	// logins tracks failed logins per address (loginthrottle.go), and
	// loginLog bounds the lines logged about them (loginfail.go).
	logins   *loginThrottle
	loginLog *logLimiter

	mu        sync.Mutex
	sessions  map[uint32]*Session
	userConns map[string]int // logged-in sessions per user, for users[].max_connections
	closing   bool
	// conns counts client connections from accept to close, handshakes
	// included, so that concurrent logins cannot exceed the limit.
	conns   atomic.Int64
	wg      sync.WaitGroup
	metrics *Metrics

	// Distributed transactions.
	gen       *xa.Generator
	coord     *xa.Coordinator
	recoverer *xa.Recoverer
	xaMetrics *xa.Metrics
	dlog      xa.Log
	// plainTx: the deployment has exactly one shard, so no transaction
	// can span shards and each runs as a plain MariaDB transaction, not an
	// XA branch (plaintx.go). Shards change only with a restart.
	plainTx bool
	// ids gives sharded AUTO_INCREMENT ids (autoinc.go).
	ids *sequence.Allocator
	// unsynced are the tables whose shards' counters a statement moved and
	// the proxy could not read since (autoinc.go).
	unsynced unsyncedTables

	// Operations: readiness, recent recovery actions, shard pings.
	ready   atomic.Bool // a recovery pass completed
	opsMu   sync.Mutex
	recent  []xa.Action // the latest recovery actions, oldest first
	pings   map[string]pingResult
	started time.Time
	// questions and slowQueries count statements for COM_STATISTICS.
	questions, slowQueries atomic.Uint64
	// onPanic, when set (tests only, before serving), hears of every
	// panic recovered while serving a client (panics.go).
	onPanic func(where string, r any, stack []byte)
	// changeUserPause is how long a refused COM_CHANGE_USER waits before
	// its error (changeUserFailPause; tests shorten it).
	changeUserPause time.Duration
}

// XA is what the server needs for distributed transactions.
type XA struct {
	Log       xa.Log
	Generator *xa.Generator
	Metrics   *xa.Metrics
	// Fault, when set, stops the process at a commit step (tests only).
	Fault func(xa.Step)
	// IDs gives sharded AUTO_INCREMENT ids; nil: counters in memory.
	IDs *sequence.Allocator
}

// New builds a server from a validated configuration. It does not connect
// to the shards yet: pools dial on demand.
func New(cfg *conf.Config, log *slog.Logger, metrics *Metrics, x XA) (*Server, error) {
	return newServer(cfg, log, metrics, x, nil)
}

// newServer is New with the Dialer the pools open shard connections with
// (nil: TCP or unix sockets, as configured); unit tests pass fake shards
// (internal/fakeshard).
func newServer(cfg *conf.Config, log *slog.Logger, metrics *Metrics, x XA, dialer backend.Dialer) (*Server, error) {
	// caching_sha2_password needs an RSA key to receive passwords over a
	// plain connection; a fresh one per process is enough since clients
	// fetch it during the handshake.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	s := &Server{
		cfg:       cfg,
		key:       key,
		log:       log,
		pools:     map[string]*backend.Pool{},
		parser:    router.NewParser(),
		router:    router.New(sharding.New(cfg)),
		sessions:  map[uint32]*Session{},
		userConns: map[string]int{},
		logins:    newLoginThrottle(),
		loginLog:  newLoginLog(),
		metrics:   metrics,
		gen:       x.Generator,
		xaMetrics: x.Metrics,
		dlog:      x.Log,
		pings:     map[string]pingResult{},
		started:   time.Now(),
		ids:       x.IDs,

		changeUserPause: changeUserFailPause,
	}
	if s.ids == nil {
		s.ids = sequence.New(sequence.NewMemKV(), "", uint64(max(cfg.AutoIncrement.BlockSize, 0)))
	}
	cert, err := s.frontendCert(cfg)
	if err != nil {
		return nil, err
	}
	s.live.Store(newSettings(cfg, key, cert, &s.tlsCounters))
	var caRoots *x509.CertPool
	if ca := cfg.Backend.TLSCA; ca != nil {
		caRoots = x509.NewCertPool()
		caRoots.AppendCertsFromPEM(ca)
	}
	pc := backend.PoolConfig{
		MaxOpen:        cfg.Backend.MaxOpen,
		MaxIdle:        cfg.Backend.MaxIdle,
		ConnectTimeout: cfg.Backend.ConnectTimeout.Duration,
		IdleTimeout:    cfg.Backend.IdleTimeout.Duration,
		WaitTimeout:    cfg.Backend.WaitTimeout.Duration,
		Dialer:         dialer,
	}
	var names []string
	for _, sh := range cfg.Shards {
		tc, err := backend.ClientTLSConfig(sh.Params["tls"], sh.Addr, caRoots)
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", sh.Name, err)
		}
		s.pools[sh.Name] = backend.NewPool(backend.Target{
			Shard: sh.Name, Addr: sh.Addr, Network: sh.Net, User: sh.User, Password: sh.Password, TLS: tc,
		}, pc)
		names = append(names, sh.Name)
	}
	s.plainTx = len(names) == 1
	instance := x.Generator.Instance()
	s.coord = xa.NewCoordinator(x.Log, instance, xa.Incarnation(instance, x.Generator.Epoch()), log, x.Metrics)
	s.coord.Fault = x.Fault
	s.coord.Fresh = retryShards{recoveryShards{names: names, pools: s.pools}}
	s.recoverer = xa.NewRecoverer(x.Log, recoveryShards{names: names, pools: s.pools}, x.Generator.Deployment(), instance,
		cfg.Coordinator.AbandonAfter.Duration, log, x.Metrics)
	s.recoverer.SetLocal(xa.Incarnation(instance, x.Generator.Epoch()), s.coord.Busy, s.coord.Abandoned, s.coord.Resolved)
	return s, nil
}

// Recoverer finishes in-doubt branches; the caller runs it at start-up and
// periodically.
func (s *Server) Recoverer() *xa.Recoverer { return s.recoverer }

// Serve accepts connections until the listener is closed.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// The table definitions, read while the first clients connect; a
	// statement that needs them before that waits for the load.
	s.refreshCatalogAsync()
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
			_ = tc.SetKeepAlive(true)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				// A bug must not take the proxy down (panics.go).
				if r := recover(); r != nil {
					s.notePanic("connection", 0, r)
					_ = nc.Close()
				}
			}()
			s.serveConn(ctx, nc)
		}()
	}
}

func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.mu.Unlock()
	// The slot is taken before the handshake, so that concurrent logins
	// cannot all pass the check.
	live := s.live.Load()
	tooMany := s.conns.Add(1) > int64(live.maxConns)
	defer s.conns.Add(-1)
	sess := newSession(s, nc)
	if tooMany {
		s.metrics.refused.WithLabelValues("max_connections").Inc()
		// MariaDB's exact text: drivers compare it. The log says which limit.
		s.log.Warn("connection refused: frontend.max_connections reached", "remote", nc.RemoteAddr().String(), "max_connections", live.maxConns)
		sess.refuse(mysql.NewError(mysql.ER_CON_COUNT_ERROR, "Too many connections"))
		return
	}
	if err := s.loginBlocked(nc.RemoteAddr(), live.throttle); err != nil {
		sess.refuse(err)
		return
	}
	defer sess.releaseUserSlot()
	// A client that never finishes the handshake must not hold a goroutine.
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := sess.handshake(live); err != nil {
		s.log.Debug("handshake failed", "remote", nc.RemoteAddr().String(), "err", err)
		s.metrics.handshakeFailures.Inc()
		_ = nc.Close()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	sess.setView(false, time.Now())
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		sess.close()
		return
	}
	s.sessions[sess.id] = sess
	s.mu.Unlock()
	s.metrics.sessions.Inc()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess.id)
		s.mu.Unlock()
		s.metrics.sessions.Dec()
	}()
	sess.run(ctx)
}

// shutdownGrace bounds what Shutdown does after its deadline: the KILL
// QUERY of statements still running, and the wait for their sessions to end.
const shutdownGrace = 5 * time.Second

// Shutdown stops accepting (the caller closes the listener), closes idle
// sessions at once and lets running statements finish until ctx ends. Then
// it interrupts what still runs (KILL QUERY on the shards: a statement
// waiting for a lock would otherwise run on, and its session would never
// end), closes the client connections, so that their transactions roll
// back, and closes the pools. It returns within shutdownGrace of ctx's end
// even if a shard does not answer.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	for _, sess := range s.sessions {
		sess.shutdown()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.interruptAll()
		select {
		case <-done:
		case <-time.After(shutdownGrace):
			s.log.Warn("shutdown: sessions still waiting for their shards after KILL QUERY; exiting without them", "grace", shutdownGrace)
			return
		}
	}
	s.coord.Wait()
	for _, p := range s.pools {
		p.Close()
	}
}

// interruptAll ends every session still running at the shutdown deadline:
// its statements are killed on their shards and its client connection is
// closed.
func (s *Server) interruptAll() {
	s.mu.Lock()
	sessions := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	for _, sess := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, err := sess.interrupt(ctx, 0, false); err != nil {
				s.log.Warn("shutdown: KILL QUERY failed", "conn", sess.id, "err", err)
			} else if n > 0 {
				s.log.Info("shutdown: statement interrupted", "conn", sess.id, "user", sess.user, "statement", truncateSQL(sess.curSQL(), 200))
			}
			sess.close()
		}()
	}
	wg.Wait()
}

// session looks a session up by connection id (for KILL).
func (s *Server) session(id uint32) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// Pools exposes the shard pools (for health checks and metrics).
func (s *Server) Pools() map[string]*backend.Pool { return s.pools }
