package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// internalFuncExpr is a function the TiDB parser reads under an internal
// name and restores under it: CHAR(n, ... [USING charset]) as
// char_func(n, ..., charset or NULL), INSERT(s, pos, len, new) as
// insert_func(...). A shard running the router's text of a statement over
// several shards answered 1305 (FUNCTION shop.CHAR_FUNC does not exist).
type internalFuncExpr struct {
	*ast.FuncCallExpr
}

// Restore writes MariaDB's CHAR(...), with USING when a charset is named,
// or INSERT(...).
func (c *internalFuncExpr) Restore(ctx *format.RestoreCtx) error {
	args := c.Args
	if c.FnName.L == ast.InsertFunc {
		ctx.WriteKeyWord("INSERT")
	} else {
		ctx.WriteKeyWord("CHAR")
		args = args[:len(args)-1] // the charset
	}
	ctx.WritePlain("(")
	for i, a := range args {
		if i > 0 {
			ctx.WritePlain(", ")
		}
		if err := a.Restore(ctx); err != nil {
			return err
		}
	}
	if v, ok := c.Args[len(c.Args)-1].(*driver.ValueExpr); ok && c.FnName.L == ast.CharFunc && v.GetValue() != nil {
		ctx.WriteKeyWord(" USING ")
		ctx.WritePlain(v.GetString())
	}
	ctx.WritePlain(")")
	return nil
}

// Accept visits the arguments, keeping the node what it is.
func (c *internalFuncExpr) Accept(v ast.Visitor) (ast.Node, bool) {
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

// internalFuncs puts an internalFuncExpr in place of each such function
// of a tree.
type internalFuncs struct{}

func (internalFuncs) Enter(n ast.Node) (ast.Node, bool) { return n, false }

func (internalFuncs) Leave(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.FuncCallExpr); ok && len(f.Args) > 0 && (f.FnName.L == ast.CharFunc || f.FnName.L == ast.InsertFunc) {
		return &internalFuncExpr{FuncCallExpr: f}, true
	}
	return n, true
}
