package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// An expression over aggregates that the merge computes can fail (1690,
// BIGINT value is out of range in '...'): its message names the
// expression as one MariaDB prints it (Item::print), the aggregate as
// max(`shop`.`t`.`u`), never by the merge's own column name.

// columnQualifier prints a column as MariaDB does in a message,
// `schema`.`table`.`column`; "" when it cannot tell the table.
type columnQualifier func(*ast.ColumnName) string

// columnQualifier qualifies the columns of a SELECT by their table's
// schema and its name or alias as written (nongrouped.go's qualify does
// the same for one table); an unqualified column of a join by the one
// table the catalog gives it (columnOwners).
func (r *Router) columnQualifier(from []tableInfo, sel *ast.SelectStmt) columnQualifier {
	if len(from) == 0 || sel.From == nil {
		return nil
	}
	written := map[string]string{} // alias, lower-cased: as written
	anyNode(sel.From.TableRefs, func(n ast.Node) bool {
		if src, ok := n.(*ast.TableSource); ok {
			if name, ok := src.Source.(*ast.TableName); ok {
				t := name.Name.O
				if src.AsName.O != "" {
					t = src.AsName.O
				}
				written[strings.ToLower(t)] = t
			}
		}
		return false
	})
	own, _ := r.columnOwners(from)
	return func(c *ast.ColumnName) string {
		alias := c.Table.L
		if alias == "" && len(from) == 1 {
			alias = from[0].alias
		} else if alias == "" {
			alias = own[c.Name.L]
		}
		for _, t := range from {
			if t.alias != alias || written[alias] == "" {
				continue
			}
			col := c.Name.O
			if def := r.Catalog().Table(t.schema, t.name); def != nil {
				if i := def.ColumnIndex(col); i >= 0 {
					col = def.Columns[i].Name
				}
			}
			return quoteName(t.schema) + "." + quoteName(written[alias]) + "." + quoteName(col)
		}
		return ""
	}
}

// aggPrint is how one MariaDB names aggregate f in a message: grouped
// through a temporary table (a GROUP BY), by its column there,
// `tmp_field`; else as Item_sum::print does, the lower-case name and the
// qualified columns (sum(distinct `shop`.`t`.`u`)). An argument other
// than a column is printed as the client wrote it.
func aggPrint(f *ast.AggregateFuncExpr, grouped bool, qual columnQualifier) string {
	if grouped {
		return "`tmp_field`"
	}
	if f.F == ast.AggFuncCount && !f.Distinct && len(f.Args) == 1 && isLiteralOne(f.Args[0]) {
		return "count(0)" // COUNT(*), which the parser reads as COUNT(1)
	}
	var args []string
	for _, a := range f.Args {
		txt := ""
		if c, ok := unparen(a).(*ast.ColumnNameExpr); ok && qual != nil {
			txt = qual(c.Name)
		}
		if txt == "" {
			txt = textOf(a)
		}
		args = append(args, txt)
	}
	distinct := ""
	if f.Distinct {
		distinct = "distinct "
	}
	return strings.ToLower(f.F) + "(" + distinct + strings.Join(args, ",") + ")"
}

func isLiteralOne(e ast.ExprNode) bool {
	v, ok := e.(*driver.ValueExpr)
	if !ok {
		return false
	}
	switch x := v.GetValue().(type) {
	case int64:
		return x == 1
	case uint64:
		return x == 1
	}
	return false
}
