package engine

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// GroupConcat says how an AggGroupConcat merges the shards' pieces. The
// shards group finer, by the function's arguments too, and each sends per
// finer group the function of its rows: its piece, one value repeated as
// often as it occurs (once under DISTINCT). The merge orders the pieces by
// the arguments and joins them with the separator. Only forms whose order
// the arguments decide are merged (router/groupconcat.go): rows that tie
// then hold equal values.
type GroupConcat struct {
	// Keys are the input columns of the arguments in the order the
	// function sorts by, Desc their directions.
	Keys []int
	Desc []bool
	Sep  string
	// MaxLenCol is the input column holding the session's
	// @@group_concat_max_len, where MariaDB cuts the value with a warning
	// (1260): a merged value that reaches it is refused, as the cut
	// cannot be told apart from the shards' own.
	MaxLenCol int
}

// gcPiece is one shard's piece of a group, with its sort keys.
type gcPiece struct {
	keys  Row
	piece []byte
}

// checkGroupConcat validates g's columns against the input's.
func checkGroupConcat(g Agg, inCols []*mysql.Field) error {
	c := g.Concat
	if c == nil || len(c.Keys) == 0 || len(c.Keys) != len(c.Desc) {
		return fmt.Errorf("engine: GROUP_CONCAT without its sort keys")
	}
	for _, k := range append([]int{c.MaxLenCol}, c.Keys...) {
		if k < 0 || k >= len(inCols) {
			return fmt.Errorf("engine: GROUP_CONCAT column %d out of range (%d columns)", k, len(inCols))
		}
	}
	return nil
}

// addPiece records a shard's piece; a NULL piece (every row had a NULL
// argument) adds nothing, as MariaDB skips such rows.
func (sp *aggSpec) addPiece(acc *aggAcc, r Row) error {
	v, err := cell(r, sp.Col)
	if err != nil || v == nil {
		return err
	}
	c := sp.Concat
	p := gcPiece{piece: v, keys: make(Row, len(c.Keys))}
	for i, k := range c.Keys {
		if p.keys[i], err = cell(r, k); err != nil {
			return err
		}
	}
	if acc.maxLen == 0 {
		m, err := cell(r, c.MaxLenCol)
		if err != nil {
			return err
		}
		if acc.maxLen, err = strconv.ParseUint(string(m), 10, 64); err != nil {
			return fmt.Errorf("engine: bad @@group_concat_max_len %q", m)
		}
	}
	acc.pieces = append(acc.pieces, p)
	acc.has = true
	return nil
}

// concatResult joins a group's pieces in order of their keys.
func (sp *aggSpec) concatResult(acc *aggAcc) ([]byte, error) {
	if !acc.has {
		return nil, nil
	}
	c := sp.Concat
	cmp := func(a, b gcPiece) int {
		for i := range c.Keys {
			if d := compareValues(sp.concatKinds[i], a.keys[i], b.keys[i]); d != 0 {
				if c.Desc[i] {
					return -d
				}
				return d
			}
		}
		return 0
	}
	slices.SortStableFunc(acc.pieces, cmp)
	out := []byte{}
	for i, p := range acc.pieces {
		if sp.Distinct && i > 0 && cmp(acc.pieces[i-1], p) == 0 {
			continue // another shard's copy of a value already kept
		}
		if i > 0 {
			out = append(out, c.Sep...)
		}
		out = append(out, p.piece...)
		if uint64(len(out)) >= acc.maxLen {
			return nil, mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf(
				"GROUP_CONCAT over several shards reaches @@group_concat_max_len (%d bytes), where MariaDB cuts it with a warning, which the merge cannot reproduce; raise group_concat_max_len, or restrict the shard key to one shard", acc.maxLen))
		}
	}
	acc.pieces = nil
	return out, nil
}
