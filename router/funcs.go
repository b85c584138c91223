package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

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
	switch x := n.(type) {
	case *ast.FuncCallExpr:
		c.add(FuncRef{Schema: x.Schema.O, Name: x.FnName.O})
	case *ast.AggregateFuncExpr:
		// TiDB's own aggregates, which MariaDB does not have: there the
		// name calls a stored (aggregate) function.
		if strings.EqualFold(x.F, ast.AggFuncApproxCountDistinct) || strings.EqualFold(x.F, ast.AggFuncApproxPercentile) {
			c.add(FuncRef{Name: x.F})
		}
	}
	return n, false
}

func (c *funcCollector) add(f FuncRef) {
	for _, g := range c.funcs {
		if g == f {
			return
		}
	}
	c.funcs = append(c.funcs, f)
}

func (c *funcCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }
