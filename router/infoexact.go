package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// MariaDB finds the rows of information_schema's per-table listings by a
// schema or table name that a top-level `=` compares with a constant as a
// file name: exactly, case included (lower_case_table_names = 0), though
// the column's collation ignores case ('LK' finds nothing where LIKE 'LK'
// finds lk; checked on 10.11). A query answered from gathered rows (a
// derived table of them, compared in its collation) found them too, and
// told an ORM that table Users exists beside users. exactNames drops the
// gathered rows such a lookup would not find.

// exactLookupTables are the listings read by file name (checked).
var exactLookupTables = map[string]bool{
	"schemata": true, "tables": true, "columns": true, "statistics": true,
	"views": true, "key_column_usage": true, "table_constraints": true, "partitions": true,
}

// exactNames keeps the rows of res, the combined rows of table, that the
// statement's name lookups find; res as it is for any other statement
// (one that reads more than this table, or no such lookup).
func (g *InfoGather) exactNames(table string, res *InfoResult, params []Param) *InfoResult {
	sel, ok := g.st.Node.(*ast.SelectStmt)
	if !ok || !exactLookupTables[table] || sel.Where == nil || len(g.st.Tables) != 1 {
		return res
	}
	cols := filteredInfoTables[table]
	for _, c := range splitAnd(sel.Where, nil) {
		for _, col := range []string{cols.schema, cols.table} {
			want, ok := g.lookupValue(c, col, params)
			if !ok {
				continue
			}
			i, si := res.col(col), res.col(cols.schema)
			if i < 0 || si < 0 {
				continue
			}
			kept := &InfoResult{Cols: res.Cols}
			for _, row := range res.Rows {
				if row[i] == nil {
					continue
				}
				// information_schema itself is no directory: its name and
				// its tables' are found ignoring case.
				if string(row[i]) == want || isInformationSchema(string(row[si])) && strings.EqualFold(string(row[i]), want) {
					kept.Rows = append(kept.Rows, row)
				}
			}
			res = kept
		}
	}
	return res
}

// lookupValue is the constant c compares column col with by `=` (a string
// literal, a bound parameter, DATABASE()); ok is false for any other
// condition.
func (g *InfoGather) lookupValue(c ast.ExprNode, col string, params []Param) (string, bool) {
	b, ok := c.(*ast.BinaryOperationExpr)
	if !ok || b.Op != opcode.EQ || col == "" {
		return "", false
	}
	l, r := unparen(b.L), unparen(b.R)
	if !isColumn(l, col) {
		l, r = r, l
	}
	if !isColumn(l, col) {
		return "", false
	}
	switch x := r.(type) {
	case *driver.ValueExpr:
		if x.Kind() == driver.KindString {
			return x.GetString(), true
		}
	case *driver.ParamMarkerExpr:
		if x.Order < len(params) {
			return params[x.Order].Key.Text()
		}
	case *ast.FuncCallExpr:
		if x.FnName.L == "database" && len(x.Args) == 0 && g.db != "" {
			return g.db, true
		}
	}
	return "", false
}

// isColumn tells whether e names column col (of any table: the statement
// reads one).
func isColumn(e ast.ExprNode, col string) bool {
	c, ok := e.(*ast.ColumnNameExpr)
	return ok && strings.EqualFold(c.Name.Name.O, col)
}
