package proxy

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// A write with RETURNING (INSERT, REPLACE, DELETE; MariaDB 10.5+) answers
// with a result set. On one shard it is relayed like any answer. On several
// (router.ReturningMerge) each shard's result set is read whole, inside the
// transaction or an implicit one as any multi-shard write, and only when
// every shard succeeded (and an implicit transaction committed) do the rows
// go to the client: in VALUES order for an INSERT, in the primary key's
// order for a DELETE (one server's scan order). The shards' column definitions and rows are relayed as they came.

// returned is one shard's result set, packets without their headers.
type returned struct {
	cols     [][]byte
	ext      bool // cols carry MariaDB's extended metadata block
	rows     [][]byte
	text     bool // rows in the text protocol (a COM_QUERY answer)
	warnings uint16
	flags    uint16 // the index flags of the shard's plan (indexFlags)
}

// runWriteReturning runs a write with RETURNING on several shards.
func (s *Session) runWriteReturning(ctx context.Context, st *router.Statement, ex *router.Exec, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	implicit := s.tx == nil && s.autocommit
	if implicit {
		s.tx = s.newTxn(false)
	}
	answers := make([]*returned, 0, len(ex.Parts))
	for i, part := range ex.Parts {
		c, _, err := s.connFor(ctx, part.Shard)
		var prior uint64
		if err == nil {
			err = markPart(ctx, c, implicit, i, len(ex.Parts))
		}
		if err == nil {
			prior, err = s.prepareLastID(ctx, c, st)
		}
		var r *returned
		var srvErr *mysql.MyError
		if err == nil {
			s.track(c)
			var reply backend.Reply
			if reply, err = sendPart(ctx, c, part, own); err == nil {
				r, srvErr, err = s.readReturned(reply)
			}
			s.untrack(c)
		}
		if me, isMy := backend.ServerError(err); isMy && !s.branchLost(part.Shard) {
			srvErr, err = me, nil
		}
		if err != nil || srvErr != nil {
			return s.failWrite(ctx, st, ex, i, implicit, c, err, renumberError(srvErr, part.ValuesRows), own)
		}
		if !ex.Copies || i == 0 {
			s.notePartWarnings(ctx, c, r.warnings, part.ValuesRows)
		}
		s.afterLastID(ctx, c, st, 0, prior, true) // a branch: read when needed
		r.text = part.SQL != "" || !binary
		answers = append(answers, r)
	}
	if ex.Parts[0].ValuesRows != nil {
		s.orderConditionsByRow()
		s.cutConditions() // notePartWarnings left them whole
	}
	rows, err := returnedRows(ex, answers)
	if err != nil {
		return s.abortMultiShard(ctx, implicit, ex.Parts[len(ex.Parts)-1].Shard, err)
	}
	if implicit {
		if err := s.endTx(ctx, true); err != nil {
			return s.writeErr(err)
		}
	}
	var warnings, flags uint16
	for _, a := range answers {
		warnings += a.warnings
		flags |= a.flags
	}
	if ex.Copies {
		warnings = answers[0].warnings
	}
	return s.writeReturned(answers[0].cols, answers[0].ext, rows, binary, rowsEnd{warnings: warnings, status: flags})
}

// readReturned reads a shard's answer to a write with RETURNING: its
// result set, or the error that replaced it (srvErr). err is a failed
// connection.
func (s *Session) readReturned(c backend.Reply) (r *returned, srvErr *mysql.MyError, err error) {
	p, err := s.readBackend(c)
	if err != nil {
		return nil, nil, err
	}
	switch p[4] {
	case mysql.ERR_HEADER:
		return nil, parseErrPacket(p[4:]), nil
	case mysql.OK_HEADER, mysql.LocalInFile_HEADER:
		// MariaDB answers RETURNING with a result set, always.
		c.MarkBroken()
		return nil, nil, errMalformed("shard answered a write with RETURNING without a result set")
	}
	n, _, _ := mysql.LengthEncodedInt(p[4:])
	r = &returned{ext: c.ExtendedMetadata()}
	for i := uint64(0); i <= n; i++ { // the definitions, then EOF
		if p, err = s.readBackend(c); err != nil {
			return nil, nil, err
		}
		if i < n {
			r.cols = append(r.cols, append([]byte(nil), p[4:]...))
		}
	}
	for {
		if p, err = s.readBackend(c); err != nil {
			return nil, nil, err
		}
		switch {
		case isEOF(p[4:]):
			r.warnings, r.flags = eofWarnings(p), eofStatus(p)&indexFlags
			if eofStatus(p)&mysql.SERVER_MORE_RESULTS_EXISTS != 0 {
				// Not from one statement; read the rest so the connection
				// stays in step.
				if _, me, err := s.readOK(c); err != nil || me != nil {
					return nil, me, err
				}
			}
			return r, nil, nil
		case p[4] == mysql.ERR_HEADER:
			return nil, parseErrPacket(p[4:]), nil
		}
		r.rows = append(r.rows, append([]byte(nil), p[4:]...))
	}
}

// returnedRows makes the rows of the answer from the shards' result sets.
func returnedRows(ex *router.Exec, answers []*returned) ([]*returnedRow, error) {
	for i, a := range answers {
		if len(a.cols) != len(answers[0].cols) {
			return nil, errNotSupported("shards %s and %s answered RETURNING with %d and %d columns", ex.Parts[0].Shard, ex.Parts[i].Shard, len(answers[0].cols), len(a.cols))
		}
	}
	switch {
	case ex.Copies:
		// Every copy of a broadcast table must have written the same rows.
		for i, a := range answers[1:] {
			if !sameRows(a.rows, answers[0].rows) {
				return nil, mysql.NewError(mysql.ER_UNKNOWN_ERROR, fmt.Sprintf(
					"the copies of the broadcast table on shards %s and %s answered RETURNING with different rows: the copies differ, so the statement was rolled back", ex.Parts[0].Shard, ex.Parts[i+1].Shard))
			}
		}
		return rowsOf(answers[:1]), nil
	case ex.Returning.Rows != nil:
		return valuesOrder(ex, answers)
	case ex.Returning.Order != nil:
		return keyOrder(ex.Returning.Order, answers)
	}
	return rowsOf(answers), nil
}

// returnedRow is one row of the answer and the protocol it is in.
type returnedRow struct {
	data []byte
	text bool
}

func rowsOf(answers []*returned) []*returnedRow {
	var out []*returnedRow
	for _, a := range answers {
		for _, r := range a.rows {
			out = append(out, &returnedRow{data: r, text: a.text})
		}
	}
	return out
}

// valuesOrder puts the rows of a multi-shard INSERT in the order of its
// VALUES rows: each shard answers one row per VALUES row it got, in order.
func valuesOrder(ex *router.Exec, answers []*returned) ([]*returnedRow, error) {
	total := 0
	for _, rows := range ex.Returning.Rows {
		total += len(rows)
	}
	out := make([]*returnedRow, total)
	for i, a := range answers {
		want := ex.Returning.Rows[i]
		if len(a.rows) != len(want) {
			return nil, errNotSupported("INSERT ... RETURNING on shard %s answered %d rows for its %d VALUES rows, so the rows cannot be put in VALUES order across shards; the statement was rolled back (run it with rows for one shard at a time)", ex.Parts[i].Shard, len(a.rows), len(want))
		}
		for k, pos := range want {
			out[pos] = &returnedRow{data: a.rows[k], text: a.text}
		}
	}
	return out, nil
}

func sameRows(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// writeReturned sends the merged result set: the shards' column
// definitions and rows, text rows re-encoded for a binary client; end is
// the final EOF's warning count and the shards' index flags.
func (s *Session) writeReturned(cols [][]byte, ext bool, rows []*returnedRow, binary bool, end rowsEnd) error {
	var fields []*mysql.Field
	if binary {
		var ok bool
		if fields, ok = parseColumnDefs(cols, ext); !ok {
			return s.writeErr(errMalformed("column definition from shard"))
		}
	}
	s.noteResultSet() // ROW_COUNT() -1, as after any result set
	s.noteRowsSent(len(rows))
	if err := s.conn.WritePacket(mysql.AppendLengthEncodedInteger(s.buf[:4], uint64(len(cols)))); err != nil {
		return err
	}
	for _, d := range cols {
		if err := s.writeColumnDef(append(s.buf[:4], d...), ext); err != nil {
			return err
		}
	}
	if err := s.writeEOF(); err != nil {
		return err
	}
	for _, r := range rows {
		out := append(s.buf[:4], r.data...)
		if binary && r.text {
			row, err := engine.DecodeTextRow(r.data, len(fields))
			if err == nil {
				out, err = engine.EncodeBinaryRow(s.buf[:4], fields, row)
			}
			if err != nil {
				return s.writeErr(errMalformed("row from shard: " + err.Error()))
			}
		}
		if err := s.conn.WritePacket(out); err != nil {
			return err
		}
		if cap(out) <= 1<<20 {
			s.buf = out[:4]
		}
	}
	return s.writeEOFStatus(end.warnings, end.status)
}
