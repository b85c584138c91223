package proxy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// One MariaDB runs an INSERT's VALUES rows in order and fails at the first
// row that fails: its error is the statement's ("Duplicate entry '1'" for
// row 2 where row 4 is a duplicate too). Split by shard, the parts run one
// after the other and the first part that fails may hold a later row than
// a part after it. So when a part fails, the later parts that hold an
// earlier row run too (all of it is undone: the statement fails), and the
// error of the earliest failing row is answered: a row its message names
// ("at row 3"), or else one of the part's rows; where parts whose rows
// interleave fail with errors naming no row, each one's first rows are run
// alone until its failing row is known (pinFailure). The conditions the
// answered part raised with its error (a trigger's Note) are listed too.
//
// A statement whose rows each shard reads itself (UPDATE, DELETE, INSERT
// ... SELECT) stops on one server at the first row of its scan that fails,
// which the shards' scans do not tell: its error is answered only when
// every part that fails gives the same one, naming no row (or row 1 of
// every part), and the statement is refused (1235) otherwise.

// failWrite ends a write over several shards whose part i failed on c:
// with err, a lost connection, the whole transaction is rolled back; with
// srvErr, once the parts that may fail first ran too (firstFailure), the
// statement's error is answered, with the conditions its part raised, and
// only the statement undone where that can be (abortMultiShard otherwise).
func (s *Session) failWrite(ctx context.Context, st *router.Statement, ex *router.Exec, i int, implicit bool, c *backend.Conn, err error, srvErr *mysql.MyError, own func(*backend.Conn) (backend.Pending, error)) error {
	shard := ex.Parts[i].Shard
	cause := error(srvErr)
	if err != nil {
		cause = shardErr(shard, err)
		if c != nil {
			c.MarkBroken()
		}
	}
	var conds diagnostics
	if err == nil && srvErr != nil && c != nil && !c.Broken() {
		conds = s.partConditions(ctx, c, srvErr, ex.Parts[i].ValuesRows)
	}
	undo := ex.Parts[:i:i]
	if statementOnly(err, srvErr) && !ex.Copies {
		prior := s.priorConditions()
		failed := partFailure{err: srvErr, rows: ex.Parts[i].ValuesRows, conds: conds, shard: shard}
		search := !s.searchRepeats(st)
		first, others, ran, lost := s.firstFailure(ctx, st, ex, i, failed, implicit, search, own)
		if lost == nil && first.rows != nil {
			conds, lost = s.failedInsertConditions(ctx, ex, first, others, prior, search)
		} else {
			conds = first.conds
		}
		if lost != nil {
			return s.abortMultiShard(ctx, implicit, lost.shard, lost.err)
		}
		srvErr = first.err
		cause, undo = srvErr, append(undo, ran...)
	}
	var werr error
	if !implicit && statementOnly(err, srvErr) && s.undoParts(ctx, undo) == nil {
		werr = s.writeErr(srvErr)
	} else {
		werr = s.abortMultiShard(ctx, implicit, shard, cause)
	}
	s.keepFailureConditions(srvErr, conds)
	return werr
}

// partConditions is errorConditions of a part holding valuesRows, their
// rows renumbered to the statement's.
func (s *Session) partConditions(ctx context.Context, c *backend.Conn, me *mysql.MyError, valuesRows []int) diagnostics {
	d := s.errorConditions(ctx, c, me)
	renumberRows(d.rows, valuesRows)
	if len(valuesRows) == 1 && me != nil && me.Code == mysql.ER_BAD_NULL_ERROR {
		dropUnknownError(&d)
	}
	return d
}

// dropUnknownError takes out the "Error 1105 Unknown error" MariaDB 10.11
// adds after the error of a one-row INSERT that failed on a NULL (1048):
// the part of a split INSERT ran one row, the statement several, for which
// one server adds none.
func dropUnknownError(d *diagnostics) {
	rows := d.rows[:0:0]
	for _, r := range d.rows {
		if len(r) > 2 && string(r[0]) == "Error" && string(r[1]) == "1105" && string(r[2]) == "Unknown error" {
			d.warnings -= min(d.warnings, 1)
			d.errors -= min(d.errors, 1)
			continue
		}
		rows = append(rows, r)
	}
	d.rows = rows
}

// keepFailureConditions makes d the statement's conditions when the error
// answered (the last recorded) is me, not one the proxy wrapped.
func (s *Session) keepFailureConditions(me *mysql.MyError, d diagnostics) {
	if me == nil || len(s.diag.rows) == 0 {
		return
	}
	last := s.diag.rows[len(s.diag.rows)-1]
	if len(last) > 2 && string(last[1]) == strconv.Itoa(int(me.Code)) && string(last[2]) == me.Message {
		s.keepErrorConditions(d)
	}
}

// partFailure is a part's error (its row renumbered to the statement's),
// the statement rows the part holds, 0-based (router.Part.ValuesRows), and
// the conditions it raised (errorConditions; none past the error).
type partFailure struct {
	err   *mysql.MyError
	rows  []int
	conds diagnostics
	shard string
	// pinned: at is the statement row (0-based) that failed, found by
	// running the part's first rows alone (pinFailure).
	pinned bool
	at     int
	// unknown: the part's outcome is not known (a lock wait cut short,
	// runCheckPart; err is what it answered), or it was not run again
	// (searchRepeats; err nil).
	unknown bool
}

// span is the statement rows, 0-based, where the part's failing row can
// be: the one its message names, or any of the part's.
func (f partFailure) span() (lo, hi int) {
	if f.pinned {
		return f.at, f.at
	}
	if n := rowNamed([]byte(f.err.Message)); n > 0 {
		return n - 1, n - 1
	}
	if len(f.rows) == 0 {
		return 0, 0
	}
	return slices.Min(f.rows), slices.Max(f.rows)
}

// earliestFailure is the index in fs of the statement's first failing
// row's error; false when which one comes first cannot be told.
func earliestFailure(fs []partFailure) (int, bool) {
	best, bestLo := 0, -1
	for i, f := range fs {
		if lo, _ := f.span(); bestLo < 0 || lo < bestLo {
			best, bestLo = i, lo
		}
	}
	_, hi := fs[best].span()
	for i, f := range fs {
		if lo, _ := f.span(); i != best && lo <= hi && !sameError(f.err, fs[best].err) {
			return 0, false
		}
	}
	return best, true
}

func sameError(a, b *mysql.MyError) bool {
	return a.Code == b.Code && a.State == b.State && a.Message == b.Message
}

// mayPrecede: part p holds a row before hi, the last row where the failure
// found so far can be.
func mayPrecede(p router.Part, hi int) bool {
	return len(p.ValuesRows) > 0 && slices.Min(p.ValuesRows) < hi
}

// firstFailure runs the later parts that may fail before the failed part
// i (for a split INSERT those holding an earlier row than its failing one,
// else every one) and returns the statement's failure, the later parts
// that ran (for undoParts), or the error that ends the transaction (a lost
// shard, a deadlock) as lost.
func (s *Session) firstFailure(ctx context.Context, st *router.Statement, ex *router.Exec, i int, failed partFailure, implicit, search bool, own func(*backend.Conn) (backend.Pending, error)) (first partFailure, others []partFailure, ran []router.Part, lost *shardLoss) {
	first, fs, ran, lost := s.firstFailureOf(ctx, st, ex, i, failed, implicit, search, own)
	for _, f := range fs {
		if f.err != first.err {
			others = append(others, f)
		}
	}
	return first, others, ran, lost
}

// firstFailureOf is firstFailure, with every part's outcome that ran (fs,
// those without error too). Without search (searchRepeats) no part runs
// again: those that would have are unknown.
func (s *Session) firstFailureOf(ctx context.Context, st *router.Statement, ex *router.Exec, i int, failed partFailure, implicit, search bool, own func(*backend.Conn) (backend.Pending, error)) (first partFailure, all []partFailure, ran []router.Part, lost *shardLoss) {
	parts := ex.Parts
	split := parts[i].ValuesRows != nil
	fs := []partFailure{failed}
	var unknown []partFailure
	_, hi := fs[0].span()
	for _, p := range parts[i+1:] {
		if split && !mayPrecede(p, hi) {
			continue
		}
		if !search {
			unknown = append(unknown, partFailure{rows: p.ValuesRows, shard: p.Shard, unknown: true})
			continue
		}
		f, err := s.runCheckPart(ctx, st, p, implicit, own)
		if err != nil {
			return first, all, ran, &shardLoss{p.Shard, shardErr(p.Shard, err)}
		}
		ran = append(ran, p)
		switch {
		case f.unknown:
			unknown = append(unknown, f)
		case f.err == nil:
			all = append(all, f)
		case !statementOnly(nil, f.err):
			return first, all, ran, &shardLoss{p.Shard, f.err}
		default:
			fs = append(fs, f)
		}
	}
	all = append(all, fs...)
	if !split {
		// A part whose outcome is unknown may have failed first with
		// another error: only a per-row constraint error is answered then.
		if rowConstraintFailure(fs) || (len(unknown) == 0 && scanFailure(fs, len(parts))) {
			return fs[0], all, ran, nil
		}
		return refusedFailure("the statement over several shards failed (%s), and which error one server would report cannot be told from theirs: it stops at the first row of its scan that fails, and counts rows over the whole statement; the statement is undone: run it on one shard at a time (a WHERE on the shard key) to see each shard's error", append(fs, unknown...)), all, ran, nil
	}
	j, ok := earliestFailure(fs)
	if !ok && search {
		// Parts whose rows interleave failed naming no row: each one's
		// first rows run alone tell which row failed.
		for k := range fs {
			if err := s.pinFailure(ctx, ex, &fs[k]); err != nil {
				return first, all, ran, &shardLoss{fs[k].shard, err}
			}
		}
		j, ok = earliestFailure(fs)
	}
	if ok && !unknownPrecedes(unknown, fs[j]) {
		return fs[j], all, ran, nil
	}
	return refusedFailure("INSERT into a sharded table failed on several shards, and which of their errors one server would report first cannot be told (%s); the statement is undone: run it with the rows of one shard at a time to see each shard's error", append(fs, unknown...)), all, ran, nil
}

// unknownPrecedes: a part whose outcome is unknown holds a row before
// f's failing one, where one server would have stopped first.
func unknownPrecedes(unknown []partFailure, f partFailure) bool {
	_, hi := f.span()
	for _, u := range unknown {
		if len(u.rows) > 0 && slices.Min(u.rows) < hi {
			return true
		}
	}
	return false
}

// shardLoss is an error that ended the transaction's branch on shard (a
// lost connection, a deadlock), found while looking for the statement's
// first failure: the transaction is rolled back, naming shard.
type shardLoss struct {
	shard string
	err   error
}

// pinFailure finds the row where f's part, which failed naming none,
// fails: the part's first rows run alone (a savepoint before, rolled back
// to after) fail from that row on; a binary search, about log2(rows)
// runs. An error that ends the transaction, or a lost shard, is returned.
func (s *Session) pinFailure(ctx context.Context, ex *router.Exec, f *partFailure) error {
	if f.pinned || f.unknown || rowNamed([]byte(f.err.Message)) > 0 || len(f.rows) == 0 || f.shard == "" {
		return nil
	}
	if _, ok, err := ex.RowsText(f.rows[:1]); err != nil || !ok {
		return nil // its rows cannot run alone: the failure stays unpinned
	}
	c, _, err := s.connFor(ctx, f.shard)
	if err != nil {
		return shardErr(f.shard, err)
	}
	if c.Unstarted() {
		// Its branch's XA START was refused (the part's error): a
		// statement sent now would start it.
		return nil
	}
	lo, hi := 0, len(f.rows)-1 // the rows up to f.rows[hi] fail
	for lo < hi {
		mid := (lo + hi) / 2
		failed, err := s.rowsFail(ctx, c, ex, f.rows[:mid+1])
		if err != nil {
			return err
		}
		if failed {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	f.pinned, f.at = true, f.rows[lo]
	return nil
}

// rowsFail runs the split INSERT ex holding only rows on c, its part's
// shard, and undoes it: whether it failed. A failure that is no statement
// error is returned as err.
func (s *Session) rowsFail(ctx context.Context, c *backend.Conn, ex *router.Exec, rows []int) (bool, error) {
	txt, ok, err := ex.RowsText(rows)
	if err != nil || !ok {
		return false, fmt.Errorf("the rows of a split INSERT cannot be run alone: %v", err)
	}
	if _, err := c.Exec(ctx, partSavepoint); err != nil {
		return false, shardErr(c.Shard(), err)
	}
	s.track(c)
	reply, err := sendPart(ctx, c, router.Part{Shard: c.Shard(), SQL: txt}, nil)
	var srvErr *mysql.MyError
	if me, isMy := backend.ServerError(err); isMy {
		srvErr, err = me, nil
	} else if err == nil {
		_, srvErr, err = s.readOK(reply)
	}
	s.untrack(c)
	if err != nil {
		c.MarkBroken()
		return false, shardErr(c.Shard(), err)
	}
	if srvErr != nil && !statementOnly(nil, srvErr) {
		return false, srvErr
	}
	if _, err := c.Exec(ctx, partRollback); err != nil {
		return false, shardErr(c.Shard(), err)
	}
	return srvErr != nil, nil
}

// refusedFailure is the refusal (1235) of a statement whose error cannot
// be told, format naming the parts' errors.
func refusedFailure(format string, fs []partFailure) partFailure {
	return partFailure{err: toMyError(errNotSupported(format, failureList(fs)))}
}

// scanFailure tells whether fs[0] is the error of a statement whose rows each shard reads
// itself (UPDATE, DELETE, INSERT ... SELECT over n parts), where fs
// failed: one server reads them all in one scan and stops at the first
// that fails, which the shards' scans do not tell. The same error from
// every part that failed is the statement's when it names no row; a row it
// names ("at row 2") is counted in one shard's scan alone, and is the
// statement's only as row 1 of every part: one server's first row fails.
func scanFailure(fs []partFailure, n int) bool {
	if rowConstraintFailure(fs) {
		return true
	}
	for _, f := range fs {
		if !sameError(f.err, fs[0].err) {
			return false
		}
	}
	row := rowNamed([]byte(fs[0].err.Message))
	return n <= 1 || row == 0 || (row == 1 && len(fs) == n)
}

// rowConstraintFailure: every part failed with the same per-row constraint
// error (a duplicate key, a missing parent or child row, a NULL or missing
// value), which applications map to their constraint errors by code: the
// first part's is answered, though the value or row its message names may
// be another than one server's scan reaches first (README's known limits).
func rowConstraintFailure(fs []partFailure) bool {
	switch fs[0].err.Code {
	case mysql.ER_DUP_ENTRY, mysql.ER_DUP_ENTRY_WITH_KEY_NAME, mysql.ER_ROW_IS_REFERENCED_2, mysql.ER_NO_REFERENCED_ROW_2, mysql.ER_BAD_NULL_ERROR, mysql.ER_NO_DEFAULT_FOR_FIELD:
	default:
		return false
	}
	for _, f := range fs {
		if f.err.Code != fs[0].err.Code || f.err.State != fs[0].err.State {
			return false
		}
	}
	return true
}

// failureList is the parts' errors for a refusal's message.
func failureList(fs []partFailure) string {
	msgs := make([]string, len(fs))
	for j, f := range fs {
		if f.err == nil {
			msgs[j] = fmt.Sprintf("shard %s: not run to compare, its triggers' effects would repeat", f.shard)
			continue
		}
		msgs[j] = fmt.Sprintf("%d: %s", f.err.Code, f.err.Message)
	}
	return strings.Join(msgs, "; ")
}

// runCheckPart runs part p of st (a savepoint first, in an explicit
// transaction, so that undoParts undoes it) and returns its failure (err
// nil when it ran without error).
func (s *Session) runCheckPart(ctx context.Context, st *router.Statement, p router.Part, implicit bool, own func(*backend.Conn) (backend.Pending, error)) (partFailure, error) {
	c, _, err := s.connFor(ctx, p.Shard)
	if err != nil {
		return partFailure{}, err
	}
	if !implicit {
		if _, err := c.Exec(ctx, partSavepoint); err != nil {
			return partFailure{}, err
		}
	}
	if _, err := s.prepareLastID(ctx, c, st); err != nil {
		return partFailure{}, err // the part may read LAST_INSERT_ID(): c must hold the session's
	}
	// Exec sends a new branch's queued XA START first (markPart), so the
	// part never goes on an unstarted branch (c.Unstarted): a refused
	// start fails here.
	restore, err := shortLockWait(ctx, c)
	if err != nil {
		return partFailure{}, err
	}
	s.track(c)
	reply, err := sendPart(ctx, c, p, own)
	var srvErr *mysql.MyError
	var ok okInfo
	if me, isMy := backend.ServerError(err); isMy && !s.branchLost(p.Shard) {
		srvErr, err = me, nil
	} else if err == nil {
		ok, srvErr, err = s.readOK(reply)
	}
	s.untrack(c)
	if err != nil {
		c.MarkBroken()
		return partFailure{}, err
	}
	f := s.checkOutcome(ctx, c, p, ok, srvErr)
	if err := restore(ctx); err != nil {
		return partFailure{}, err // restore marked c broken
	}
	return f, nil
}

// checkOutcome is what check part p that ran on c answered: its error (a
// lock wait timeout there left unknown: the part stopped at a lock one
// server may never wait on), or the conditions it raised.
func (s *Session) checkOutcome(ctx context.Context, c *backend.Conn, p router.Part, ok okInfo, srvErr *mysql.MyError) partFailure {
	if srvErr != nil && srvErr.Code == mysql.ER_LOCK_WAIT_TIMEOUT {
		return partFailure{err: srvErr, rows: p.ValuesRows, shard: p.Shard, unknown: true}
	}
	if srvErr == nil {
		// Its conditions are the statement's where its rows come before
		// the failing one (failedInsertConditions).
		return partFailure{rows: p.ValuesRows, conds: s.partWarnings(ctx, c, ok.warnings, p.ValuesRows), shard: p.Shard}
	}
	return partFailure{err: renumberError(srvErr, p.ValuesRows), rows: p.ValuesRows, conds: s.partConditions(ctx, c, srvErr, p.ValuesRows), shard: p.Shard}
}
