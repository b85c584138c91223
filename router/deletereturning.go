package router

import (
	"slices"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// A DELETE ... RETURNING of one sharded table over several shards answers
// its rows in one server's order: one MariaDB deletes, and returns, the
// rows as its scan of the table's primary key meets them (a range or a
// full scan of the clustered index), as a SELECT without ORDER BY reads
// them (scanorder.go). The merge sorts the shards' rows by the key's
// columns, which the RETURNING list must therefore give.

// deleteReturningOrder is the positions in t's DELETE's RETURNING list of
// the table's primary key columns, or why the rows of several shards
// cannot be put in one server's order.
func (r *Router) deleteReturningOrder(t tableInfo, ret *Returning) ([]int, *mysql.MyError) {
	pk := r.primaryKey(t)
	if len(pk) == 0 {
		return nil, errUnsupported("DELETE ... RETURNING of sharded table %s over several shards is not supported: without a primary key the proxy cannot tell the order one server returns the rows in", t.name).(*mysql.MyError)
	}
	cols := r.returnedColumns(t, ret.fields)
	order := make([]int, len(pk))
	for i, k := range pk {
		order[i] = slices.IndexFunc(cols, func(n string) bool { return strings.EqualFold(n, k) })
		if order[i] < 0 {
			return nil, errUnsupported("DELETE ... RETURNING of sharded table %s over several shards must return its primary key column %s: one server returns the rows in the primary key's order, by which the proxy merges them", t.name, k).(*mysql.MyError)
		}
	}
	return order, nil
}

// returnedColumns names the table column each item of a RETURNING list
// gives as it is ("" for an expression); a wildcard gives the table's
// visible columns.
func (r *Router) returnedColumns(t tableInfo, fields []*ast.SelectField) []string {
	var out []string
	for _, f := range fields {
		switch {
		case f.WildCard != nil:
			if def := r.Catalog().Table(t.schema, t.name); def != nil {
				for _, c := range def.Columns {
					if !c.Invisible {
						out = append(out, c.Name)
					}
				}
			}
		default:
			name := ""
			if c, ok := unparen(f.Expr).(*ast.ColumnNameExpr); ok {
				name = c.Name.Name.O
			}
			out = append(out, name)
		}
	}
	return out
}
