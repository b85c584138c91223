package router

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Per-shard statement templates. A cached plan is bound by many sessions
// at once, so binding must not edit the plan's syntax tree (Restore and
// the tree walkers read and write it). The text a rewritten statement
// needs is instead restored once, at plan time, into a template: pieces of
// SQL text with holes where each execution writes a parameter's literal
// (Param.Literal) or fills a slot (the items of an IN list that
// go to one shard, the VALUES rows of an INSERT that go to one shard). The
// bound text is the same bytes that restoring the edited tree and binding
// its markers gave.

// sqlTemplate is SQL text with holes. The zero template is empty text.
type sqlTemplate struct {
	text  []string // the text around the holes: len(holes)+1 pieces
	holes []int    // >= 0: the order of the parameter written there; < 0: slot -1-h
	// err is why the template could not be made (the tree does not
	// restore): binding returns it, as restoring at bind time did.
	err error
}

// slotExpr marks where a template has a slot: it restores as a ? marker.
type slotExpr struct {
	*ast.FuncCallExpr
	id int
}

func newSlot(id int) *slotExpr { return &slotExpr{FuncCallExpr: &ast.FuncCallExpr{}, id: id} }

func (s *slotExpr) Restore(ctx *format.RestoreCtx) error {
	ctx.WritePlain("?")
	return nil
}

func (s *slotExpr) Accept(v ast.Visitor) (ast.Node, bool) {
	n, skip := v.Enter(s)
	if skip {
		return v.Leave(n)
	}
	return v.Leave(s)
}

// templateOf restores n into a template.
func templateOf(n ast.Node) sqlTemplate {
	var tb templateBuilder
	tb.node(n)
	return tb.done()
}

// templateBuilder appends text and holes to a template.
type templateBuilder struct {
	t   sqlTemplate
	cur strings.Builder // text since the last hole
}

// node appends n restored, with a hole at each of its markers.
func (tb *templateBuilder) node(n ast.Node) {
	if tb.t.err != nil {
		return
	}
	txt, err := restore(n)
	if err != nil {
		tb.t.err = err
		return
	}
	if nextMarker(txt, 0) < 0 {
		// Every hole restores as a marker: there are none (a statement
		// with its literals inline), and the tree need not be walked.
		tb.cur.WriteString(txt)
		return
	}
	holes := holesOf(n)
	pieces := markerPieces(txt)
	if len(pieces)-1 != len(holes) {
		tb.t.err = markerCountError(len(pieces)-1, len(holes))
		return
	}
	for i, h := range holes {
		tb.cur.WriteString(pieces[i])
		tb.hole(h)
	}
	tb.cur.WriteString(pieces[len(holes)])
}

// plain appends text.
func (tb *templateBuilder) plain(s string) { tb.cur.WriteString(s) }

func (tb *templateBuilder) hole(h int) {
	tb.t.text = append(tb.t.text, tb.cur.String())
	tb.t.holes = append(tb.t.holes, h)
	tb.cur.Reset()
}

func (tb *templateBuilder) done() sqlTemplate {
	if tb.t.err != nil {
		return sqlTemplate{err: tb.t.err}
	}
	tb.t.text = append(tb.t.text, tb.cur.String())
	return tb.t
}

// render writes the template with the parameters' literals in its
// parameter holes; fill writes slot id (nil for a template without slots).
func (t *sqlTemplate) render(b *strings.Builder, params []Param, fill func(b *strings.Builder, id int) error) error {
	if t.err != nil {
		return t.err
	}
	if t.text == nil {
		return nil
	}
	for i, h := range t.holes {
		b.WriteString(t.text[i])
		if h < 0 {
			if err := fill(b, -1-h); err != nil {
				return err
			}
			continue
		}
		if h >= len(params) {
			return fmt.Errorf("parameter %d not bound", h+1)
		}
		if err := params[h].literalError(h); err != nil {
			return err
		}
		b.WriteString(params[h].Literal)
	}
	b.WriteString(t.text[len(t.holes)])
	return nil
}

// bound renders a template without slots.
func (t *sqlTemplate) bound(params []Param) (string, error) {
	var b strings.Builder
	b.Grow(t.size(params))
	if err := t.render(&b, params, nil); err != nil {
		return "", err
	}
	return b.String(), nil
}

// size is about the length of the rendered text, to size its buffer.
func (t *sqlTemplate) size(params []Param) int {
	n := 0
	for _, s := range t.text {
		n += len(s)
	}
	for _, h := range t.holes {
		if h >= 0 && h < len(params) {
			n += len(params[h].Literal)
		}
	}
	return n
}

// holesOf lists the holes of a subtree in the order Restore writes their
// markers: parameters and slots.
func holesOf(n ast.Node) []int {
	c := &holeCollector{}
	n.Accept(c)
	return c.holes
}

type holeCollector struct{ holes []int }

func (c *holeCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *driver.ParamMarkerExpr:
		c.holes = append(c.holes, x.Order)
	case *slotExpr:
		c.holes = append(c.holes, -1-x.id)
	}
	return n, false
}

func (c *holeCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
