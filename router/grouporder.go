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
// Where they follow the primary key (groupsFollowKey), that is the key's
// order, the groups' own (am.GroupOrder). Grouped by expressions, which
// no index holds, it is the order of its temporary table, where each
// group comes as its first row is read: in the primary key's order, the
// merge's representative (the last of am.Aggs), only where the table has
// no other index (keyOrdered). Another index may be read instead, for a
// WHERE range or as a covering scan (GROUP BY n % 3 over KEY(n): "Using
// index; Using temporary", the groups in n's order), and by other
// columns an index may hold them: refused.
func (m *selectMerge) unorderedGroups(am *AggMerge, groups []ast.ExprNode, repKey string) error {
	if !isOrderByNull(m.sel) || len(groups) == 0 || groupsFollowKey(m.sel, groups, repKey, m.keyOrdered) {
		return nil
	}
	hasColumn := false
	for _, g := range groups {
		if _, ok := unparen(g).(*ast.ColumnNameExpr); ok {
			hasColumn = true
		}
	}
	last := len(am.Aggs) - 1
	if hasColumn || repKey == "" || !m.keyOrdered || last < 0 || !am.Aggs[last].Rep {
		return errUnorderedGroups()
	}
	am.GroupOrder = []OrderKey{{Col: am.Groups + last, Scan: true}}
	return nil
}

// shardGroupsUnordered refuses a GROUP BY ... ORDER BY NULL whose groups
// each live on one shard (planPlain merges them by the GROUP BY list)
// unless one MariaDB makes them in that order too (groupsFollowKey): by
// the shard key alone it makes them in the order of the index its plan
// reads, or of the first rows read where none holds the key.
func (m *selectMerge) shardGroupsUnordered(repKey string) error {
	if !isOrderByNull(m.sel) || m.sel.GroupBy == nil {
		return nil
	}
	groups := make([]ast.ExprNode, len(m.sel.GroupBy.Items))
	for i, item := range m.sel.GroupBy.Items {
		if item.Desc {
			return errUnorderedGroups()
		}
		groups[i] = item.Expr
	}
	if !groupsFollowKey(m.sel, groups, repKey, m.keyOrdered) {
		return errUnorderedGroups()
	}
	return nil
}

// groupsFollowKey tells whether one MariaDB makes the groups of groups
// in the order of the primary key, repKey: grouped by it first, and
// either by it alone without a WHERE (it reads the key's index, "Using
// index", checked on 10.11) or the table has no other index (keyOrdered)
// that a WHERE range or a covering scan could read instead.
func groupsFollowKey(sel *ast.SelectStmt, groups []ast.ExprNode, repKey string, keyOrdered bool) bool {
	if repKey == "" || len(groups) == 0 {
		return false
	}
	c, ok := unparen(groups[0]).(*ast.ColumnNameExpr)
	if !ok || !strings.EqualFold(c.Name.Name.O, repKey) {
		return false
	}
	return keyOrdered || len(groups) == 1 && sel.Where == nil
}

// errUnorderedGroups is the refusal of a GROUP BY ... ORDER BY NULL whose groups'
// order the merge cannot tell.
func errUnorderedGroups() error {
	return errUnsupported("GROUP BY ... ORDER BY NULL over several shards is not supported here: one MariaDB returns the groups unsorted, in the order of the index its plan reads, which the merge cannot tell; ORDER BY the GROUP BY columns, or leave out ORDER BY NULL (the groups then come sorted by the GROUP BY)")
}
