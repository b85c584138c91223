package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// ParamsOutsideWhere tells whether a statement has ? markers in the
// select list, GROUP BY, HAVING, ORDER BY or WINDOW of any of its SELECTs
// (or the ORDER BY of a UNION). Written into the text as a literal, such a
// marker is not what MariaDB binds: its column definition is the
// literal's (an INT of length 1 for 7, where a bound integer is a
// BIGINT of length 21), and ORDER BY 1 sorts where ORDER BY ? does not.
func ParamsOutsideWhere(n ast.Node) bool {
	c := &outsideWhereParams{}
	n.Accept(c)
	return c.found
}

type outsideWhereParams struct{ found bool }

func (c *outsideWhereParams) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.SelectStmt:
		c.found = c.found || hasParamsIn(x.Fields) || hasParamsIn(x.GroupBy) || hasParamsIn(x.Having) || hasParamsIn(x.OrderBy)
		for _, w := range x.WindowSpecs {
			c.found = c.found || HasParams(&w)
		}
	case *ast.SetOprStmt:
		c.found = c.found || hasParamsIn(x.OrderBy)
	}
	return n, c.found
}

func (c *outsideWhereParams) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// hasParamsIn is HasParams of a clause that may be absent.
func hasParamsIn[T interface {
	ast.Node
	comparable
}](n T) bool {
	var none T
	return n != none && HasParams(n)
}
