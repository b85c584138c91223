package proxy

import "github.com/prometheus/client_golang/prometheus"

// Every statement counts itself in a few labelled metrics. Finding a
// vector's child hashes the label values and takes the vector's lock,
// 2-3% of a point select's CPU; a session mostly repeats a few labels
// (a transaction cycles through BEGIN, its statements' kinds and COMMIT),
// so it keeps the children it found for the last few.

// memoSize is how many keys a memo remembers: enough for the statement
// kinds of a typical transaction.
const memoSize = 6

// memo holds the values resolved for the keys used last.
type memo[K comparable, V any] struct {
	keys [memoSize]K
	vals [memoSize]V
	n    int // entries filled
	next int // the entry the next new key replaces
}

func (m *memo[K, V]) get(k K, resolve func(K) V) V {
	for i := range m.n {
		if m.keys[i] == k {
			return m.vals[i]
		}
	}
	v := resolve(k)
	m.keys[m.next], m.vals[m.next] = k, v
	m.next = (m.next + 1) % memoSize
	m.n = min(m.n+1, memoSize)
	return v
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
