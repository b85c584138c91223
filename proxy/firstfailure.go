package proxy

import (
	"context"
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

// firstFailure runs the parts after the failed part i that hold an earlier
// row than its failing one (every part when the statement is not a split
// INSERT: none) and returns the statement's error, the later parts that
// ran (for undoParts), or the error that ends the transaction (a lost
// shard, a deadlock) with lost set.
func (s *Session) firstFailure(ctx context.Context, parts []router.Part, i int, failed *mysql.MyError, implicit bool) (me *mysql.MyError, ran []router.Part, lost error) {
	fs := []partFailure{{failed, parts[i].ValuesRows}}
	_, hi := fs[0].span()
	for _, p := range parts[i+1:] {
		if !mayPrecede(p, hi) {
			continue
		}
		srvErr, err := s.runCheckPart(ctx, p, implicit)
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
	if me, ok := earliestFailure(fs); ok {
		return me, ran, nil
	}
	msgs := make([]string, len(fs))
	for j, f := range fs {
		msgs[j] = f.err.Message
	}
	return toMyError(errNotSupported("INSERT into a sharded table failed on several shards, and which of their errors one server would report first cannot be told (%s); the statement is undone: run it with the rows of one shard at a time to see each shard's error", strings.Join(msgs, "; "))), ran, nil
}

// runCheckPart runs part p (a savepoint first, in an explicit transaction,
// so that undoParts undoes it) and returns its server error.
func (s *Session) runCheckPart(ctx context.Context, p router.Part, implicit bool) (*mysql.MyError, error) {
	c, _, err := s.connFor(ctx, p.Shard)
	if err != nil {
		return nil, err
	}
	if !implicit {
		if _, err := c.Exec(ctx, partSavepoint); err != nil {
			return nil, err
		}
	}
	s.track(c)
	defer s.untrack(c)
	reply, err := sendPart(ctx, c, p, nil)
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
