package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// derivedPlan is a query whose only table is a derived table over sharded
// tables that spans shards. The derived table has no GROUP BY, aggregate,
// DISTINCT, LIMIT or window function, so its rows are the union of what
// each shard computes for it, and each of its rows depends on one shard's
// rows only: the outer query is then a query over rows partitioned across
// shards, merged as a query over one sharded table is.
type derivedPlan struct {
	keyed *keyedPlan
	// from is the restored FROM clause, with ? markers, when the derived
	// table has parameters: the per-shard queries get it with the values
	// in place.
	from     string
	fromNode ast.Node
	fromTpl  sqlTemplate // from's template, made by compile
}

// compile makes the templates binding writes the per-shard queries with.
func (d *derivedPlan) compile(st *Statement) {
	d.keyed.compile(st)
	if d.from != "" {
		d.fromTpl = templateOf(d.fromNode)
	}
}

// planDerived plans sel when it is that form; ok is false when it is not.
func (r *Router) planDerived(p *Plan, sel *ast.SelectStmt, all []blockTables) (ok bool, err error) {
	if len(all) != 2 || all[1].what != "a derived table" {
		return false, nil
	}
	outer, inner := all[0], all[1]
	if len(outer.from) != 0 || !outer.derived || !onlySource(sel.From, inner.sel) {
		return false, nil
	}
	if outerComplex(sel) != "" || flatSelect(inner) != "" || HasParams(inner.sel.Fields) {
		// A marker in the derived table's select list: its column would
		// be named after the bound value (and a cached shape's marker
		// stands for a literal whose text names it).
		return false, nil
	}
	if err := r.joinedOnKeys(inner.from, inner.sel.From, inner.sel.Where); err != nil {
		return true, err
	}
	nameFields(inner.sel)
	scan := r.derivedScanOrder(inner, sel)
	m, err := newSelectMerge(sel, scan, "", false, false, nil, r.derivedColumns(inner), nil)
	if err != nil {
		return true, err
	}
	if ts := sel.From.TableRefs.Left.(*ast.TableSource); ts.AsName.O != "" {
		for col := range computedNames(inner.sel, nil, inner.from) {
			if m.merge.ComputedFrom == nil {
				m.merge.ComputedFrom = map[string]bool{}
			}
			m.merge.ComputedFrom[originKey(ts.AsName.O, col)] = true
		}
	}
	d := &derivedPlan{keyed: &keyedPlan{table: inner.sharded[0].table, conds: inner.keyConds(), merge: m}}
	err = m.textError(derivedScope{inner.sel, tableScope{r, inner.from}}, nil)
	if err == nil && scan == nil && unorderedRows(sel) {
		err = errUnsupported("a query over a derived table that reads sharded table %s over several shards needs an ORDER BY, unless the derived table reads that one table and selects its primary key: one server answers in the order of its scan of that key, which the merge follows only by the key's values", inner.sharded[0].name)
	}
	if err != nil {
		// As planKeyed: one shard runs the statement whole.
		if !d.keyed.mayPickOne() {
			return true, err
		}
		d.keyed.merge, d.keyed.singleOnly = nil, err.(*mysql.MyError)
	}
	if err := d.withFrom(sel); err != nil {
		return true, err
	}
	p.derived = d
	return true, nil
}

// unorderedRows tells whether a query answers rows in its scan's order:
// no ORDER BY (or ORDER BY NULL), aggregate or DISTINCT orders them.
func unorderedRows(sel *ast.SelectStmt) bool {
	return !orderedBy(sel) && !isAggregate(sel) && !sel.Distinct
}

// withFrom keeps the FROM clause when it has parameters (a derived
// table's, a join's ON): the per-shard queries restore it at bind.
func (d *derivedPlan) withFrom(sel *ast.SelectStmt) error {
	if sel.From == nil || !HasParams(sel.From) {
		return nil
	}
	var err error
	d.from, err = restore(sel.From.TableRefs)
	d.fromNode = sel.From.TableRefs
	return err
}

// bindFrom moves a keyed plan whose FROM clause has parameters to a plan
// that binds them in each shard's query: the merge writes the FROM clause
// once, with its ? markers.
func bindFrom(p *Plan, sel *ast.SelectStmt) error {
	if p.keyed == nil || p.keyed.merge == nil || sel.From == nil || !HasParams(sel.From) {
		return nil
	}
	d := &derivedPlan{keyed: p.keyed}
	if err := d.withFrom(sel); err != nil {
		return err
	}
	p.keyed, p.derived = nil, d
	return nil
}

// nameFields gives each expression of a derived table's select list the
// name MariaDB gives it (fieldName) as its alias: the shards run the table
// as the router writes it (`f`/3), whose columns would be named after that
// text instead of the client's (f / 3). MariaDB resolves a name in ORDER
// BY or HAVING to such a generated name as to an alias, so the alias
// changes nothing else.
func nameFields(sel *ast.SelectStmt) {
	for _, f := range sel.Fields.Fields {
		if _, col := f.Expr.(*ast.ColumnNameExpr); f.WildCard == nil && !col && f.AsName.O == "" {
			f.AsName = ast.NewCIStr(fieldName(f))
		}
	}
}

// onlySource tells whether a FROM clause is the one derived table inner.
func onlySource(from *ast.TableRefsClause, inner *ast.SelectStmt) bool {
	if from == nil || from.TableRefs == nil || from.TableRefs.Right != nil {
		return false
	}
	ts, ok := from.TableRefs.Left.(*ast.TableSource)
	return ok && ts.Source == inner
}

// flatSelect says why a SELECT's rows are not the union of the rows it
// gives on each shard of its sharded tables ("" when they are).
func flatSelect(bt blockTables) string {
	sel := bt.sel
	switch {
	case len(bt.sharded) == 0:
		return "no sharded table"
	case bt.derived:
		return "a derived table"
	case sel.Kind != ast.SelectStmtKindSelect:
		return "not a SELECT"
	case sel.GroupBy != nil || sel.Having != nil || isAggregate(sel):
		return "GROUP BY or aggregates"
	case sel.Distinct:
		return "DISTINCT"
	case sel.Limit != nil:
		return "LIMIT"
	case sel.LockInfo != nil:
		return "a locking clause"
	case sel.SelectStmtOpts != nil && sel.SelectStmtOpts.CalcFoundRows:
		return "SQL_CALC_FOUND_ROWS"
	case len(sel.WindowSpecs) > 0:
		return "a window function"
	}
	return complexPart(sel)
}

// outerComplex names what in a query, besides its FROM and WHERE, no
// merge computes ("" when nothing).
func outerComplex(sel *ast.SelectStmt) string {
	if len(sel.WindowSpecs) > 0 {
		return "a window function"
	}
	var parts []ast.Node
	if sel.Fields != nil {
		parts = append(parts, sel.Fields)
	}
	if sel.GroupBy != nil {
		parts = append(parts, sel.GroupBy)
	}
	if sel.Having != nil {
		parts = append(parts, sel.Having)
	}
	if sel.OrderBy != nil {
		parts = append(parts, sel.OrderBy)
	}
	for _, n := range parts {
		if what := complexPart(n); what != "" {
			return what
		}
	}
	return ""
}

func (d *derivedPlan) bind(p *Plan, params []Param, text ClientText) (*Exec, error) {
	e, err := d.keyed.bind(p, params, text)
	if err != nil || d.from == "" || e.Single() {
		return e, err
	}
	bound, err := d.fromTpl.bound(params)
	if err != nil {
		return nil, err
	}
	head := d.keyed.merge.head
	if !strings.HasSuffix(head, d.from) {
		return nil, fmt.Errorf("router: per-shard query %q does not end with its FROM clause", head)
	}
	for i := range e.Parts {
		sql := e.Parts[i].SQL
		if !strings.HasPrefix(sql, head) {
			return nil, fmt.Errorf("router: per-shard query %q does not start with %q", sql, head)
		}
		e.Parts[i].SQL = head[:len(head)-len(d.from)] + bound + sql[len(head):]
	}
	return e, nil
}
