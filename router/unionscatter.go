package router

import (
	"slices"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// unionPlan is a UNION [ALL] over sharded tables that spans shards: every
// SELECT is flat (no GROUP BY, aggregates, DISTINCT, LIMIT, locking or
// nested SELECTs), so its rows are the union of what it gives on each
// shard, and its sharded tables all live on the same shards. Each of those
// shards runs the whole statement over its rows; the merge sorts their
// answers by the statement's ORDER BY (the shards sort theirs) and, for
// UNION, removes the rows that several shards gave. The column
// definitions are the shards', whose UNION aggregates the SELECTs' types
// as one server's does.
//
// When the SELECTs' key conditions pick one shard, it runs the client's
// statement unchanged. Without an ORDER BY one server returns the SELECTs'
// rows one SELECT after another, each in its scan order, which the merge
// cannot follow across shards: such a UNION over several shards is
// refused.
type unionPlan struct {
	shards []string
	// parts are the SELECTs' sharded tables and key conditions: binding
	// runs the statement only where their rows may be, and unchanged
	// when that is one shard.
	parts []unionPart
	// tieKeys, for a UNION DISTINCT, name each SELECT's integer primary
	// key: each shard also sends the SELECT's position and that key, by
	// which the merge breaks ties, so that of rows equal under the
	// collation ('a', 'A') it keeps the one one server inserts first
	// (the first SELECT's, the lowest key on a scan); nil when a SELECT
	// has no such key.
	tieKeys []string
	// tpl is the statement without its LIMIT; each shard gets LIMIT
	// offset+count.
	tpl        sqlTemplate
	count, off limitSrc
	merge      Merge
	// textErr refuses the merge when it compares text of a collation it
	// does not order as MariaDB does (collation.go); one shard runs it.
	textErr error
}

// unionPart is one SELECT of a unionPlan.
type unionPart struct {
	table *sharding.Table
	conds []keyCond
}

// planScatterUnion plans n that way; ok is false when it is not such a
// UNION (the caller plans it pinned to one shard).
func (r *Router) planScatterUnion(p *Plan, n *ast.SetOprStmt, all []blockTables) (ok bool, err error) {
	distinct, isUnion := unionKind(n)
	if !isUnion || n.With != nil || len(all) != len(n.SelectList.Selects) {
		return false, nil
	}
	var shards []string
	for _, bt := range all {
		if flatSelect(bt) != "" || HasParams(bt.sel.Fields) {
			// A marker in a select list: the columns would be named after
			// the bound values (a cached shape's marker stands for a
			// literal whose text names its column).
			return false, nil
		}
		if err := r.joinedOnKeys(bt.from, bt.sel.From, bt.sel.Where); err != nil {
			return true, err
		}
		for _, t := range bt.from {
			if t.kind == sharding.Unsharded {
				return false, nil
			}
		}
		for _, t := range bt.sharded {
			if shards == nil {
				shards = t.table.Shards
			} else if !sameShards(shards, t.table.Shards) {
				return true, errUnsupported("UNION of sharded tables %s and %s over several shards is not supported: they live on different shards", all[0].sharded[0], t)
			}
		}
	}
	for _, bt := range all {
		for _, t := range bt.from {
			if t.kind == sharding.Broadcast && !slices.ContainsFunc(shards, func(s string) bool { return !slices.Contains(t.table.Shards, s) }) {
				continue
			}
			if t.kind == sharding.Broadcast {
				return true, errUnsupported("UNION over sharded table %s is not supported: broadcast table %s has no copy on some of its shards", all[0].sharded[0], t)
			}
		}
	}
	first := all[0].sel
	u := &unionPlan{shards: shards}
	for _, bt := range all {
		u.parts = append(u.parts, unionPart{table: bt.sharded[0].table, conds: bt.keyConds()})
	}
	u.merge = Merge{Count: -1, Distinct: distinct, SortVisible: true}
	if n.OrderBy != nil {
		for _, item := range n.OrderBy.Items {
			col, err := unionOrderColumn(item.Expr, first.Fields.Fields)
			if err != nil {
				return true, err
			}
			u.merge.OrderBy = append(u.merge.OrderBy, OrderKey{Col: col, Desc: item.Desc})
		}
	}
	// The shards' UNION aggregates the SELECTs' types: a stored FLOAT
	// beside a DOUBLE comes as a DOUBLE of fixed decimals whose text is
	// rounded. Every column counts as computed for the binary protocol.
	for i := range first.Fields.Fields {
		u.merge.Computed = append(u.merge.Computed, i)
		if first.Fields.Fields[i].WildCard != nil {
			u.merge.Computed, u.merge.AllComputed = nil, true
			break
		}
	}
	var orderCols []int
	for _, k := range u.merge.OrderBy {
		orderCols = append(orderCols, k.Col)
	}
	u.merge.ConnText, u.textErr = r.unionTextError(all, orderCols, distinct)
	if distinct && n.OrderBy != nil {
		u.tieKeys = r.unionTieKeys(all)
		if u.tieKeys != nil {
			visible := len(first.Fields.Fields)
			u.merge.OrderBy = append(u.merge.OrderBy, OrderKey{Col: visible}, OrderKey{Col: visible + 1})
			u.merge.Hidden = 2
		}
	}
	if u.count, err = limitValue(limitCount(n.Limit)); err != nil {
		return true, err
	}
	if u.off, err = limitValue(limitOffset(n.Limit)); err != nil {
		return true, err
	}
	if n.Limit != nil && n.Limit.Offset == nil {
		u.off = limitSrc{n: 0, param: -1}
	}
	// The result columns are named after the first SELECT's text (f / 3,
	// not the rendered `f`/3).
	nameFields(first)
	p.union = u
	return true, nil
}

// compile makes the statement's template without its LIMIT (the plan is
// not shared yet: the tree may be edited, and is put back).
func (u *unionPlan) compile(n *ast.SetOprStmt) {
	limit := n.Limit
	n.Limit = nil
	defer func() { n.Limit = limit }()
	if u.tieKeys == nil {
		u.tpl = templateOf(n)
		return
	}
	for i, sel := range unionSelects(n) {
		fields := sel.Fields.Fields
		sel.Fields.Fields = append(fields[:len(fields):len(fields)],
			&ast.SelectField{Expr: ast.NewValueExpr(int64(i), "", ""), AsName: ast.NewCIStr(unionPartCol)},
			&ast.SelectField{Expr: &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(u.tieKeys[i])}}, AsName: ast.NewCIStr(unionKeyCol)})
		defer func() { sel.Fields.Fields = fields }()
	}
	order := n.OrderBy.Items
	n.OrderBy.Items = append(order[:len(order):len(order)],
		&ast.ByItem{Expr: &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(unionPartCol)}}},
		&ast.ByItem{Expr: &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(unionKeyCol)}}})
	defer func() { n.OrderBy.Items = order }()
	u.tpl = templateOf(n)
}

// The hidden columns of a UNION DISTINCT's tie-break.
const (
	unionPartCol = "__xa_up"
	unionKeyCol  = "__xa_uk"
)

// unionSelects are n's SELECTs (unwrapped from their parentheses).
func unionSelects(n *ast.SetOprStmt) []*ast.SelectStmt {
	var out []*ast.SelectStmt
	for _, s := range n.SelectList.Selects {
		switch x := s.(type) {
		case *ast.SelectStmt:
			out = append(out, x)
		case *ast.SetOprSelectList:
			out = append(out, x.Selects[0].(*ast.SelectStmt))
		}
	}
	return out
}

// unionTieKeys names each SELECT's one-column integer primary key, or
// nil when one has none, reads several tables or a view, or has a
// wildcard (the hidden columns' positions would be unknown).
func (r *Router) unionTieKeys(all []blockTables) []string {
	var keys []string
	for _, bt := range all {
		if len(bt.from) != 1 || bt.from[0].view != nil {
			return nil
		}
		for _, f := range bt.sel.Fields.Fields {
			if f.WildCard != nil {
				return nil
			}
		}
		def := r.Catalog().Table(bt.from[0].schema, bt.from[0].name)
		if def == nil {
			return nil
		}
		pk := def.PrimaryKey()
		if len(pk) != 1 || def.ColumnIndex(pk[0]) < 0 {
			return nil
		}
		c := def.Columns[def.ColumnIndex(pk[0])]
		if t := strings.ToLower(c.Type); !strings.HasPrefix(t, "int") && !strings.HasPrefix(t, "bigint") &&
			!strings.HasPrefix(t, "smallint") && !strings.HasPrefix(t, "mediumint") && !strings.HasPrefix(t, "tinyint") {
			return nil
		}
		keys = append(keys, pk[0])
	}
	return keys
}

func (u *unionPlan) bind(params []Param, ct ClientText) (*Exec, error) {
	shards := u.shardsFor(params, ct)
	if len(shards) <= 1 {
		// One shard holds every row: it runs the client's statement.
		return &Exec{Parts: []Part{{Shard: append(shards, u.shards[0])[0]}}}, nil
	}
	if len(u.merge.OrderBy) == 0 { // no ORDER BY
		return nil, errUnsupported("UNION over sharded table %s reading shards %s needs an ORDER BY on its result columns: without one, one MariaDB returns each SELECT's rows in turn, in its scan order, which rows merged from several shards do not follow", u.parts[0].table.Name, strings.Join(shards, ", "))
	}
	if u.textErr != nil {
		return nil, u.textErr
	}
	count, err := u.count.value(params)
	if err != nil {
		return nil, err
	}
	off, err := u.off.value(params)
	if err != nil {
		return nil, err
	}
	text, err := u.tpl.bound(params)
	if err != nil {
		return nil, err
	}
	switch {
	case u.tieKeys != nil:
		// With the tie-break's columns a shard's rows are all distinct to
		// it: its first offset+count (or sql_select_limit) need not hold
		// the statement's. It sends them all; the merge cuts.
		text += distinctLimit
	case count >= 0:
		text += " LIMIT " + strconv.FormatInt(min(count, 1<<63-1-off)+off, 10)
	}
	merge := u.merge
	merge.Count, merge.Offset = count, off
	e := &Exec{Merge: &merge, Parts: make([]Part, len(shards))}
	for i, s := range shards {
		e.Parts[i] = Part{Shard: s, SQL: text}
	}
	return e, nil
}

// shardsFor lists, in configuration order, the shards that may hold rows
// of some SELECT for these parameters.
func (u *unionPlan) shardsFor(params []Param, text ClientText) []string {
	var out []string
	for _, s := range u.shards {
		for _, part := range u.parts {
			if ss, _ := shardsFor(part.table, part.conds, params, text); slices.Contains(ss, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// unionKind tells whether n is a UNION of SELECTs (each in parentheses or
// not), and whether it removes duplicates: all UNION ALL, or a last UNION
// DISTINCT (which makes the whole result distinct); a UNION ALL after a
// UNION DISTINCT is not merged.
func unionKind(n *ast.SetOprStmt) (distinct, ok bool) {
	sawDistinct := false
	for i, s := range n.SelectList.Selects {
		op, isSel := (*ast.SetOprType)(nil), false
		switch x := s.(type) {
		case *ast.SelectStmt:
			op, isSel = x.AfterSetOperator, true
		case *ast.SetOprSelectList:
			// (SELECT ...): a list of one SELECT, with no ORDER BY or
			// LIMIT of its own.
			if len(x.Selects) == 1 && x.OrderBy == nil && x.Limit == nil && x.With == nil {
				_, isSel = x.Selects[0].(*ast.SelectStmt)
				op = x.AfterSetOperator
			}
		}
		if !isSel {
			return false, false
		}
		if i == 0 {
			continue
		}
		if op == nil {
			return false, false
		}
		switch *op {
		case ast.Union:
			sawDistinct, distinct = true, true
		case ast.UnionAll:
			if sawDistinct {
				return false, false
			}
			distinct = false
		default:
			return false, false
		}
	}
	return distinct, len(n.SelectList.Selects) > 1
}

// unionOrderColumn is the result column an ORDER BY item of a UNION names:
// a position, or the name of a column of the first SELECT.
func unionOrderColumn(e ast.ExprNode, fields []*ast.SelectField) (int, error) {
	switch x := e.(type) {
	case *ast.PositionExpr:
		if x.P != nil || x.N < 1 || (x.N > len(fields) && !slices.ContainsFunc(fields, func(f *ast.SelectField) bool { return f.WildCard != nil })) {
			return 0, errUnsupported("ORDER BY of a UNION over several shards takes the positions or names of its result columns")
		}
		return x.N - 1, nil
	case *ast.ColumnNameExpr:
		if x.Name.Table.O == "" && !slices.ContainsFunc(fields, func(f *ast.SelectField) bool { return f.WildCard != nil }) {
			col := -1
			for i, f := range fields {
				if strings.EqualFold(fieldName(f), x.Name.Name.O) {
					if col >= 0 {
						return 0, errUnsupported("ORDER BY %s of a UNION over several shards names two result columns: use its position", x.Name.Name.O)
					}
					col = i
				}
			}
			if col >= 0 {
				return col, nil
			}
		}
	}
	return 0, errUnsupported("ORDER BY of a UNION over several shards takes the positions or names of its result columns (the first SELECT's), not %s", textOf(e))
}

func limitCount(l *ast.Limit) ast.ExprNode {
	if l == nil {
		return nil
	}
	return l.Count
}

func limitOffset(l *ast.Limit) ast.ExprNode {
	if l == nil {
		return nil
	}
	return l.Offset
}

// sameShards tells whether two tables live on the same shards.
func sameShards(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}
