package proxy

import (
	"context"
	"slices"
	"strconv"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// One MariaDB that fails an INSERT at row f lists the conditions of rows 1
// to f, in row order, its error last (the Notes of rounded decimals
// before a duplicate). Split by shard, those conditions are spread over
// the parts: those that ran before the failing one (recorded as they
// ran), those run to find the first failing row (firstFailure), and the
// failing part's own. Each names its row, or takes the row of the one
// before it in its part (partRowKeys); the other parts' are kept for rows
// before f.

// keyedRow is a condition and the statement row (0-based) it is ordered by.
type keyedRow struct {
	key int
	row engine.Row
}

// partWarnings reads the n conditions a part holding valuesRows raised
// without failing, renumbered to the statement's rows.
func (s *Session) partWarnings(ctx context.Context, c *backend.Conn, n uint16, valuesRows []int) diagnostics {
	if n == 0 || valuesRows == nil {
		return diagnostics{}
	}
	res, err := c.Exec(ctx, "SHOW WARNINGS")
	if err != nil {
		return diagnostics{}
	}
	rows := valueRows(res)
	renumberRows(rows, valuesRows)
	return diagnostics{warnings: uint64(n), rows: rows}
}

// priorConditions is what the running statement recorded so far with the
// rows they are ordered by (notePartWarnings): the parts that ran before
// the failing one.
func (s *Session) priorConditions() []keyedRow {
	d := s.diag
	if d.stmt != s.diagSeq || len(d.rowKeys) != len(d.rows) {
		return nil
	}
	out := make([]keyedRow, len(d.rows))
	for i, r := range d.rows {
		out[i] = keyedRow{d.rowKeys[i], r}
	}
	return out
}

// failedInsertConditions is the statement's conditions when the split
// INSERT ex failed with first, the parts before it having raised prior and
// those run to compare others; first's failing row is found (pinFailure)
// where conditions of other parts could come before or after it.
// An error that ends the transaction (pinFailure) is returned as lost.
func (s *Session) failedInsertConditions(ctx context.Context, ex *router.Exec, first partFailure, others []partFailure, prior []keyedRow, pin bool) (diagnostics, *shardLoss) {
	var rest []keyedRow
	rest = append(rest, prior...)
	for _, o := range others {
		// A part that failed later: what it raised from its error on is
		// its failing row's, after the statement's.
		rows := o.conds.rows[:errorAt(o.conds.rows)]
		keys := partRowKeys(rows, o.rows)
		for i, r := range rows {
			rest = append(rest, keyedRow{keys[i], r})
		}
	}
	lo, hi := first.span()
	if pin && lo != hi && slices.ContainsFunc(rest, func(k keyedRow) bool { return k.key >= lo }) {
		if err := s.pinFailure(ctx, ex, &first); err != nil {
			return diagnostics{}, &shardLoss{first.shard, err}
		}
		if first.pinned {
			lo = first.at
		}
	}
	at := lo // the failing row, or where it can be first
	var list []keyedRow
	for _, k := range rest {
		if k.key < at {
			list = append(list, k)
		}
	}
	own := first.conds.rows
	if len(own) == 0 {
		own = []engine.Row{{[]byte("Error"), []byte(strconv.Itoa(int(first.err.Code))), []byte(first.err.Message)}}
	}
	keys := partRowKeys(own, first.rows)
	for i := errorAt(own); i < len(keys); i++ {
		keys[i] = max(at, keys[i]) // the failing row's: last
	}
	for i, r := range own {
		list = append(list, keyedRow{keys[i], r})
	}
	slices.SortStableFunc(list, func(a, b keyedRow) int { return a.key - b.key })
	d := diagnostics{warnings: uint64(len(list))}
	for _, k := range list {
		d.rows = append(d.rows, k.row)
	}
	d.errors = countErrors(d.rows)
	if limit := s.maxErrorCount(); uint64(len(d.rows)) > limit {
		d.rows = d.rows[:limit]
	}
	return d, nil
}

// errorAt is the index of the first Error among rows (len(rows) if none).
func errorAt(rows []engine.Row) int {
	for i, r := range rows {
		if len(r) > 0 && string(r[0]) == "Error" {
			return i
		}
	}
	return len(rows)
}
