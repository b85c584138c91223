package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// owners maps the lower-cased name of a column to the alias of the one
// table of a statement's FROM list that has it, as MariaDB resolves an
// unqualified column name. A name several tables have is left out
// (MariaDB answers 1052 for it; routing does not guess).
type owners map[string]string

// columnOwners resolves the unqualified column names of a statement over
// several tables with the tables' definitions in the catalog. A table the
// catalog does not know adds no names: a name it shares with a known table
// is then attributed to that one, where MariaDB answers 1052 (ambiguous),
// as the shard the statement goes to does.
func (r *Router) columnOwners(from []tableInfo) (owners, error) {
	if len(from) < 2 {
		return nil, nil
	}
	count := map[string]int{}
	out := owners{}
	for _, t := range from {
		if t.infoSchema {
			continue
		}
		def := r.Catalog().Table(t.schema, t.name)
		if def == nil {
			continue
		}
		for _, c := range def.Columns {
			n := strings.ToLower(c.Name)
			count[n]++
			out[n] = t.alias
		}
	}
	for n, c := range count {
		if c > 1 {
			delete(out, n)
		}
	}
	return out, nil
}

// qualifier is the alias of the table a column reference names: its own
// qualifier, or for an unqualified name the table that has the column.
func (o owners) qualifier(c *ast.ColumnName) string {
	if c.Table.O != "" {
		return c.Table.L
	}
	return o[c.Name.L]
}

// hasUnqualified reports whether a statement names a column without its
// table anywhere (only then do several tables' definitions matter).
func hasUnqualified(n ast.Node) bool {
	return anyNode(n, func(n ast.Node) bool {
		c, ok := n.(*ast.ColumnName)
		return ok && c.Table.O == ""
	})
}

// columnType is the catalog's type (lower case) of the column a name
// refers to among the tables of from; false when no one table has it.
func (r *Router) columnType(from []tableInfo, name *ast.ColumnName) (string, bool) {
	typ, n := r.columnsNamed(from, name)
	return typ, n == 1
}

// columnsNamed counts the columns of from that a name can mean (those of
// its table when qualified), with the type (lower case) of the last; the
// tables the catalog does not hold count none.
func (r *Router) columnsNamed(from []tableInfo, name *ast.ColumnName) (typ string, n int) {
	for _, t := range from {
		if name.Table.O != "" && t.alias != name.Table.L {
			continue
		}
		def := r.Catalog().Table(t.schema, t.name)
		if def == nil {
			continue
		}
		for _, c := range def.Columns {
			if strings.EqualFold(c.Name, name.Name.O) {
				typ, n = strings.ToLower(c.Type), n+1
			}
		}
	}
	return typ, n
}

// isEnumType: a catalog type of an ENUM or SET, which MariaDB orders by
// the positions of its values (a SET by its bits), not by their text.
func isEnumType(typ string) bool {
	return strings.HasPrefix(typ, "enum(") || strings.HasPrefix(typ, "set(")
}

// isWideExact tells whether e is a DECIMAL or BIT column (catalog.go):
// SUM caps their precision (m.realColumn tells the FLOAT and DOUBLE ones).
func (m *selectMerge) isWideExact(e ast.ExprNode) bool {
	c, ok := unparen(e).(*ast.ColumnNameExpr)
	if !ok || m.colType == nil {
		return false
	}
	typ, n := m.colType(c.Name)
	return n == 1 && (strings.HasPrefix(typ, "decimal") || strings.HasPrefix(typ, "bit"))
}
