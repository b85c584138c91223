package router

import (
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
	"github.com/xaproxy/xaproxy/catalog"
)

// MariaDB 10.11 converts a constant compared with a column of another type
// (n > 'x' on an INT n) once per statement, when the first row needs it
// (checked): one "Truncated incorrect DECIMAL value: 'x'" for the whole
// scan, none when no row is read. Each shard converts it once too, so a
// merge of their lists would repeat it. Where every warning a statement
// can raise is such a conversion, one server's list is the shards' lists
// put together, each constant once (proxy/oncewarnings.go).
//
// What qualifies is kept narrow, because a warning of a per-row
// evaluation (a string column read as a number, 1/0 in the select list, a
// BETWEEN) reads the same and must be listed as often as it is raised: a
// single-table SELECT with no LIMIT, GROUP BY, HAVING or DISTINCT, whose
// select list and ORDER BY are plain columns (COUNT(*) too), and whose
// WHERE is AND, OR and NOT over IS [NOT] NULL of a column and comparisons
// of a column with a literal or parameter that warn about the constant
// only: a number or string against a numeric column, a string against a
// text column; and against a numeric column one constant expression of
// arithmetic and casts (n > CAST('9z' AS INT), n > 1/0), which MariaDB
// caches and evaluates when a row first needs it too, or one condition of
// constants only (constCondition). Every row is then read (no LIMIT) and tested in the
// WHERE's order; a column of an index is not allowed, because a range or
// ref read skips rows, and each shard's optimizer picks its own plan from
// its own statistics (and the range optimizer converts a constant
// compared with an indexed column again).

// A DELETE of one table qualifies under the same WHERE, with no ORDER BY,
// LIMIT, IGNORE or RETURNING, on a table without triggers. An UPDATE does
// not: a CHECK constraint (which the catalog does not read) warns per row
// it writes. A table with a generated column never does: reading a
// VIRTUAL column, or writing the source of any, computes it per row, and
// its conversions warn per row with the same text on every shard.

// onceWarnings is the constants of sel when every warning it can raise on
// a shard is one converted once per statement (see above); nil otherwise.
func (r *Router) onceWarnings(from []tableInfo, sel *ast.SelectStmt) *onceConsts {
	if len(from) != 1 || from[0].view != nil || sel.Where == nil {
		return nil
	}
	def := r.Catalog().Table(from[0].schema, from[0].name)
	if def == nil || hasGenerated(def) || sel.Limit != nil || sel.GroupBy != nil || sel.Having != nil || sel.Distinct ||
		sel.WindowSpecs != nil || sel.Fields == nil {
		return nil
	}
	c := &onceChecker{def: def, alias: from[0].alias}
	for _, f := range sel.Fields.Fields {
		if f.WildCard == nil && !c.plainItem(f.Expr) {
			return nil
		}
	}
	if sel.OrderBy != nil {
		for _, item := range sel.OrderBy.Items {
			if _, pos := item.Expr.(*ast.PositionExpr); !pos && c.column(item.Expr) == nil {
				return nil
			}
		}
	}
	return c.result(c.condition(sel.Where))
}

// onceWriteWarnings is onceWarnings for a DELETE of t.
func (r *Router) onceWriteWarnings(st *Statement, t tableInfo, where ast.ExprNode) *onceConsts {
	if st.Returning != nil {
		return nil
	}
	if d, ok := st.Node.(*ast.DeleteStmt); !ok || d.IgnoreErr || d.Order != nil || d.Limit != nil {
		return nil
	}
	def := r.Catalog().Table(t.schema, t.name)
	if t.view != nil || def == nil || hasGenerated(def) || where == nil || r.Catalog().HasTriggers(t.schema, t.name) {
		return nil
	}
	c := &onceChecker{def: def, alias: t.alias}
	return c.result(c.condition(where))
}

// onceChecker checks a statement's expressions against its one table
// and gathers the constants that may warn.
type onceChecker struct {
	def    *catalog.Table
	alias  string
	consts onceConsts
	clash  bool // two of them of the same text, or one too long
	exprs  int  // constant expressions compared (constExpr)
}

// result is the constants gathered, nil unless ok and distinct.
func (c *onceChecker) result(ok bool) *onceConsts {
	if !ok || c.clash {
		return nil
	}
	return &c.consts
}

// noteText gathers a string literal compared with a number.
func (c *onceChecker) noteText(s string) {
	t := constText(s)
	c.clash = c.clash || t == "" || slices.Contains(c.consts.texts, t)
	c.consts.texts = append(c.consts.texts, t)
}

// plainItem: a column, or COUNT(*).
func (c *onceChecker) plainItem(e ast.ExprNode) bool {
	if f, ok := e.(*ast.AggregateFuncExpr); ok {
		return strings.EqualFold(f.F, ast.AggFuncCount) && !f.Distinct && len(f.Args) == 1 && isCountStar(f.Args[0])
	}
	return c.column(e) != nil
}

// isCountStar: the parser's argument of COUNT(*), a literal 1.
func isCountStar(e ast.ExprNode) bool {
	v, ok := e.(*driver.ValueExpr)
	return ok && v.Kind() == driver.KindInt64 && v.GetInt64() == 1
}

// column is the table's column e names, nil for anything else.
func (c *onceChecker) column(e ast.ExprNode) *catalog.Column {
	x, ok := unparen(e).(*ast.ColumnNameExpr)
	if !ok || x.Name.Table.O != "" && x.Name.Table.L != c.alias || x.Name.Schema.O != "" && !strings.EqualFold(x.Name.Schema.O, c.def.Schema) {
		return nil
	}
	i := c.def.ColumnIndex(x.Name.Name.O)
	if i < 0 {
		return nil
	}
	return &c.def.Columns[i]
}

// condition checks a WHERE condition.
func (c *onceChecker) condition(e ast.ExprNode) bool {
	switch x := unparen(e).(type) {
	case *ast.UnaryOperationExpr:
		return x.Op == opcode.Not && c.condition(x.V)
	case *ast.IsNullExpr:
		if col := c.column(x.Expr); col != nil {
			return !c.indexed(col.Name)
		}
		return c.constCondition(x.Expr)
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd, opcode.LogicOr:
			return c.condition(x.L) && c.condition(x.R)
		case opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE, opcode.NullEQ:
			if col := c.column(x.L); col != nil {
				return !c.indexed(col.Name) && c.comparedConstant(col, x.R)
			}
			if col := c.column(x.R); col != nil {
				return !c.indexed(col.Name) && c.comparedConstant(col, x.L)
			}
			return c.constCondition(x.L, x.R)
		}
	}
	return false
}

// comparedConstant tells whether comparing col with e warns about the
// constant e only, once.
func (c *onceChecker) comparedConstant(col *catalog.Column, e ast.ExprNode) bool {
	typ := strings.ToLower(col.Type)
	switch x := unparen(e).(type) {
	case *driver.ParamMarkerExpr:
		// Bound as a constant of the type the client sends (holds).
		if isNumericType(typ) {
			c.consts.params = append(c.consts.params, x.Order)
			return true
		}
		c.consts.textParams = append(c.consts.textParams, x.Order)
		return textColumn(col)
	case *driver.ValueExpr:
		switch x.Kind() {
		case driver.KindNull:
			return true
		case driver.KindInt64, driver.KindUint64, driver.KindMysqlDecimal, driver.KindFloat32, driver.KindFloat64:
			return isNumericType(typ)
		case driver.KindString, driver.KindBytes, driver.KindBinaryLiteral:
			if isNumericType(typ) {
				c.noteText(string(x.GetBytes()))
				return true
			}
			return textColumn(col)
		}
		return false
	}
	// A constant expression MariaDB caches, evaluated when a row first
	// needs it: one per statement, whose warnings ("Division by 0") may
	// quote no text that tells two of them apart.
	if !isNumericType(typ) || c.exprs > 0 || !c.constExpr(e) {
		return false
	}
	c.exprs++
	return true
}

// constCondition: a condition of constants only (DATE('2020-13-01') IS
// NULL), which MariaDB evaluates while it optimizes, as many times on
// each shard as on one server whatever the rows (checked), and for
// rows after as a cached constant. One such, or one constant expression,
// per statement (comparedConstant).
func (c *onceChecker) constCondition(es ...ast.ExprNode) bool {
	if c.exprs > 0 {
		return false
	}
	c.exprs++
	for _, e := range es {
		if !c.constExpr(e) {
			return false
		}
	}
	return true
}

// constExpr tells whether e is a constant expression of literals,
// parameters, arithmetic and numeric or text casts, gathering its
// constants that may warn.
func (c *onceChecker) constExpr(e ast.ExprNode) bool {
	switch x := unparen(e).(type) {
	case *driver.ParamMarkerExpr:
		c.consts.params = append(c.consts.params, x.Order)
		return true
	case *driver.ValueExpr:
		switch x.Kind() {
		case driver.KindString, driver.KindBytes, driver.KindBinaryLiteral:
			c.noteText(string(x.GetBytes()))
			return true
		case driver.KindNull, driver.KindInt64, driver.KindUint64, driver.KindMysqlDecimal, driver.KindFloat32, driver.KindFloat64:
			return true
		}
	case *ast.UnaryOperationExpr:
		return (x.Op == opcode.Minus || x.Op == opcode.Plus) && c.constExpr(x.V)
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.Plus, opcode.Minus, opcode.Mul, opcode.Div, opcode.IntDiv, opcode.Mod:
			return c.constExpr(x.L) && c.constExpr(x.R)
		}
	case *ast.FuncCallExpr:
		return x.FnName.L == "date" && len(x.Args) == 1 && c.constExpr(x.Args[0])
	case *ast.FuncCastExpr:
		// Not a date or time: a number column compares with one as
		// dates, converting every row's value.
		switch x.Tp.GetType() {
		case mysql.TypeLonglong, mysql.TypeNewDecimal, mysql.TypeDouble, mysql.TypeFloat, mysql.TypeVarString, mysql.TypeString:
			return c.constExpr(x.Expr)
		}
	}
	return false
}

// textColumn: a CHAR, VARCHAR or TEXT column, which compares with text
// as text.
func textColumn(col *catalog.Column) bool {
	typ := strings.ToLower(col.Type)
	return col.Collation != "" && !strings.HasPrefix(typ, "enum") && !strings.HasPrefix(typ, "set")
}

// indexed tells whether any key of the table holds the column.
func (c *onceChecker) indexed(name string) bool {
	has := func(ix catalog.Index) bool {
		return slices.ContainsFunc(ix.Columns, func(n string) bool { return strings.EqualFold(n, name) })
	}
	return slices.ContainsFunc(c.def.Unique, has) || slices.ContainsFunc(c.def.Indexes, has)
}

// isNumericType: an integer, DECIMAL, FLOAT or DOUBLE column type
// (COLUMN_TYPE, lower-cased).
func isNumericType(typ string) bool {
	for _, p := range []string{"tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double"} {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

// hasGenerated: the table has a VIRTUAL or PERSISTENT column.
func hasGenerated(def *catalog.Table) bool {
	for _, c := range def.Columns {
		if c.Generated {
			return true
		}
	}
	return false
}
