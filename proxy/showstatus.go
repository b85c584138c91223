package proxy

import (
	"context"
	"strings"

	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// answerShowStatus answers SHOW [GLOBAL | SESSION] STATUS [LIKE | WHERE]:
// the shard's result with its Ssl_% rows replaced by the session's
// (sslstatus.go, router/showstatus.go).
func (s *Session) answerShowStatus(ctx context.Context, st *router.Statement, sql string) error {
	if n, ok := s.selectLimit(); ok {
		return s.writeErr(errSelectLimitShow("SHOW STATUS", n))
	}
	sh, _ := router.ShowStatus(st)
	shard := s.srv.router.DefaultShard(s.db)
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return s.writeErr(err)
	}
	defer s.release(c)
	res, err := c.Exec(ctx, sql)
	if err != nil {
		return s.writeErr(shardErr(shard, err))
	}
	s.noteWarnings(ctx, c, res.Warnings)
	if res.Resultset == nil || len(res.Fields) != 2 {
		return s.writeErr(errNotSupported("SHOW STATUS: the shard did not answer the 2 columns of MariaDB 10.11"))
	}
	own := s.sslStatusRows()
	query, err := router.StatusFilter(sh, own)
	if err != nil {
		return s.writeErr(err)
	}
	if query != "" {
		kept, err := c.Exec(ctx, query)
		if err != nil {
			return s.writeErr(shardErr(shard, err))
		}
		own = keptRows(own, kept.Values)
	}
	rows := make([]engine.Row, len(res.Values))
	for i, r := range res.Values {
		rows[i] = engine.Row{textValue(r[0]), textValue(r[1])}
	}
	return s.writeRows(engine.FromSlice(res.Fields, mergeStatus(rows, own)), false)
}

// sslStatusRows are the session's Ssl_% variables in MariaDB's order.
func (s *Session) sslStatusRows() []router.StatusRow {
	f := tlsFacts{served: s.tlsServed, state: s.tlsState, cert: s.tlsCert,
		accepts: s.srv.tlsCounters.accepts.Load(), finished: s.srv.tlsCounters.finished.Load()}
	values := sslStatus(f)
	rows := make([]router.StatusRow, len(sslStatusNames))
	for i, n := range sslStatusNames {
		rows[i] = router.StatusRow{Name: n, Value: values[strings.ToLower(n)]}
	}
	return rows
}
