package proxy

import (
	"io"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
)

// One MariaDB fails a read at the first row it evaluates that fails
// ("BIGINT value is out of range in 'v * 9223372036854775807 * 10'" for
// row 1 where row 2 overflows sooner, in 'v * 9223372036854775807'). A
// read merged from several shards met the shards' errors in the order the
// merge pulled rows, which is not that row's. When a shard's answer ends
// with an error, every other shard's answer is read to its end: the error
// that each failing shard gave alike is the statement's; different ones
// refuse the read (1235), as which one comes first is not known.

// readErrors is a merged read's rows, whose shard errors mergedReadError
// settles.
type readErrors struct {
	engine.Rows
	inputs []engine.Rows
}

func (r *readErrors) Next() (engine.Row, error) {
	row, err := r.Rows.Next()
	if err == nil || err == io.EOF {
		return row, err
	}
	return nil, mergedReadError(err, r.inputs)
}

// mergedReadError is the error of a merged read one of whose shards failed
// with err: inputs are read to their ends and their errors compared.
func mergedReadError(err error, inputs []engine.Rows) error {
	first, isMy := mysqlErr(err)
	if !isMy {
		return err // a lost shard, or the merge's own error
	}
	var errs []*mysql.MyError
	for _, in := range inputs {
		sr, ok := in.(*shardRows)
		if !ok {
			continue
		}
		sr.Close()
		if sr.err == nil {
			continue
		}
		me, isMy := mysqlErr(sr.err)
		if !isMy {
			return sr.err
		}
		errs = append(errs, me)
	}
	for _, me := range errs {
		if !sameError(me, first) {
			fs := make([]partFailure, len(errs))
			for i, e := range errs {
				fs[i] = partFailure{err: e}
			}
			return errNotSupported("the read over several shards failed (%s), and which error one server would report cannot be told from theirs: it stops at the first row that fails in the order it reads them; run it on one shard at a time (a WHERE on the shard key) to see each shard's error", failureList(fs))
		}
	}
	return err
}

// openError is the error of a merged read whose shards' answers failed
// before their first row (openErrs, firstErr the first of them or of a
// lost shard) or later (inputs, read to their ends by now).
func openError(firstErr error, openErrs []error, inputs []engine.Rows) error {
	if len(openErrs) == 0 || firstErr != openErrs[0] {
		return firstErr
	}
	for _, e := range openErrs[1:] {
		inputs = append(inputs, &shardRows{done: true, err: e})
	}
	return mergedReadError(firstErr, inputs)
}
