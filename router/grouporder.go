package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// orderFollowsGroups tells whether one MariaDB can answer sel's ORDER BY
// in the order it groups (its groups, resolved): no ORDER BY, ORDER BY
// NULL, or the leading GROUP BY items in one direction (GROUP BY k ORDER
// BY k DESC reads the index backwards; checked on 10.11). Any other ORDER
// BY sorts the groups through a temporary table.
func orderFollowsGroups(sel *ast.SelectStmt, groups []ast.ExprNode) bool {
	if sel.OrderBy == nil {
		return true
	}
	items := sel.OrderBy.Items
	if len(items) == 1 {
		if v, ok := items[0].Expr.(ast.ValueExpr); ok && v.GetValue() == nil {
			return true // ORDER BY NULL
		}
	}
	if len(items) > len(groups) {
		return false
	}
	for i, item := range items {
		e, err := resolveOrderItem(item.Expr, sel.Fields.Fields, false, nil)
		if err != nil || !sameExpr(e, groups[i]) || item.Desc != items[0].Desc {
			return false
		}
	}
	return true
}
