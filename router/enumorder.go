package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/xaproxy/xaproxy/engine"
)

// MariaDB orders an ENUM column by the positions of its values in the
// definition and a SET column by its bits, not by their text; the merge
// compares the text. Where a sort key of a merge over several shards is
// such a column, the shards send col + 0 (the position, the bits: no
// warning) to sort by instead (checked on 10.11: ORDER BY e, GROUP BY e).

// enumColumn tells, from the catalog, whether a column of the statement's
// tables is an ENUM or SET.
func (r *Router) enumColumn(from []tableInfo) func(*ast.ColumnName) bool {
	return func(name *ast.ColumnName) bool {
		typ, ok := r.columnType(from, name)
		return ok && (strings.HasPrefix(typ, "enum(") || strings.HasPrefix(typ, "set("))
	}
}

// isEnum tells whether e is an ENUM or SET column.
func (m *selectMerge) isEnum(e ast.ExprNode) bool {
	c, ok := unparen(e).(*ast.ColumnNameExpr)
	return ok && m.enumCol != nil && m.enumCol(c.Name)
}

// orderKey is the text a shard sorts e by: e + 0 for an ENUM or SET.
func (m *selectMerge) orderKey(e ast.ExprNode) (string, error) {
	txt, err := restore(e)
	if err != nil || !m.isEnum(e) {
		return txt, err
	}
	return "(" + txt + ")+0", nil
}

// enumGroupOrder gives each group that is an ENUM or SET column a
// MIN(col + 0) to sort its groups by (one value per group).
func (m *selectMerge) enumGroupOrder(a *aggBuilder) error {
	for i, g := range a.groups {
		if !m.isEnum(g) {
			continue
		}
		pos := &ast.BinaryOperationExpr{Op: opcode.Plus, L: &ast.ParenthesesExpr{Expr: g}, R: ast.NewValueExpr(0, "", "")}
		f := &ast.AggregateFuncExpr{F: ast.AggFuncMin, Args: []ast.ExprNode{pos}}
		if err := a.collect(f); err != nil {
			return err
		}
		if a.enumOrder == nil {
			a.enumOrder = map[int]*ast.AggregateFuncExpr{}
		}
		a.enumOrder[i] = f
	}
	return nil
}

// orderCol is the column of the aggregated rows that group i sorts by.
func (a *aggBuilder) orderCol(i int) int {
	if f, ok := a.enumOrder[i]; ok {
		return len(a.groups) + a.aggIndex(f)
	}
	return i
}

// sortExpr is expr for an ORDER BY item: an ENUM or SET group sorts by
// its position.
func (a *aggBuilder) sortExpr(e ast.ExprNode) (engine.Expr, error) {
	for i, g := range a.groups {
		if f, ok := a.enumOrder[i]; ok && sameExpr(g, e) {
			return a.expr(f)
		}
	}
	return a.expr(e)
}

// ordersByEnum tells whether the ORDER BY names an ENUM or SET column:
// a DISTINCT merged as groups compares the groups' text, so such a
// statement is merged as rows sorted by the shards' col + 0 (planPlain;
// an ENUM value has one spelling, which the groups were for).
func (m *selectMerge) ordersByEnum() bool {
	if m.sel.OrderBy == nil {
		return false
	}
	for _, item := range m.sel.OrderBy.Items {
		if e, err := resolveByItem(item.Expr, m.sel.Fields.Fields, false); err == nil && m.isEnum(e) {
			return true
		}
	}
	return false
}
