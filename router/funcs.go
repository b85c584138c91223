package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// FuncRef names a function a statement calls: a builtin, or a stored
// function, which only the catalog can tell (proxy/pin.go).
type FuncRef struct {
	Schema string // as written, "" when unqualified
	Name   string
}

// calledFuncs lists the functions n calls, each once.
func calledFuncs(n ast.Node) []FuncRef {
	var c funcCollector
	n.Accept(&c)
	return c.funcs
}

type funcCollector struct{ funcs []FuncRef }

func (c *funcCollector) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*ast.FuncCallExpr); ok {
		f := FuncRef{Schema: x.Schema.O, Name: x.FnName.O}
		for _, g := range c.funcs {
			if g == f {
				return n, false
			}
		}
		c.funcs = append(c.funcs, f)
	}
	return n, false
}

func (c *funcCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
