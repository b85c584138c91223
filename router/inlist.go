package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// inListText is the template of text holding the IN list on the shard key
// that alone picks the shards (shardsFor's inSplit): its items are slot 0,
// so that each shard's text keeps only the items it holds. A SELECT over
// several shards renders its WHERE with it, an UPDATE or DELETE its whole
// statement: a shard given keys it does not hold reads and locks more rows
// than one server would (InnoDB may scan where no row has them).
type inListText struct {
	text  sqlTemplate
	items []sqlTemplate // the IN list's items; nil when no list is a slot
}

// inListNode appends n restored to tb, the items of conds' IN list as
// slot 0 when that list alone restricts the key, and returns the items'
// templates (nil for none). The plan is not shared yet: the tree may be
// edited, and is put back.
func (tb *templateBuilder) inListNode(n ast.Node, conds []keyCond) []sqlTemplate {
	if len(conds) != 1 || conds[0].in == nil {
		tb.node(n)
		return nil
	}
	in := conds[0].in
	items := in.List
	in.List = []ast.ExprNode{newSlot(0)}
	tb.node(n)
	in.List = items
	out := make([]sqlTemplate, len(items))
	for i, x := range items {
		out[i] = templateOf(x)
	}
	return out
}

// render writes the text for shard: the IN list keeps the items split
// gives it (all of them for a nil split), and parameters become literals.
func (t *inListText) render(b *strings.Builder, shard string, split *inSplit, params []Param) error {
	return t.text.render(b, params, func(b *strings.Builder, _ int) error {
		if split == nil {
			for i := range t.items {
				if err := t.writeItem(b, i, i, params); err != nil {
					return err
				}
			}
			return nil
		}
		for i, idx := range split.items[shard] {
			if err := t.writeItem(b, i, idx, params); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeItem writes item idx of the IN list as the list's i-th.
func (t *inListText) writeItem(b *strings.Builder, i, idx int, params []Param) error {
	if i > 0 {
		b.WriteByte(',')
	}
	return t.items[idx].render(b, params, nil)
}

// bound is the text rendered for shard.
func (t *inListText) bound(shard string, split *inSplit, params []Param) (string, error) {
	var b strings.Builder
	b.Grow(t.text.size(params))
	if err := t.render(&b, shard, split, params); err != nil {
		return "", err
	}
	return b.String(), nil
}
