package proxy

import (
	"context"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// CHECKSUM TABLE of a sharded table runs on each of its shards; MariaDB's
// checksum is the sum modulo 2^32 of the rows' checksums, so the table's
// is the sum of its parts' (router/tablemaint.go). A part's NULL (the
// table missing there, QUICK of a table without a live checksum) makes the
// answer NULL. The parts are read on pooled connections, committed rows
// only: in a transaction (or with autocommit=0, where the read would open
// one) it is refused, as the transaction's own writes would be missed.

// runChecksum answers CHECKSUM TABLE of a sharded table.
func (s *Session) runChecksum(ctx context.Context, st *router.Statement, ex *router.Exec, binary bool) error {
	if s.tx != nil || !s.autocommit {
		return s.writeErr(errNotSupported("CHECKSUM TABLE of a sharded table inside a transaction (or with autocommit=0) is not supported: its shards would be read outside it; run it with autocommit=1, outside a transaction"))
	}
	answers := make([]*resultCopy, 0, len(ex.Parts))
	for _, part := range ex.Parts {
		k, err := s.checksumPart(ctx, st, part.Shard)
		if err != nil {
			return s.writeErr(err)
		}
		answers = append(answers, k)
	}
	sum, ok := sumChecksums(answers)
	if !ok {
		return s.writeErr(errNotSupported("the shards answered CHECKSUM TABLE with different rows; checksum the table on each shard"))
	}
	return s.writeRows(engine.FromSlice(sum.cols, sum.rows), binary)
}

// checksumPart runs the client's CHECKSUM TABLE text on shard and notes
// the warnings it raised there (a missing table's 1146). Where the session
// keeps a connection on the shard (LOCK TABLES, a temporary table) it runs
// there, as on one server: a pooled one would wait for the session's own
// table lock.
func (s *Session) checksumPart(ctx context.Context, st *router.Statement, shard string) (*resultCopy, error) {
	c, pinned, err := s.connFor(ctx, shard)
	if err != nil {
		return nil, err
	}
	s.track(c)
	defer func() {
		s.untrack(c)
		if !pinned {
			s.release(c)
		}
	}()
	reply, err := sendPart(ctx, c, router.Part{Shard: shard, SQL: st.SQL}, nil)
	if err != nil {
		c.MarkBroken()
		return nil, errShardUnavailable(shard, err)
	}
	rows, err := s.openResult(reply)
	if err != nil {
		if _, isMy := err.(*mysql.MyError); !isMy {
			c.MarkBroken()
		}
		return nil, err
	}
	k := copyResult(nil, rows)
	if rows.err != nil {
		c.MarkBroken()
		return nil, rows.err
	}
	s.notePartWarnings(ctx, c, rows.warnings, nil)
	return k, nil
}

// sumChecksums adds up the parts' checksums (Table, Checksum) row by row;
// ok is false when the parts do not list the same tables.
func sumChecksums(parts []*resultCopy) (*resultCopy, bool) {
	first := parts[0]
	if first == nil || len(first.cols) < 2 {
		return nil, false
	}
	out := &resultCopy{cols: first.cols}
	for i, row := range first.rows {
		var sum uint64
		null := false
		for _, p := range parts {
			if p == nil || len(p.rows) != len(first.rows) || len(p.rows[i]) < 2 || string(p.rows[i][0]) != string(row[0]) {
				return nil, false
			}
			v := p.rows[i][1]
			if v == nil {
				null = true
				continue
			}
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return nil, false
			}
			sum = (sum + n) % (1 << 32)
		}
		value := []byte(strconv.FormatUint(sum, 10))
		if null {
			value = nil
		}
		out.rows = append(out.rows, engine.Row{row[0], value})
	}
	return out, true
}
