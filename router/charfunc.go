package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// charFuncExpr is CHAR(n, ... [USING charset]), which the TiDB parser
// reads as its internal char_func(n, ..., charset or NULL) and restores
// under that name: a shard running the router's text of a statement over
// several shards answered 1305 (FUNCTION char_func does not exist).
type charFuncExpr struct {
	*ast.FuncCallExpr
}

// Restore writes MariaDB's CHAR(...), with USING when a charset is named.
func (c *charFuncExpr) Restore(ctx *format.RestoreCtx) error {
	ctx.WriteKeyWord("CHAR")
	ctx.WritePlain("(")
	n := len(c.Args) - 1
	for i, a := range c.Args[:n] {
		if i > 0 {
			ctx.WritePlain(", ")
		}
		if err := a.Restore(ctx); err != nil {
			return err
		}
	}
	if v, ok := c.Args[n].(*driver.ValueExpr); ok && v.GetValue() != nil {
		ctx.WriteKeyWord(" USING ")
		ctx.WritePlain(v.GetString())
	}
	ctx.WritePlain(")")
	return nil
}

// Accept visits the arguments, keeping the node what it is.
func (c *charFuncExpr) Accept(v ast.Visitor) (ast.Node, bool) {
	n, skip := v.Enter(c)
	if skip {
		return v.Leave(n)
	}
	for i, a := range c.Args {
		node, ok := a.Accept(v)
		if !ok {
			return c, false
		}
		c.Args[i] = node.(ast.ExprNode)
	}
	return v.Leave(c)
}

// charFuncs puts a charFuncExpr in place of each CHAR() of a tree.
type charFuncs struct{}

func (charFuncs) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (charFuncs) Leave(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok && f.FnName.L == ast.CharFunc && len(f.Args) > 0 {
		return &charFuncExpr{FuncCallExpr: f}, true
	}
	return n, true
}
