package proxy

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// The diagnostics of a statement (SHOW WARNINGS, SHOW ERRORS,
// @@warning_count, @@error_count) are the session's own
// (docs/session-state.md, treatment 2: answered in the proxy). A shard
// statement that reports warnings has them read right after (SHOW WARNINGS
// on the same connection, one round trip only then), an error is recorded
// from its packet, and the connection goes back to the pool: no backend
// connection is held for diagnostics however long the session idles.
//
// What replaces them follows MariaDB 10.11 (checked): a statement that uses
// a table (a SHOW answered from an information_schema table too), or that
// raises conditions of its own; a statement that uses no
// table and raises nothing (SET, DO, BEGIN, SELECT 1, GET_LOCK) leaves them.

// diagnostics is the last statement's conditions as SHOW WARNINGS lists
// them (Level, Code, Message, as text) and the two counters.
type diagnostics struct {
	warnings, errors uint64
	rows             []engine.Row
	stmt             uint64 // the statement that raised them (diagSeq)
	// rowKeys, while a split INSERT runs, are the statement rows its
	// conditions are ordered by, one per row of rows (partRowKeys).
	rowKeys []int
}

// startStatement numbers the statement and clears the diagnostics when st
// uses a table (router/diagclear.go; a diagnostics read never clears
// them).
func (s *Session) startStatement(st *router.Statement) {
	s.noteWrites(st)
	s.beginResultRun(st)
	s.diagSeq++
	if st != nil && !st.DiagRead && (st.ClearsDiag || st.Handler != "") {
		s.diag = diagnostics{} // a HANDLER's name stands for its table
	}
}

// addConditions records conditions the running statement raised: the
// first ones of a statement replace the earlier statement's, later ones (a
// statement on several shards) are added.
func (s *Session) addConditions(warnings, errors uint64, rows []engine.Row) {
	s.appendConditions(warnings, errors, rows)
	s.cutConditions()
}

// appendConditions is addConditions without keeping the list to
// max_error_count: the parts of a split INSERT each list their first rows'
// conditions, and the statement's first ones are known only once they are
// put in row order (orderConditionsByRow, then cutConditions).
func (s *Session) appendConditions(warnings, errors uint64, rows []engine.Row) {
	if s.diag.stmt != s.diagSeq {
		s.diag = diagnostics{stmt: s.diagSeq}
	}
	s.diag.warnings += warnings
	s.diag.errors += errors
	s.diag.rows = append(s.diag.rows, rows...)
}

// cutConditions keeps the first max_error_count conditions, as MariaDB
// keeps them.
func (s *Session) cutConditions() {
	if limit := s.maxErrorCount(); uint64(len(s.diag.rows)) > limit {
		s.diag.rows = s.diag.rows[:limit]
	}
}

// maxErrorCount is how many conditions MariaDB keeps for SHOW WARNINGS
// (max_error_count; the counters count them all). A shard keeps as many
// for one statement; the session's own list, gathered over several shards
// or raised by the proxy, is cut to it too.
func (s *Session) maxErrorCount() uint64 {
	if v, ok := s.sessionVar("max_error_count"); ok {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			return n
		}
	}
	return 64 // MariaDB's default
}

// lastErrorCode is the code of the last error recorded (0: none).
func (d diagnostics) lastErrorCode() uint16 {
	for i := len(d.rows) - 1; i >= 0; i-- {
		if r := d.rows[i]; len(r) > 1 && string(r[0]) == "Error" {
			n, _ := strconv.ParseUint(string(r[1]), 10, 16)
			return uint16(n)
		}
	}
	return 0
}

// noteError records the error the client is answered with.
func (s *Session) noteError(me *mysql.MyError) {
	s.addConditions(1, 1, []engine.Row{{[]byte("Error"), []byte(strconv.Itoa(int(me.Code))), []byte(me.Message)}})
}

// noteErrorConditions reads the conditions of the statement that just
// failed on c with me: MariaDB lists every condition a failed statement
// raised (in strict mode one per truncated value, a Note naming the
// trigger that signalled), where the error packet names one. They replace
// the error noteError recorded from the packet when they include it. One
// round trip, after a shard's error only (two when the list is as long as
// max_error_count lets it be).
func (s *Session) noteErrorConditions(ctx context.Context, c *backend.Conn, me *mysql.MyError) {
	if s.diag.stmt != s.diagSeq {
		return
	}
	s.keepErrorConditions(s.errorConditions(ctx, c, me))
}

// keepShardConditions makes the conditions of the statement that failed
// on c with err (a shard's error packet) the statement's, where the client
// was answered that error: MariaDB lists every condition a failed
// statement raised (a view's 1054 before its 1356, DROP VIEW's 1347
// before its 4092).
func (s *Session) keepShardConditions(ctx context.Context, c *backend.Conn, err error) {
	me, ok := backend.ServerError(err)
	if !ok || c.Broken() {
		return
	}
	s.keepFailureConditions(me, s.errorConditions(ctx, c, me))
}

// errorConditions is what noteErrorConditions records: nothing (zero
// value) when there is no more to record than the error.
func (s *Session) errorConditions(ctx context.Context, c *backend.Conn, me *mysql.MyError) diagnostics {
	// An unstarted branch (its XA START refused) would be started by any
	// statement sent on c now: the refusal's packet is all there is.
	if c.Unstarted() {
		return diagnostics{}
	}
	res, err := c.Exec(ctx, "SHOW WARNINGS")
	if err != nil {
		return diagnostics{}
	}
	rows := valueRows(res)
	errors := countErrors(rows)
	found := slices.ContainsFunc(rows, func(row engine.Row) bool {
		return len(row) > 1 && string(row[0]) == "Error" && string(row[1]) == strconv.Itoa(int(me.Code))
	})
	warnings := uint64(len(rows))
	if found && warnings >= s.maxErrorCount() {
		// The shard listed max_error_count conditions: its counters say
		// how many there were (MariaDB's @@warning_count counts them all).
		warnings, errors = s.conditionCounts(ctx, c, warnings, errors)
	}
	if !found || warnings < 2 {
		return diagnostics{}
	}
	return diagnostics{warnings: warnings, errors: errors, rows: rows}
}

// keepErrorConditions makes d (errorConditions) the running statement's
// conditions, if it holds any.
func (s *Session) keepErrorConditions(d diagnostics) {
	if d.rows != nil {
		d.stmt = s.diagSeq
		s.diag = d
	}
}

// conditionCounts reads @@warning_count and @@error_count of the statement
// that just ran on c (reading them clears nothing); warnings and errors,
// what SHOW WARNINGS listed, stand if they cannot be read.
func (s *Session) conditionCounts(ctx context.Context, c *backend.Conn, warnings, errors uint64) (uint64, uint64) {
	r, err := c.Exec(ctx, "SELECT @@warning_count, @@error_count LIMIT 1")
	if err != nil {
		return warnings, errors
	}
	w, werr := r.GetUint(0, 0)
	e, eerr := r.GetUint(0, 1)
	if werr != nil || eerr != nil {
		return warnings, errors
	}
	return max(w, warnings), max(e, errors)
}

// conditionRows lists conditions as SHOW WARNINGS rows.
func conditionRows(cs []engine.Condition) []engine.Row {
	rows := make([]engine.Row, len(cs))
	for i, c := range cs {
		rows[i] = c.Row()
	}
	return rows
}

// countErrors counts the Error rows of a SHOW WARNINGS answer.
func countErrors(rows []engine.Row) uint64 {
	var n uint64
	for _, row := range rows {
		if len(row) > 0 && string(row[0]) == "Error" {
			n++
		}
	}
	return n
}

// noteWarnings reads the n warnings the statement that just ran on c left
// there, before anything else runs on c. If they cannot be read, the
// counters still say how many there were.
func (s *Session) noteWarnings(ctx context.Context, c *backend.Conn, n uint16) {
	s.notePartWarnings(ctx, c, n, nil)
}

// notePartWarnings is noteWarnings for the part of a split INSERT that
// holds the statement's valuesRows (rownumbers.go).
func (s *Session) notePartWarnings(ctx context.Context, c *backend.Conn, n uint16, valuesRows []int) {
	if n == 0 {
		return
	}
	var rows []engine.Row
	var errors uint64
	if res, err := c.Exec(ctx, "SHOW WARNINGS"); err == nil {
		rows = valueRows(res)
		errors = countErrors(rows)
		renumberRows(rows, valuesRows)
	}
	if valuesRows != nil {
		s.appendConditions(uint64(n), errors, rows) // runWrite cuts them
		s.diag.rowKeys = append(s.diag.rowKeys, partRowKeys(rows, valuesRows)...)
		return
	}
	s.addConditions(uint64(n), errors, rows)
}

// noteRowWarnings is noteWarnings for a statement another shard ran too
// (DDL): its conditions about the statement (a Note of DROP ... IF EXISTS,
// a key too long) repeat the first shard's, those about its own rows (an
// ALTER's "Data truncated ... at row 2") are its own. It records these,
// and returns how many there were: those it could not read (past
// max_error_count) are counted as rows' too.
func (s *Session) noteRowWarnings(ctx context.Context, c *backend.Conn, n uint16) uint16 {
	if n == 0 {
		return 0
	}
	res, err := c.Exec(ctx, "SHOW WARNINGS")
	if err != nil {
		s.addConditions(uint64(n), 0, nil) // unread: counted as they came
		return n
	}
	rows := valueRows(res)
	var kept []engine.Row
	for _, row := range rows {
		// A Note too: MariaDB's rounding of a DECIMAL is "Note 1265 Data
		// truncated ... at row N".
		if len(row) > 2 && rowNamed(row[2]) > 0 {
			kept = append(kept, row)
		}
	}
	count := int(n) - (len(rows) - len(kept))
	s.addConditions(uint64(count), countErrors(kept), kept)
	return uint16(count)
}

// valueRows is the rows of a result read from a shard, as text (nil for
// NULL); none when it has no result set.
func valueRows(res *mysql.Result) []engine.Row {
	if res.Resultset == nil {
		return nil
	}
	rows := make([]engine.Row, len(res.Values))
	for i, r := range res.Values {
		row := make(engine.Row, len(r))
		for j, v := range r {
			row[j] = textValue(v)
		}
		rows[i] = row
	}
	return rows
}

// textValue is a result value as text (nil for NULL).
func textValue(v mysql.FieldValue) []byte {
	switch v.Type {
	case mysql.FieldValueTypeNull:
		return nil
	case mysql.FieldValueTypeUnsigned:
		return []byte(strconv.FormatUint(v.AsUint64(), 10))
	case mysql.FieldValueTypeSigned:
		return []byte(strconv.FormatInt(v.AsInt64(), 10))
	case mysql.FieldValueTypeFloat:
		return []byte(strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64))
	}
	return append([]byte{}, v.AsString()...) // "" is not NULL
}

// answerDiag answers a diagnostics read from the session's diagnostics.
// The statement runs on a pooled connection all the same, for the column
// definitions MariaDB gives its answer; its rows are the session's.
func (s *Session) answerDiag(ctx context.Context, st *router.Statement, own func(*backend.Conn) (backend.Pending, error), binary bool) error {
	values, err := s.diagValues(ctx, st.Node)
	if err != nil {
		return s.writeErr(err)
	}
	shard := s.srv.router.DefaultShard(s.db)
	c, err := s.acquire(ctx, shard)
	if err != nil {
		return s.writeErr(err)
	}
	cols, err := s.columnsOf(ctx, c, own)
	s.release(c)
	if err != nil {
		return s.writeErr(shardErr(shard, err))
	}
	rows := values
	if rows == nil {
		rows = s.diagRows(st.Node.(*ast.ShowStmt))
	}
	return s.writeRows(engine.FromSlice(cols, rows), binary)
}

// columnsOf runs a statement on c and returns its result's columns,
// draining its rows.
func (s *Session) columnsOf(ctx context.Context, c *backend.Conn, own func(*backend.Conn) (backend.Pending, error)) ([]*mysql.Field, error) {
	sent, err := own(c)
	if err != nil {
		return nil, err
	}
	reply, err := sent.Settle(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.openResult(reply)
	if err != nil {
		return nil, err
	}
	// Rows are skipped undecoded: a prepared statement's are binary.
	for !r.done {
		p, err := s.readBackend(reply)
		switch {
		case err != nil:
			return nil, err
		case isEOF(p[4:]):
			r.done = true
		case p[4] == mysql.ERR_HEADER:
			return nil, parseErrPacket(p[4:])
		}
	}
	return r.cols, nil
}

// diagValues is the one row a diagnostics read other than SHOW WARNINGS or
// SHOW ERRORS answers (SHOW COUNT(*) WARNINGS, SELECT @@warning_count, ...);
// nil for those two. A statement that uses the counters any other way is
// refused: the proxy cannot evaluate it with the session's values.
func (s *Session) diagValues(ctx context.Context, n ast.StmtNode) ([]engine.Row, error) {
	switch x := n.(type) {
	case *ast.ShowStmt:
		if !x.CountWarningsOrErrors {
			return nil, nil
		}
		if x.Tp == ast.ShowErrors {
			return []engine.Row{{[]byte(strconv.FormatUint(s.diag.errors, 10))}}, nil
		}
		return []engine.Row{{[]byte(strconv.FormatUint(s.diag.warnings, 10))}}, nil
	case *ast.SelectStmt:
		if x.From == nil && x.Where == nil && x.Fields != nil && x.GroupBy == nil && x.Having == nil && x.Limit == nil {
			row := make(engine.Row, 0, len(x.Fields.Fields))
			for _, f := range x.Fields.Fields {
				v, err := s.sessionItem(ctx, f.Expr)
				if err != nil {
					return nil, err
				}
				if v == nil {
					break
				}
				row = append(row, v)
			}
			if len(row) == len(x.Fields.Fields) {
				return []engine.Row{row}, nil
			}
		}
	}
	return nil, errNotSupported("@@warning_count, @@error_count, FOUND_ROWS() and ROW_COUNT() are answered only as plain items of a SELECT without FROM, beside each other or LAST_INSERT_ID() (SELECT FOUND_ROWS() AS n, @@warning_count), or by SHOW WARNINGS, SHOW ERRORS and SHOW COUNT(*) WARNINGS")
}

// sessionItem is the value of a select item the session answers
// (@@warning_count, @@error_count, FOUND_ROWS(), ROW_COUNT(), and beside
// them the session's LAST_INSERT_ID()); nil for any other item.
func (s *Session) sessionItem(ctx context.Context, e ast.ExprNode) ([]byte, error) {
	switch x := e.(type) {
	case *ast.VariableExpr:
		if !x.IsSystem || x.IsGlobal {
			return nil, nil
		}
		switch strings.ToLower(x.Name) {
		case "warning_count":
			return []byte(strconv.FormatUint(s.diag.warnings, 10)), nil
		case "error_count":
			return []byte(strconv.FormatUint(s.diag.errors, 10)), nil
		case "last_insert_id", "identity":
			return s.sessionLastID(ctx), nil
		}
	case *ast.FuncCallExpr:
		switch {
		case len(x.Args) == 0 && (x.FnName.L == "found_rows" || x.FnName.L == "row_count"):
			return s.lastResultValue(x.FnName.L)
		case len(x.Args) == 0 && x.FnName.L == "last_insert_id":
			return s.sessionLastID(ctx), nil
		}
	}
	return nil, nil
}

// sessionLastID is the session's LAST_INSERT_ID() as text, read back first
// from the connection of its own that holds a newer one.
func (s *Session) sessionLastID(ctx context.Context) []byte {
	s.settleLastID(ctx)
	return []byte(strconv.FormatUint(s.lastID, 10))
}

// diagRows lists the conditions for SHOW WARNINGS or SHOW ERRORS [LIMIT].
func (s *Session) diagRows(sh *ast.ShowStmt) []engine.Row {
	rows := s.diag.rows
	if sh.Tp == ast.ShowErrors {
		rows = nil
		for _, r := range s.diag.rows {
			if string(r[0]) == "Error" {
				rows = append(rows, r)
			}
		}
	}
	if sh.Limit != nil {
		offset, count := limitValue(sh.Limit.Offset), limitValue(sh.Limit.Count)
		if offset >= uint64(len(rows)) {
			return nil
		}
		rows = rows[offset:]
		if count < uint64(len(rows)) {
			rows = rows[:count]
		}
	}
	return rows
}

// limitValue is a LIMIT literal (SHOW WARNINGS takes no parameters).
func limitValue(e ast.ExprNode) uint64 {
	if e == nil {
		return 0
	}
	v, err := router.Restore(e)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(v, 10, 64)
	return n
}

// A GET_LOCK that times out clears the diagnostics on MariaDB 10.11 (its
// lock wait raises and clears a condition); one that gets the lock leaves
// them. Which one happened is read from the connection: a warning planted
// before the statement is gone after it only if it cleared them. Two round
// trips, for GET_LOCK only.

// plantDiagMarker leaves one warning in c's diagnostics.
func plantDiagMarker(ctx context.Context, c *backend.Conn) error {
	return c.ExecAll(ctx, "DO CAST('xaproxy-marker' AS INT)")
}

// diagCleared tells whether the marker is gone.
func diagCleared(ctx context.Context, c *backend.Conn) bool {
	r, err := c.Exec(ctx, "SELECT @@warning_count LIMIT 1")
	if err != nil {
		return false
	}
	n, err := r.GetUint(0, 0)
	return err == nil && n == 0
}
