package proxy

import "github.com/prometheus/client_golang/prometheus"

// Every statement counts itself in a few labelled metrics. Finding a
// vector's child hashes the label values and takes the vector's lock,
// 2-3% of a point select's CPU; a session mostly repeats the labels it
// used last, so it keeps the children it found for them.

// memo holds the value resolved for the key used last.
type memo[K comparable, V any] struct {
	key K
	val V
	ok  bool
}

func (m *memo[K, V]) get(k K, resolve func(K) V) V {
	if !m.ok || m.key != k {
		m.key, m.val, m.ok = k, resolve(k), true
	}
	return m.val
}

// queryObs are the per-statement metrics of one (type, route).
type queryObs struct {
	count prometheus.Counter
	dur   prometheus.Observer
}

// sessionMetrics are a session's memos of metric children.
type sessionMetrics struct {
	command   memo[byte, prometheus.Counter]
	statement memo[string, prometheus.Counter]
	query     memo[[2]string, queryObs]
}

func (s *Session) countCommand(cmd byte) {
	s.mm.command.get(cmd, func(c byte) prometheus.Counter {
		return s.srv.metrics.commands.WithLabelValues(commandName(c))
	}).Inc()
}

func (s *Session) countStatement(kind string) {
	s.mm.statement.get(kind, func(k string) prometheus.Counter {
		return s.srv.metrics.statements.WithLabelValues(k)
	}).Inc()
}

func (s *Session) queryObs(typ, route string) queryObs {
	return s.mm.query.get([2]string{typ, route}, func(k [2]string) queryObs {
		return queryObs{s.srv.metrics.queries.WithLabelValues(k[0], k[1]), s.srv.metrics.queryDuration.WithLabelValues(k[0], k[1])}
	})
}
