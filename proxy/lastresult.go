package proxy

import (
	"context"
	"strconv"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// FOUND_ROWS() and ROW_COUNT() are the session's (docs/session-state.md,
// treatment 2; MariaDB's rules in router/lastresult.go): the proxy records
// them from its own answers to the client and answers plain reads itself.
// ROW_COUNT() is what the client was told: the affected rows of the OK
// packet, -1 after a result set or an error. FOUND_ROWS() follows the
// statement's router.FoundRowsEffect; where only the shard knows it (an
// OFFSET, a UNION, SQL_CALC_FOUND_ROWS) it is read on the statement's
// connection before anything else runs there. Where the proxy cannot know
// it (such a statement merged from several shards), a later read is
// refused, naming why.

// lastResult is the session's FOUND_ROWS() and ROW_COUNT().
type lastResult struct {
	found    uint64
	rowCount int64
	// unknown says why FOUND_ROWS() is not known; "" when it is.
	unknown string
}

// resultRun is what the running statement has told the client so far.
type resultRun struct {
	st        *router.Statement // nil: a statement the proxy answers (admin, PREPARE)
	rows      uint64            // rows sent in its result set
	resultSet bool
	failed    bool
	readBack  *uint64 // FOUND_ROWS() read from its shard connection
	unknown   string  // why its FOUND_ROWS() cannot be known
}

// beginResultRun closes the previous statement's record and opens st's.
func (s *Session) beginResultRun(st *router.Statement) {
	s.endResultRun()
	// The session's own record, overwritten: nothing keeps a pointer to
	// the previous one past endResultRun, and one allocation per statement
	// is spared.
	s.resRunBuf = resultRun{st: st}
	s.resRun = &s.resRunBuf
}

// endResultRun applies what the finished statement did to FOUND_ROWS().
func (s *Session) endResultRun() {
	r := s.resRun
	s.resRun = nil
	if r == nil || r.failed || r.st == nil {
		return
	}
	switch r.st.FoundRows {
	case router.FoundSent:
		if r.resultSet {
			s.last.found, s.last.unknown = r.rows, ""
		}
	case router.FoundReadBack, router.FoundCalc:
		switch {
		case r.readBack != nil:
			s.last.found, s.last.unknown = *r.readBack, ""
		case r.unknown != "":
			s.last.unknown = r.unknown
		default:
			s.last.unknown = "FOUND_ROWS() after a statement whose count only its shard knew, and which could not be read there, is not known"
		}
	case router.FoundUnparsed:
		if r.resultSet {
			s.last.unknown = "FOUND_ROWS() after a statement xaproxy cannot parse that answered with rows is not known"
		}
	}
}

// noteResultSet: the client is sent a result set (ROW_COUNT() -1).
func (s *Session) noteResultSet() {
	if s.resRun != nil {
		s.last.rowCount = -1
		s.resRun.resultSet, s.resRun.rows = true, 0
	}
}

// noteRowsSent counts rows of the result set sent to the client.
func (s *Session) noteRowsSent(n int) {
	if s.resRun != nil {
		s.resRun.rows += uint64(n)
	}
}

// noteOKSent: the statement ended in an OK packet with this count.
func (s *Session) noteOKSent(affected uint64) {
	if s.resRun != nil {
		s.last.rowCount = int64(affected)
	}
}

// noteFailed: the statement ended in an error (ROW_COUNT() -1,
// FOUND_ROWS() unchanged).
func (s *Session) noteFailed() {
	if s.resRun != nil {
		s.last.rowCount = -1
		s.resRun.failed = true
	}
}

// readFoundRows reads FOUND_ROWS() on c right after st ran there without
// error, when only the shard knows it.
func (s *Session) readFoundRows(ctx context.Context, c *backend.Conn, st *router.Statement) {
	if s.resRun == nil || s.resRun.st != st || st == nil || (st.FoundRows != router.FoundReadBack && st.FoundRows != router.FoundCalc) {
		return
	}
	r, err := c.Exec(ctx, "SELECT FOUND_ROWS() LIMIT 1")
	if err != nil {
		s.resRun.unknown = "FOUND_ROWS() of the last statement could not be read from its shard: " + err.Error()
		return
	}
	v, err := r.GetUint(0, 0)
	if err != nil {
		s.resRun.unknown = "FOUND_ROWS() of the last statement could not be read from its shard: " + err.Error()
		return
	}
	s.resRun.readBack = &v
}

// mergedFoundRows settles FOUND_ROWS() of a read merged from several
// shards whose count only a single server would know. With an OFFSET and
// rows returned it is offset + rows (MariaDB counts min(matching,
// offset+count)); otherwise it is not known.
func (s *Session) mergedFoundRows(st *router.Statement, offset int64) {
	if s.resRun == nil || s.resRun.st != st || st.FoundRows != router.FoundReadBack {
		return
	}
	if offset > 0 && s.resRun.rows > 0 {
		v := uint64(offset) + s.resRun.rows
		s.resRun.readBack = &v
		return
	}
	s.resRun.unknown = "FOUND_ROWS() after a UNION, SELECT ... INTO, or a LIMIT with OFFSET that returned no rows, read from several shards, is not known"
}

// errCalcFoundRowsShards refuses SQL_CALC_FOUND_ROWS where it would need
// the counts of several shards.
func errCalcFoundRowsShards() error {
	return errNotSupported("SQL_CALC_FOUND_ROWS across shards is supported only in a SELECT without aggregates, GROUP BY or DISTINCT (each shard's count adds up there); run SELECT COUNT(*) for the total instead")
}

// lastResultValue is the value of FOUND_ROWS() or ROW_COUNT() as text.
func (s *Session) lastResultValue(fn string) ([]byte, error) {
	if fn == "row_count" {
		return []byte(strconv.FormatInt(s.last.rowCount, 10)), nil
	}
	if s.last.unknown != "" {
		return nil, errNotSupported("%s", s.last.unknown)
	}
	return []byte(strconv.FormatUint(s.last.found, 10)), nil
}

// runMergeCounted is runMerge for st, settling its FOUND_ROWS().
func (s *Session) runMergeCounted(ctx context.Context, st *router.Statement, ex *router.Exec, binary bool) error {
	if st.FoundRows == router.FoundCalc {
		if !ex.Merge.CalcFoundRows {
			return s.writeErr(errCalcFoundRowsShards())
		}
		return s.runMerge(ctx, st, ex, binary, func(conns []*backend.Conn) { s.sumFoundRows(ctx, st, conns) })
	}
	err := s.runMerge(ctx, st, ex, binary, nil)
	s.mergedFoundRows(st, ex.Merge.Offset)
	return err
}

// sumFoundRows settles FOUND_ROWS() of a SELECT SQL_CALC_FOUND_ROWS that
// each shard ran with it: the sum of theirs, read on each connection.
func (s *Session) sumFoundRows(ctx context.Context, st *router.Statement, conns []*backend.Conn) {
	if s.resRun == nil || s.resRun.st != st {
		return
	}
	var sum uint64
	for _, c := range conns {
		if c.Broken() {
			s.resRun.unknown = "FOUND_ROWS() of the last statement could not be read from shard " + c.Shard()
			return
		}
		r, err := c.Exec(ctx, "SELECT FOUND_ROWS() LIMIT 1")
		if err != nil {
			s.resRun.unknown = "FOUND_ROWS() of the last statement could not be read from shard " + c.Shard() + ": " + err.Error()
			return
		}
		v, err := r.GetUint(0, 0)
		if err != nil {
			s.resRun.unknown = "FOUND_ROWS() of the last statement could not be read from shard " + c.Shard() + ": " + err.Error()
			return
		}
		sum += v
	}
	s.resRun.readBack = &sum
}

// runOnePartBinary runs a statement the router rewrote for its one shard
// for a binary-protocol client: the shard answers in the text protocol and
// the rows are re-encoded (a computed DOUBLE of fixed decimals, rounded in
// text, is refused: router.BinaryCheckOf). The rewritten text keeps its
// LIMIT, so the shard's FOUND_ROWS() is the statement's.
func (s *Session) runOnePartBinary(ctx context.Context, st *router.Statement, ex *router.Exec) error {
	return s.runMerge(ctx, st, &router.Exec{Op: router.ExecMerge, Parts: ex.Parts, Merge: s.srv.router.BinaryCheckOf(st, s.db)}, true, func(conns []*backend.Conn) {
		if len(conns) == 1 && !conns[0].Broken() {
			s.readFoundRows(ctx, conns[0], st)
		}
	})
}
