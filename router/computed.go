package router

import (
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/engine"
)

// The shards answer a merge in the text protocol. A DOUBLE of fixed
// decimals (f / 3 of a FLOAT(7,3) has 7, STDDEV of an integer 4) comes
// rounded to them there, where one MariaDB sends the full double in the
// binary protocol; a stored column's text is its whole value. So a merge
// refuses, for a binary-protocol client, the columns the shards compute:
// select fields that are not columns (Merge.Computed), and columns of
// views and derived tables whose definition computes them
// (Merge.ComputedFrom).

// CheckBinary refuses to send, in the binary protocol, passed-through
// rows with a DOUBLE of fixed decimals that the shards computed.
func (m *Merge) CheckBinary(cols []*mysql.Field) error {
	lossy := func(f *mysql.Field) bool {
		return (f.Type == mysql.MYSQL_TYPE_DOUBLE || f.Type == mysql.MYSQL_TYPE_FLOAT) && f.Decimal < 31
	}
	for _, i := range m.Computed {
		if i < len(cols) && lossy(cols[i]) {
			return errFixedDouble(cols[i])
		}
	}
	for i, f := range cols {
		// A FLOAT's text has 6 significant digits (1.0000001 is "1"): a
		// value passed through, or picked by MIN/MAX, is not the float
		// the binary protocol carries. Hidden sort keys are not sent.
		if f.Type == mysql.MYSQL_TYPE_FLOAT && f.Decimal >= 31 && (m.Agg != nil || i < len(cols)-m.Hidden) {
			return errUnsupported("column %s is a FLOAT, which the shards answer in text with 6 significant digits where the binary protocol carries its whole value; over several shards run the statement as a text query, or select CAST(%s AS DOUBLE)", f.Name, f.Name)
		}
	}
	if m.Agg != nil {
		for _, g := range m.Agg.Aggs {
			if f := sumShape(g, cols); f != nil && lossy(f) {
				return errUnsupported("%s is a DOUBLE of %d decimals summed over several shards, which answer their sums in text, rounded to those decimals, where the binary protocol would carry the full sum; run the statement as a text query, or ROUND it", g.Label, f.Decimal)
			}
		}
	}
	for _, f := range cols {
		if !lossy(f) {
			continue
		}
		from := m.ComputedFrom[originKey(string(f.OrgTable), string(f.OrgName))] || m.ComputedFrom[originKey(string(f.OrgTable), "*")]
		if m.AllComputed && len(f.OrgTable) == 0 || from || m.AllLossy {
			return errFixedDouble(f)
		}
	}
	return nil
}

// sumShape is the shard column that describes a SUM or an AVG of g (the
// shard's own AVG, whose SUM comes whole), nil for other aggregates.
func sumShape(g engine.Agg, cols []*mysql.Field) *mysql.Field {
	c := g.Col
	switch {
	case g.Fn == engine.AggAvg && g.ShapeCol != 0:
		c = g.ShapeCol
	case g.Fn != engine.AggSum && g.Fn != engine.AggAvg:
		return nil
	}
	if c < 0 || c >= len(cols) {
		return nil
	}
	return cols[c]
}

func errFixedDouble(f *mysql.Field) error {
	return errUnsupported("column %s is a DOUBLE of %d decimals computed on the shards, which answer this statement in text, rounded to those decimals, where the binary protocol would carry its full value; run the statement as a text query, or ROUND it", f.Name, f.Decimal)
}

// computedFields lists the select fields the shards compute, in the sense
// of Merge.Computed; all is true with a wildcard.
func computedFields(fields []*ast.SelectField) (computed []int, all bool) {
	for i, f := range fields {
		if f.WildCard != nil {
			all = true
			continue
		}
		if fieldComputed(f, nil) {
			computed = append(computed, i)
		}
	}
	if all {
		// A wildcard's columns shift the others: CheckBinary looks at
		// every column without a table instead.
		return nil, true
	}
	return computed, all
}

// exprComputed tells whether the shards compute e (fieldComputed for an
// expression that is not a select field).
func exprComputed(e ast.ExprNode) bool {
	return fieldComputed(&ast.SelectField{Expr: e}, nil)
}

// fieldComputed tells whether the shards compute a select field: not a
// column (unless of a view or derived table that computes it: computedCol),
// nor a ROUND or TRUNCATE, whose text is exact.
func fieldComputed(f *ast.SelectField, computedCol func(name string) bool) bool {
	switch x := f.Expr.(type) {
	case *ast.ColumnNameExpr:
		return computedCol != nil && computedCol(x.Name.Name.L)
	case *ast.FuncCallExpr:
		return x.Schema.L != "" || (x.FnName.L != "round" && x.FnName.L != "truncate")
	}
	return true
}

// computedNames lists, in lower case, the names of the columns of a view
// or derived table defined by sel that its shards compute; cols are the
// view's column names when its definition lists them. A column read from
// a view among from that computes a column of that name counts as
// computed: without knowing which table a plain name reads, the one that
// may lose digits is assumed.
func computedNames(sel *ast.SelectStmt, cols []ast.CIStr, from []tableInfo) map[string]bool {
	inner := func(name string) bool {
		for _, t := range from {
			if t.view != nil && t.view.computed[name] {
				return true
			}
		}
		return false
	}
	out := map[string]bool{}
	for i, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			if len(cols) > 0 {
				// The listed names follow the expanded columns: which of
				// them are computed is not known here.
				return map[string]bool{"*": true}
			}
			// The columns * takes from a view keep their names.
			for _, t := range from {
				if t.view != nil {
					for name := range t.view.computed {
						out[name] = true
					}
				}
			}
			continue
		}
		if !fieldComputed(f, inner) {
			continue
		}
		name := fieldName(f)
		if i < len(cols) {
			name = cols[i].O
		}
		out[strings.ToLower(name)] = true
	}
	return out
}

// computedOrigins is Merge.ComputedFrom for a query over from: the
// columns its views compute, under the name the query gives each view
// (MariaDB's org_table is the alias).
func computedOrigins(from []tableInfo) map[string]bool {
	var out map[string]bool
	for _, t := range from {
		if t.view == nil {
			continue
		}
		table := t.alias
		if table == "" {
			table = t.name
		}
		for col := range t.view.computed {
			if out == nil {
				out = map[string]bool{}
			}
			out[originKey(table, col)] = true
		}
	}
	return out
}

func originKey(table, column string) string {
	return strings.ToLower(table) + "." + strings.ToLower(column)
}

// BinaryCheckOf is the merge that checks, for a binary-protocol client,
// the text answer of a statement the router rewrote for its one shard
// (a locking read whose own text could not take the clause): the select
// fields the shard computes, as a merge over several shards checks them;
// with a view or a derived table, whose columns may be computed there,
// every DOUBLE or FLOAT of fixed decimals (db is the session's database).
func (r *Router) BinaryCheckOf(st *Statement, db string) *Merge {
	m := &Merge{Count: -1}
	sel, ok := st.Node.(*ast.SelectStmt)
	if !ok || sel.Fields == nil {
		return m
	}
	m.Computed, m.AllComputed = computedFields(sel.Fields.Fields)
	m.AllLossy = hasNested(sel)
	for _, t := range st.Tables {
		schema := t.In(db)
		if def := r.Catalog().Table(schema, t.Name); def != nil && def.View {
			m.AllLossy = true
		}
	}
	return m
}
