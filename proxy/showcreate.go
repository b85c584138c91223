package proxy

import (
	"context"
	"io"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// runShowCreate answers SHOW CREATE TABLE of a sharded table t from its
// home shard, with the table's AUTO_INCREMENT= option made the highest of
// its shards' counters, as one server holding all the rows prints it
// (router/showcreate.go). The shard runs the text (a prepared SHOW gets
// its row re-encoded). No temporary table can shadow it: one named as a
// sharded table is refused.
func (s *Session) runShowCreate(ctx context.Context, shard string, st *router.Statement, t *router.AutoIncTable, binary bool) error {
	counter, err := s.srv.shardCounters(ctx, t.Schema, t.Table)
	if err != nil {
		return s.writeErr(errShardUnavailable(shard, err))
	}
	text := func(c *backend.Conn) (backend.Pending, error) {
		return c.Send(ctx, mysql.COM_QUERY, []byte(st.SQL))
	}
	return s.runWith(ctx, shard, st, text, func(reply backend.Reply) (outcome, error) {
		rows, err := s.openResult(reply)
		if me, ok := err.(*mysql.MyError); ok {
			return outcome{srvErr: me}, s.writeErr(me)
		}
		if err != nil {
			return outcome{lost: err}, s.writeErr(err)
		}
		var all []engine.Row
		for {
			row, err := rows.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return outcome{lost: err}, s.writeErr(err)
			}
			if len(row) > 1 && row[1] != nil {
				next := max(counter+1, s.srv.nextAutoID(t.Schema, t.Table))
				row[1] = []byte(router.WithAutoIncrement(string(row[1]), next))
			}
			all = append(all, row)
		}
		o := outcome{status: rows.status, wroteOK: true, warnings: rows.warnings}
		return o, s.writeRows(engine.FromSlice(rows.cols, all), binary)
	})
}
