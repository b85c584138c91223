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

// fromColumns counts the columns a name can mean among a merge's FROM
// tables, as the catalog tells them, with the type (lower case) of the
// last: one is the column the name refers to; none is unknown too.
type fromColumns func(*ast.ColumnName) (typ string, n int)

// tableColumns is fromColumns over the statement's tables.
func (r *Router) tableColumns(from []tableInfo) fromColumns {
	return func(name *ast.ColumnName) (string, int) { return r.columnsNamed(from, name) }
}

// wildcardColumns is colType for the columns a wildcard brings, nil
// (unknown) where a USING or NATURAL join lists a column of two tables
// once: SELECT * FROM a JOIN b USING (k) has one k.
func (m *selectMerge) wildcardColumns() fromColumns {
	if m.sel.From != nil && anyNode(m.sel.From, func(n ast.Node) bool {
		j, ok := n.(*ast.Join)
		return ok && (j.Using != nil || j.NaturalJoin)
	}) {
		return nil
	}
	return m.colType
}

// isEnum tells whether e is an ENUM or SET column.
func (m *selectMerge) isEnum(e ast.ExprNode) bool {
	c, ok := unparen(e).(*ast.ColumnNameExpr)
	if !ok || m.colType == nil {
		return false
	}
	typ, n := m.colType(c.Name)
	return n == 1 && isEnumType(typ)
}

// isColumn tells whether e is an unqualified name of a FROM column.
func (m *selectMerge) isColumn(e ast.ExprNode) bool {
	c, ok := e.(*ast.ColumnNameExpr)
	if !ok || c.Name.Table.O != "" || m.colType == nil {
		return false
	}
	_, n := m.colType(c.Name)
	return n == 1
}

// orderKey is the text a shard sorts e by: e + 0 for an ENUM or SET; a
// FLOAT column as a DOUBLE, because MariaDB prints a FLOAT to 6
// significant digits, which would tie 1.0000001 and 1.0000002 in the
// merge (a FLOAT converts to a DOUBLE exactly, in the same order).
func (m *selectMerge) orderKey(e ast.ExprNode) (string, error) {
	txt, err := restore(e)
	switch {
	case err != nil:
		return "", err
	case m.isEnum(e):
		return "(" + txt + ")+0", nil
	case m.isFloat(e):
		return "CAST(" + txt + " AS DOUBLE)", nil
	}
	return txt, nil
}

// isFloat tells whether e is a FLOAT column.
func (m *selectMerge) isFloat(e ast.ExprNode) bool {
	c, ok := unparen(e).(*ast.ColumnNameExpr)
	if !ok || m.colType == nil {
		return false
	}
	typ, n := m.colType(c.Name)
	return n == 1 && (typ == "float" || strings.HasPrefix(typ, "float(") || strings.HasPrefix(typ, "float "))
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
	if f, ok := e.(*ast.AggregateFuncExpr); ok && (f.F == ast.AggFuncMin || f.F == ast.AggFuncMax) && a.isEnum != nil && len(f.Args) == 1 && a.isEnum(f.Args[0]) {
		// MIN and MAX pick the value by its text, but their answer is
		// still the column's type, which sorts by position.
		return nil, errUnsupported("ORDER BY %s, an aggregate of an ENUM or SET column, over several shards is not supported: MariaDB sorts its value by position", textOf(e))
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

// derivedColumns is fromColumns for the columns of a derived table: each
// select field of that name, with the type of the column it takes (none
// for an expression), and those its wildcards bring.
func (r *Router) derivedColumns(inner blockTables) fromColumns {
	base := r.tableColumns(inner.from)
	return func(name *ast.ColumnName) (string, int) {
		typ, n := "", 0
		for _, f := range inner.sel.Fields.Fields {
			if f.WildCard != nil {
				t, k := base(&ast.ColumnName{Table: f.WildCard.Table, Name: name.Name})
				if k > 0 {
					typ, n = t, n+k
				}
				continue
			}
			if strings.EqualFold(fieldName(f), name.Name.O) {
				typ, n = "", n+1
				if c, ok := unparen(f.Expr).(*ast.ColumnNameExpr); ok {
					if t, k := base(c.Name); k == 1 {
						typ = t
					}
				}
			}
		}
		return typ, n
	}
}
