package proxy

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"slices"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
	"github.com/xaproxy/xaproxy/conf"
)

// settings are the parts of the configuration that a reload (SIGHUP)
// changes while the proxy runs: users and the frontend's limits, timeouts
// and TLS. A value is never modified once published; Reload swaps in a
// new one, and each session reads the one current at each step.
type settings struct {
	cfg   *conf.Config          // where they come from (users, frontend, log)
	users map[string]*conf.User // by name (case-sensitive, as MySQL)
	// handshake is go-mysql's server: greeting, authentication and TLS.
	handshake  *server.Server
	requireTLS bool
	// certLeaf is the certificate TLS clients get; nil: TLS off.
	certLeaf *x509.Certificate
	// tlsOffered: the greeting offers TLS, so go-mysql reads each
	// session's packets unbuffered (its packet.NewTLSConn).
	tlsOffered   bool
	maxConns     int
	idleTimeout  time.Duration
	queryTimeout time.Duration
	maxPacket    int64
	slowQuery    time.Duration
	shutdown     time.Duration
	throttle     throttleLimits
}

// newSettings builds the live settings of a validated configuration. key
// receives caching_sha2_password passwords over plain connections; it is
// the same for the whole process, since clients may have cached it. cert
// is what clients switching to TLS get (Server.frontendCert); nil: TLS off.
// counters count its TLS handshakes.
func newSettings(cfg *conf.Config, key *rsa.PrivateKey, cert *tls.Certificate, counters *tlsCounters) *settings {
	users := make(map[string]*conf.User, len(cfg.Users))
	for i := range cfg.Users {
		u := cfg.Users[i]
		u.Schemas = slices.Clone(u.Schemas)
		users[u.Name] = &u
	}
	var tlsConfig *tls.Config
	var leaf *x509.Certificate
	if cert != nil {
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12, CipherSuites: frontendTLS12Suites}
		counters.hook(tlsConfig)
		leaf = certLeaf(cert)
	}
	f := cfg.Frontend
	handshake := server.NewServerWithAuth(f.ServerVersion, mysql.DEFAULT_COLLATION_ID, mysql.AUTH_NATIVE_PASSWORD, key, tlsConfig, &authProvider{users: users})
	// LOAD DATA LOCAL INFILE is relayed to the shards (localinfile.go).
	_ = handshake.SetCapability(mysql.CLIENT_LOCAL_FILES)
	return &settings{
		cfg:          cfg,
		users:        users,
		handshake:    handshake,
		requireTLS:   f.TLSRequired(),
		certLeaf:     leaf,
		tlsOffered:   tlsConfig != nil,
		maxConns:     f.MaxConnections,
		idleTimeout:  f.IdleTimeout.Duration,
		queryTimeout: f.QueryTimeout.Duration,
		maxPacket:    int64(f.MaxPacketSize),
		slowQuery:    cfg.Log.SlowQuery.Duration,
		shutdown:     f.ShutdownTimeout.Duration,
		throttle:     newThrottleLimits(f.LoginThrottle),
	}
}

// Reload applies what can change while the proxy runs from a new,
// validated configuration: users (added, removed, passwords, schemas,
// limits) for new logins, the frontend's connection limit, timeouts,
// packet size and TLS, and the slow query threshold. Sessions already open
// keep running, with the schemas they logged in with. The result lists
// what was applied (compared with the previous reload) and what differs
// from the running configuration but needs a restart (addresses, shards,
// schemas, coordinator, backend pools).
func (s *Server) Reload(cfg *conf.Config) conf.Changes {
	prev := s.live.Load()
	// The new server.Server also starts with an empty cache of
	// caching_sha2_password logins, so a changed or removed password
	// cannot be used from the cache.
	cert, err := s.frontendCert(cfg)
	if err != nil {
		// Only a failing random source gets here; the proxy keeps serving.
		s.log.Error("frontend TLS: cannot generate a self-signed certificate; clients cannot switch to TLS", "err", err)
	}
	s.live.Store(newSettings(cfg, s.key, cert, &s.tlsCounters))
	s.metrics.reloads.WithLabelValues("ok").Inc()
	return conf.Changes{
		Live:    conf.Compare(prev.cfg, cfg).Live,
		Restart: conf.Compare(s.cfg, cfg).Restart,
	}
}

// ReloadFailed counts a reload whose file could not be loaded.
func (s *Server) ReloadFailed() { s.metrics.reloads.WithLabelValues("error").Inc() }

// ShutdownTimeout is how long Shutdown lets running statements finish,
// from the current configuration.
func (s *Server) ShutdownTimeout() time.Duration { return s.live.Load().shutdown }

// certLeaf is the parsed first certificate of cert's chain (nil if it
// cannot be parsed: Ssl_server_not_before/after are then ”).
func certLeaf(cert *tls.Certificate) *x509.Certificate {
	if cert.Leaf != nil {
		return cert.Leaf
	}
	if len(cert.Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil
	}
	return leaf
}
