package proxy

import (
	"bytes"
	"context"
	"slices"

	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
)

// A merged read whose every warning is a constant the statement converts
// once (router.Merge.OnceWarnings: n > 'x' on an INT column) lists each
// constant once, as one MariaDB does, where the shards each list it. The
// shards' lists are read before the final EOF, whose warning count must
// be the list's: SHOW WARNINGS clears nothing, so when they cannot be put
// together the usual reading (noteWarnings) still finds them.

// onceShardConditions reads the warnings of the shards that raised some
// and puts them together (onceConditions); ok is false where that is not
// exact or nothing needs it (fewer than two shards raised any), and the
// shards' lists are then recorded as for any merge.
func (s *Session) onceShardConditions(ctx context.Context, conns []*backend.Conn, inputs []engine.Rows) ([]engine.Row, bool) {
	raised := 0
	for _, in := range inputs {
		if r, ok := in.(*shardRows); ok && r.warnings > 0 {
			raised++
		}
	}
	if raised < 2 {
		return nil, false // one shard's list is the statement's: read as usual
	}
	var lists [][]engine.Row
	for i, in := range inputs {
		r, ok := in.(*shardRows)
		if !ok || r.warnings == 0 {
			continue
		}
		if conns[i].Broken() {
			return nil, false
		}
		res, err := conns[i].Exec(ctx, "SHOW WARNINGS")
		if err != nil {
			return nil, false
		}
		rows := valueRows(res)
		if len(rows) != int(r.warnings) {
			return nil, false // past max_error_count: not all listed
		}
		lists = append(lists, rows)
	}
	return onceConditions(lists)
}

// onceConditions is one server's list from the shards': each shard lists
// the constants its rows needed, in the order its rows needed them, and
// one server those any row needs. That order is known when every list is
// the start of the longest: it is then the longest. Otherwise (rows of
// two shards needed two constants in opposite orders) which row came
// first decides it, and ok is false.
func onceConditions(lists [][]engine.Row) ([]engine.Row, bool) {
	longest := slices.MaxFunc(lists, func(a, b []engine.Row) int { return len(a) - len(b) })
	for _, l := range lists {
		if !slices.EqualFunc(l, longest[:len(l)], sameCondition) {
			return nil, false
		}
	}
	return longest, true
}

// sameCondition: the same Level, Code and Message.
func sameCondition(a, b engine.Row) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

// onceParts gathers the warnings of the parts of a write whose every
// warning is a constant converted once (router.Exec.OnceWarnings), to be
// recorded together when every part has run.
type onceParts struct {
	lists  [][]engine.Row
	counts []uint16 // as each part's OK packet counted them
}

// read reads the n warnings the part that just ran on c left there.
func (o *onceParts) read(ctx context.Context, c *backend.Conn, n uint16) {
	if n == 0 {
		return
	}
	var rows []engine.Row
	if res, err := c.Exec(ctx, "SHOW WARNINGS"); err == nil {
		rows = valueRows(res)
	}
	o.lists = append(o.lists, rows)
	o.counts = append(o.counts, n)
}

// noteOnceParts records the parts' warnings, put together (onceConditions)
// when together is set and that is exact, else as each part listed them,
// and returns how many the statement raised.
func (s *Session) noteOnceParts(o onceParts, together bool) uint64 {
	whole := true // every part's list read whole
	for i, l := range o.lists {
		whole = whole && len(l) == int(o.counts[i])
	}
	if together && whole && len(o.lists) > 1 {
		if rows, ok := onceConditions(o.lists); ok {
			s.addConditions(uint64(len(rows)), countErrors(rows), rows)
			return uint64(len(rows))
		}
	}
	var n uint64
	for i, rows := range o.lists {
		s.addConditions(uint64(o.counts[i]), countErrors(rows), rows)
		n += uint64(o.counts[i])
	}
	return n
}
