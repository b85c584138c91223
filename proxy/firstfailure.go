package proxy

import (
	"context"
	"fmt"
	"slices"
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
// ("at row 3"), or else one of the part's rows. When that cannot be told
// (two parts whose rows interleave fail with errors naming no row), the
// statement is refused rather than answered with another row's error.
//
// A statement whose rows each shard reads itself (UPDATE, DELETE, INSERT
// ... SELECT) stops on one server at the first row of its scan that fails,
// which the shards' scans do not tell: its error is answered only when
// every part that fails gives the same one, naming no row.

// failWrite ends a write over several shards whose part i failed on c:
// with err, a lost connection, the whole transaction is rolled back; with
// srvErr, once the parts that may fail first ran too (firstFailure), the
// statement's error is answered and only the statement undone where that
// can be (abortMultiShard otherwise).
func (s *Session) failWrite(ctx context.Context, st *router.Statement, ex *router.Exec, i int, implicit bool, c *backend.Conn, err error, srvErr *mysql.MyError, own func(*backend.Conn) (backend.Pending, error)) error {
	shard := ex.Parts[i].Shard
	cause := error(srvErr)
	if err != nil {
		cause = shardErr(shard, err)
		if c != nil {
			c.MarkBroken()
		}
	}
	undo := ex.Parts[:i:i]
	if statementOnly(err, srvErr) && !ex.Copies {
		var ran []router.Part
		var lost error
		srvErr, ran, lost = s.firstFailure(ctx, st, ex.Parts, i, srvErr, implicit, own)
		if lost != nil {
			return s.abortMultiShard(ctx, implicit, shard, lost)
		}
		cause, undo = srvErr, append(undo, ran...)
	}
	if !implicit && statementOnly(err, srvErr) && s.undoParts(ctx, undo) == nil {
		return s.writeErr(srvErr)
	}
	return s.abortMultiShard(ctx, implicit, shard, cause)
}

// partFailure is a part's error (its row renumbered to the statement's)
// and the statement rows the part holds, 0-based (router.Part.ValuesRows).
type partFailure struct {
	err  *mysql.MyError
	rows []int
}

// span is the statement rows, 0-based, where the part's failing row can
// be: the one its message names, or any of the part's.
func (f partFailure) span() (lo, hi int) {
	if n := rowNamed([]byte(f.err.Message)); n > 0 {
		return n - 1, n - 1
	}
	if len(f.rows) == 0 {
		return 0, 0
	}
	return slices.Min(f.rows), slices.Max(f.rows)
}

// earliestFailure is the error of the statement's first failing row among
// fs; false when which one comes first cannot be told.
func earliestFailure(fs []partFailure) (*mysql.MyError, bool) {
	best, bestLo := 0, -1
	for i, f := range fs {
		if lo, _ := f.span(); bestLo < 0 || lo < bestLo {
			best, bestLo = i, lo
		}
	}
	_, hi := fs[best].span()
	for i, f := range fs {
		if lo, _ := f.span(); i != best && lo <= hi && !sameError(f.err, fs[best].err) {
			return nil, false
		}
	}
	return fs[best].err, true
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
// else every one) and returns the statement's error, the later parts that
// ran (for undoParts), or the error that ends the transaction (a lost
// shard, a deadlock) as lost.
func (s *Session) firstFailure(ctx context.Context, st *router.Statement, parts []router.Part, i int, failed *mysql.MyError, implicit bool, own func(*backend.Conn) (backend.Pending, error)) (me *mysql.MyError, ran []router.Part, lost error) {
	split := parts[i].ValuesRows != nil
	fs := []partFailure{{failed, parts[i].ValuesRows}}
	_, hi := fs[0].span()
	for _, p := range parts[i+1:] {
		if split && !mayPrecede(p, hi) {
			continue
		}
		srvErr, err := s.runCheckPart(ctx, st, p, implicit, own)
		if err != nil {
			return nil, ran, shardErr(p.Shard, err)
		}
		ran = append(ran, p)
		if srvErr == nil {
			continue
		}
		if !statementOnly(nil, srvErr) {
			return nil, ran, srvErr
		}
		fs = append(fs, partFailure{renumberError(srvErr, p.ValuesRows), p.ValuesRows})
	}
	if split {
		if me, ok := earliestFailure(fs); ok {
			return me, ran, nil
		}
		return toMyError(errNotSupported("INSERT into a sharded table failed on several shards, and which of their errors one server would report first cannot be told (%s); the statement is undone: run it with the rows of one shard at a time to see each shard's error", failureList(fs))), ran, nil
	}
	if me, ok := scanFailure(fs, len(parts)); ok {
		return me, ran, nil
	}
	return toMyError(errNotSupported("the statement over several shards failed (%s), and which error one server would report cannot be told from theirs: it stops at the first row of its scan that fails, and counts rows over the whole statement; the statement is undone: run it on one shard at a time (a WHERE on the shard key) to see each shard's error", failureList(fs))), ran, nil
}

// scanFailure is the error of a statement whose rows each shard reads
// itself (UPDATE, DELETE, INSERT ... SELECT over n parts), where fs
// failed: one server reads them all in one scan and stops at the first
// that fails, which the shards' scans do not tell. The same error from
// every part that failed is the statement's when it names no row; a row it
// names ("at row 2") is counted in one shard's scan alone, and is the
// statement's only as row 1 of every part: one server's first row fails.
func scanFailure(fs []partFailure, n int) (*mysql.MyError, bool) {
	for _, f := range fs {
		if !sameError(f.err, fs[0].err) {
			return nil, false
		}
	}
	if row := rowNamed([]byte(fs[0].err.Message)); n > 1 && row > 0 && (row > 1 || len(fs) < n) {
		return nil, false
	}
	return fs[0].err, true
}

// failureList is the parts' errors for a refusal's message.
func failureList(fs []partFailure) string {
	msgs := make([]string, len(fs))
	for j, f := range fs {
		msgs[j] = fmt.Sprintf("%d: %s", f.err.Code, f.err.Message)
	}
	return strings.Join(msgs, "; ")
}

// runCheckPart runs part p of st (a savepoint first, in an explicit
// transaction, so that undoParts undoes it) and returns its server error.
func (s *Session) runCheckPart(ctx context.Context, st *router.Statement, p router.Part, implicit bool, own func(*backend.Conn) (backend.Pending, error)) (*mysql.MyError, error) {
	c, _, err := s.connFor(ctx, p.Shard)
	if err != nil {
		return nil, err
	}
	if !implicit {
		if _, err := c.Exec(ctx, partSavepoint); err != nil {
			return nil, err
		}
	}
	if _, err := s.prepareLastID(ctx, c, st); err != nil {
		return nil, err // the part may read LAST_INSERT_ID(): c must hold the session's
	}
	s.track(c)
	defer s.untrack(c)
	reply, err := sendPart(ctx, c, p, own)
	if me, isMy := backend.ServerError(err); isMy && !s.branchLost(p.Shard) {
		return me, nil
	}
	if err != nil {
		c.MarkBroken()
		return nil, err
	}
	_, srvErr, err := s.readOK(reply)
	return srvErr, err
}
