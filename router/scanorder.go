package router

import (
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// scanOrder is the order one MariaDB reads a plain SELECT's rows in when it
// has no ORDER BY, as columns (quoted) by which its merge orders the
// shards' rows (planPlain); nil where it is not known:
//   - one table: its primary key (a scan of the clustered index);
//   - a join of sharded tables, each on its shard key, where every
//     table's primary key is its shard key: whichever table MariaDB reads
//     first, scanning its primary key and reaching each other row by its
//     own, the rows come in the order of the key they all share (a LEFT
//     JOIN reads its left table first; a RIGHT JOIN is left out).
//
// A shard that reads another index (a range of a secondary key, a
// covering index) answers in that index's order, as MariaDB would, and the
// merge is then not MariaDB's.
func (r *Router) scanOrder(from []tableInfo, sel *ast.SelectStmt) []string {
	if len(from) == 0 || orderedBy(sel) || sel.Distinct || isAggregate(sel) {
		return nil
	}
	if len(from) == 1 {
		pk := r.primaryKey(from[0])
		for i, c := range pk {
			pk[i] = quoteName(c)
		}
		return pk
	}
	if anyNode(sel.From, func(n ast.Node) bool {
		j, ok := n.(*ast.Join)
		return ok && j.Tp == ast.RightJoin
	}) {
		return nil
	}
	for _, t := range from {
		pk := r.primaryKey(t)
		if t.kind != sharding.Sharded || t.table == nil || len(pk) != 1 || !strings.EqualFold(pk[0], t.table.ShardKey) {
			return nil
		}
	}
	first, ok := leftmostName(sel.From.TableRefs)
	if !ok || !strings.EqualFold(first, from[0].alias) {
		return nil
	}
	return []string{quoteName(first) + "." + quoteName(r.primaryKey(from[0])[0])}
}

// leftmostName is how the statement names its first table (its alias, or
// its name as written: a shard may tell case apart).
func leftmostName(n ast.ResultSetNode) (string, bool) {
	for {
		switch x := n.(type) {
		case *ast.Join:
			n = x.Left
		case *ast.TableSource:
			if x.AsName.O != "" {
				return x.AsName.O, true
			}
			tn, ok := x.Source.(*ast.TableName)
			if !ok {
				return "", false
			}
			return tn.Name.O, true
		default:
			return "", false
		}
	}
}

// primaryKey is the columns of t's primary key, nil for a view or a table
// whose key the catalog does not know.
func (r *Router) primaryKey(t tableInfo) []string {
	if t.view != nil {
		return nil
	}
	def := r.Catalog().Table(t.schema, t.name)
	if def == nil {
		return nil
	}
	return slices.Clone(def.PrimaryKey())
}

// derivedScanOrder is scanOrder for a query whose only table is a derived
// table over one table (planDerived): one MariaDB merges such a derived
// table into the query and scans the table's primary key, so the key's
// columns order the rows as a one-table read's, named as the derived
// table names them. nil where its select list leaves a key column out.
func (r *Router) derivedScanOrder(inner blockTables, sel *ast.SelectStmt) []string {
	if len(inner.from) != 1 || orderedBy(sel) || sel.Distinct || isAggregate(sel) {
		return nil
	}
	pk := r.primaryKey(inner.from[0])
	out := make([]string, len(pk))
	for i, c := range pk {
		name, ok := derivedName(inner.sel.Fields.Fields, inner.from[0], c)
		if !ok {
			return nil
		}
		out[i] = quoteName(name)
	}
	return out
}

// derivedName is the name under which a derived table's select list gives
// column col of its table t as it is (a wildcard, the column or an alias
// of it).
func derivedName(fields []*ast.SelectField, t tableInfo, col string) (string, bool) {
	for _, f := range fields {
		if f.WildCard != nil {
			if w := f.WildCard.Table.L; w == "" || w == t.alias {
				return col, true
			}
			continue
		}
		c, ok := unparen(f.Expr).(*ast.ColumnNameExpr)
		if !ok || !strings.EqualFold(c.Name.Name.O, col) || (c.Name.Table.L != "" && c.Name.Table.L != t.alias) {
			continue
		}
		if f.AsName.O != "" {
			return f.AsName.O, true
		}
		return c.Name.Name.O, true
	}
	return "", false
}
