package proxy

import (
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
	}
	reg.MustRegister(m.sessions, m.handshakeFailures, m.commands, m.statements, m.errors)
	return m
}

func (m *Metrics) countError(err error) {
	code := "other"
	if me, ok := backend.ServerError(err); ok {
		code = strconv.Itoa(int(me.Code))
	}
	m.errors.WithLabelValues(code).Inc()
}

// poolCollector reports backend pool use at scrape time.
type poolCollector struct {
	srv  *Server
	open *prometheus.Desc
	idle *prometheus.Desc
}

// RegisterPoolMetrics exposes the backend pools' connection counts.
func (s *Server) RegisterPoolMetrics(reg prometheus.Registerer) {
	reg.MustRegister(&poolCollector{
		srv:  s,
		open: prometheus.NewDesc("xaproxy_backend_connections_open", "Open connections to a shard (in use and idle).", []string{"shard"}, nil),
		idle: prometheus.NewDesc("xaproxy_backend_connections_idle", "Idle pooled connections to a shard.", []string{"shard"}, nil),
	})
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open; ch <- c.idle }

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, p := range c.srv.pools {
		open, idle := p.Stats()
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open), name)
		ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(idle), name)
	}
}
