package proxy

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/xaproxy/xaproxy/backend"
)

// Metrics are the frontend's Prometheus metrics, registered on a registry
// the caller owns (no global registry).
type Metrics struct {
	sessions          prometheus.Gauge
	handshakeFailures prometheus.Counter
	commands          *prometheus.CounterVec
	statements        *prometheus.CounterVec
	errors            *prometheus.CounterVec
	queries           *prometheus.CounterVec
	queryDuration     *prometheus.HistogramVec
	timeouts          prometheus.Counter
	slowQueries       prometheus.Counter
	planCache         *prometheus.CounterVec
	planHit, planMiss prometheus.Counter // planCache's children
	refused           *prometheus.CounterVec
	closed            *prometheus.CounterVec
	reloads           *prometheus.CounterVec
	catalogDiffs      prometheus.Gauge
	catalogLoads      *prometheus.CounterVec
	lockedCommits     *prometheus.CounterVec
	loginFailures     *prometheus.CounterVec
	loginBlocks       prometheus.Counter
}

// NewMetrics creates and registers the metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "xaproxy_sessions", Help: "Client sessions currently open."}),
		handshakeFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "xaproxy_handshake_failures_total", Help: "Client connections that failed to authenticate or complete the handshake."}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_commands_total", Help: "Protocol commands received, by command."}, []string{"command"}),
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_statements_total", Help: "SQL statements received as queries, by kind."}, []string{"kind"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_errors_total", Help: "Error packets sent to clients, by MySQL error code."}, []string{"code"}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_queries_total",
			Help: "Statements run (COM_QUERY and COM_STMT_EXECUTE), by statement type and route (local, single, merge, scatter, broadcast_write, ddl)."},
			[]string{"type", "route"}),
		queryDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "xaproxy_query_duration_seconds",
			Help:    "Time from receiving a statement to the end of its answer, by statement type and route.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14)}, // 100µs .. ~15s
			[]string{"type", "route"}),
		timeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "xaproxy_query_timeouts_total", Help: "Statements interrupted because they ran longer than frontend.query_timeout."}),
		planCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_plan_cache_total", Help: "Text queries planned from the cache of statement shapes (hit) or not (miss: first sightings, statements without literals such as BEGIN, and shapes that cannot be cached)."}, []string{"result"}),
		slowQueries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "xaproxy_slow_queries_total", Help: "Statements that ran at least log.slow_query."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_connections_refused_total",
			Help: "Client connections refused after authentication, for the connection limits or by frontend.login_throttle (login_throttle), by reason."}, []string{"reason"}),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_sessions_closed_total", Help: "Sessions closed by the proxy, by reason (idle_timeout, packet_too_large, packets_out_of_order, panic)."}, []string{"reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_config_reloads_total", Help: "Configuration reloads (SIGHUP), by result (ok, error)."}, []string{"result"}),
		catalogDiffs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "xaproxy_catalog_differences", Help: "Tables whose definition differs between shards that should hold it alike, or that a shard lacks (SHOW SHARD CATALOG)."}),
		catalogLoads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_catalog_loads_total",
			Help: "Reads of the table, routine and trigger definitions from the shards, by result: changed, unchanged (the catalog and the plans made with it are kept), partial (a shard could not be read; its last definitions are kept)."},
			[]string{"result"}),
		lockedCommits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_locked_write_commits_total",
			Help: "Writes spanning shards under LOCK TABLES (one-phase: MariaDB refuses XA there), by result: ok, rolled_back (nothing applied), partial (a shard's COMMIT failed after another's succeeded)."},
			[]string{"result"}),
		loginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xaproxy_login_failures_total", Help: "Failed logins (handshake or COM_CHANGE_USER), by reason (wrong_password, unknown_user)."}, []string{"reason"}),
		loginBlocks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "xaproxy_login_blocks_total", Help: "Client addresses blocked by frontend.login_throttle after repeated failed logins."}),
	}
	reg.MustRegister(m.loginFailures, m.loginBlocks)
	reg.MustRegister(m.sessions, m.handshakeFailures, m.commands, m.statements, m.errors,
		m.queries, m.queryDuration, m.timeouts, m.slowQueries, m.planCache, m.refused, m.closed, m.reloads, m.catalogDiffs, m.catalogLoads, m.lockedCommits)
	m.planHit, m.planMiss = m.planCache.WithLabelValues("hit"), m.planCache.WithLabelValues("miss")
	for _, r := range []string{"changed", "unchanged", "partial"} {
		m.catalogLoads.WithLabelValues(r) // listed from the start, at 0
	}
	return m
}

func (m *Metrics) countError(err error) {
	code := "other"
	if me, ok := backend.ServerError(err); ok {
		code = strconv.Itoa(int(me.Code))
	}
	m.errors.WithLabelValues(code).Inc()
}

// poolCollector reports backend pool use, shard pings and readiness at
// scrape time.
type poolCollector struct {
	srv      *Server
	open     *prometheus.Desc
	idle     *prometheus.Desc
	pingOK   *prometheus.Desc
	ready    *prometheus.Desc
	degraded *prometheus.Desc
}

// RegisterPoolMetrics exposes the backend pools' connection counts, the
// result of the last ping of each shard and the proxy's readiness.
func (s *Server) RegisterPoolMetrics(reg prometheus.Registerer) {
	reg.MustRegister(&poolCollector{
		srv:    s,
		open:   prometheus.NewDesc("xaproxy_backend_connections_open", "Open connections to a shard (in use and idle).", []string{"shard"}, nil),
		idle:   prometheus.NewDesc("xaproxy_backend_connections_idle", "Idle pooled connections to a shard.", []string{"shard"}, nil),
		pingOK: prometheus.NewDesc("xaproxy_backend_ping_ok", "1 if the last ping of a shard succeeded, 0 if it failed (absent before the first).", []string{"shard"}, nil),
		ready:  prometheus.NewDesc("xaproxy_ready", "1 when /readyz answers 200 (the proxy serves clients, perhaps degraded).", nil, nil),
		degraded: prometheus.NewDesc("xaproxy_degraded",
			"1 while the proxy serves but is degraded for reason: decision_log_unreachable and not_registered (multi-shard commits get 1180), "+
				"recovery_incomplete (no recovery pass completed yet); /readyz?full=1 answers 503 while any is 1.", []string{"reason"}, nil),
	})
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.open
	ch <- c.idle
	ch <- c.pingOK
	ch <- c.ready
	ch <- c.degraded
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, p := range c.srv.pools {
		open, idle := p.Stats()
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open), name)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(idle), name)
	}
	for name, r := range c.srv.pingResults() {
		ok := 0.0
		if r.err == "" {
			ok = 1
		}
		ch <- prometheus.MustNewConstMetric(c.pingOK, prometheus.GaugeValue, ok, name)
	}
	rd := c.srv.Readiness(context.Background())
	ch <- prometheus.MustNewConstMetric(c.ready, prometheus.GaugeValue, gauge(rd.Serving))
	for _, reason := range [...]string{DegradedDecisionLogUnreachable, DegradedNotRegistered, DegradedRecoveryIncomplete} {
		// Every reason, 0 or 1, so that an alert sees the series at once.
		ch <- prometheus.MustNewConstMetric(c.degraded, prometheus.GaugeValue, gauge(rd.Has(reason)), reason)
	}
}

func gauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
