package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

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

// orderedBy tells whether sel has an ORDER BY that orders (not NULL).
func orderedBy(sel *ast.SelectStmt) bool {
	return sel.OrderBy != nil && !isOrderByNull(sel)
}

// isOrderByNull tells whether sel's ORDER BY is NULL alone.
func isOrderByNull(sel *ast.SelectStmt) bool {
	if sel.OrderBy == nil || len(sel.OrderBy.Items) != 1 {
		return false
	}
	v, ok := sel.OrderBy.Items[0].Expr.(ast.ValueExpr)
	return ok && v.GetValue() == nil
}

// unorderedGroups orders the groups of a GROUP BY ... ORDER BY NULL as
// one MariaDB returns them: unsorted, in the order its plan makes them.
// Grouped by the primary key, that is the key's order, the groups' own
// (am.GroupOrder). Grouped by expressions, which no index holds, it is
// the order of its temporary table, where each group comes as its first
// row is read: on a scan, that of the lowest primary key, the merge's
// representative (the last of am.Aggs). By other columns it depends on
// whether an index holds them, which the catalog does not tell: refused.
func (m *selectMerge) unorderedGroups(am *AggMerge, groups []ast.ExprNode, repKey string) error {
	if !isOrderByNull(m.sel) || len(groups) == 0 {
		return nil
	}
	if c, ok := unparen(groups[0]).(*ast.ColumnNameExpr); ok && repKey != "" && strings.EqualFold(c.Name.Name.O, repKey) {
		return nil
	}
	hasColumn := false
	for _, g := range groups {
		if _, ok := unparen(g).(*ast.ColumnNameExpr); ok {
			hasColumn = true
		}
	}
	last := len(am.Aggs) - 1
	if hasColumn || repKey == "" || last < 0 || !am.Aggs[last].Rep {
		return errUnsupported("GROUP BY ... ORDER BY NULL over several shards is not supported: one MariaDB returns the groups unsorted, in the order its plan makes them, which the merge cannot tell; leave out ORDER BY NULL (the groups then come sorted by the GROUP BY)")
	}
	am.GroupOrder = []OrderKey{{Col: am.Groups + last, Scan: true}}
	return nil
}
