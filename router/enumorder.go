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
// its position; one carried from a group's row is refused.
func (a *aggBuilder) sortExpr(e ast.ExprNode) (engine.Expr, error) {
	for i, g := range a.groups {
		if f, ok := a.enumOrder[i]; ok && sameExpr(g, e) {
			return a.expr(f)
		}
	}
	if a.isEnum != nil && a.isEnum(e) {
		return nil, errUnsupported("ORDER BY %s, an ENUM or SET column neither grouped nor aggregated, over several shards is not supported: MariaDB sorts it by position", textOf(e))
	}
	return a.expr(e)
}

// enumInExpr refuses an expression the merge computes over an ENUM or SET
// column (e + 0, e = 1, IF(e = 2, ...)): it reads the column's text, where
// MariaDB's number is its position (or bits). The column alone, and an
// aggregate of it, are its text.
func (a *aggBuilder) enumInExpr(e ast.ExprNode) error {
	if a.isEnum == nil {
		return nil
	}
	if _, agg := e.(*ast.AggregateFuncExpr); agg || a.isEnum(e) {
		return nil
	}
	var col ast.ExprNode
	anyNode(e, func(n ast.Node) bool {
		if x, ok := n.(ast.ExprNode); ok && a.isEnum(x) {
			col = x
		}
		return col != nil
	})
	if col != nil {
		return errUnsupported("an expression over ENUM or SET column %s (%s) merged over several shards is not supported: the merge reads its text, where MariaDB computes with its position", textOf(col), textOf(e))
	}
	return nil
}

// derivedEnumColumn is enumColumn for the columns of a derived table:
// those its select list takes from an ENUM or SET column of its tables.
func (r *Router) derivedEnumColumn(inner blockTables) func(*ast.ColumnName) bool {
	base := r.enumColumn(inner.from)
	return func(name *ast.ColumnName) bool {
		for _, f := range inner.sel.Fields.Fields {
			if f.WildCard != nil {
				if base(&ast.ColumnName{Name: name.Name}) {
					return true
				}
				continue
			}
			if strings.EqualFold(fieldName(f), name.Name.O) {
				c, ok := unparen(f.Expr).(*ast.ColumnNameExpr)
				return ok && base(c.Name)
			}
		}
		return false
	}
}
