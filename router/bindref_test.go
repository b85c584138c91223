package router

import (
	"math"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// The binding code before templates (commit efc09a1), which restored the
// plan's tree with temporary edits: the reference that the templates must
// reproduce byte for byte (TestTemplatesMatchReference). Single-goroutine
// use only.

func refBindWith(p *Plan, params []Param, opts BindOptions) (*Exec, error) {
	e, err := refBind(p, params, opts)
	if err == nil && opts.LockReads {
		e, err = refLockReads(p, e, params)
	}
	if err != nil {
		return nil, err
	}
	e.Op = p.execOp(e)
	return e, nil
}

func refLockReads(p *Plan, e *Exec, params []Param) (*Exec, error) {
	sel, ok := p.Stmt.Node.(*ast.SelectStmt)
	if !ok || sel.LockInfo != nil || sel.SelectIntoOpt != nil || len(p.Stmt.Tables) == 0 {
		return e, nil
	}
	const lock = " LOCK IN SHARE MODE"
	if !e.Single() {
		for i := range e.Parts {
			if e.Parts[i].SQL != "" && !strings.HasSuffix(e.Parts[i].SQL, lock) {
				e.Parts[i].SQL += lock
			}
		}
		e.Locking = true
		return e, nil
	}
	txt, err := refRestoreBound(sel, params)
	if err != nil {
		return nil, err
	}
	e.Parts[0].SQL = txt + lock
	e.Locking = true
	return e, nil
}

func refBind(p *Plan, params []Param, opts BindOptions) (*Exec, error) {
	switch {
	case p.insert != nil:
		return refInsertBind(p.insert, p, params, opts)
	case p.keyed != nil:
		return refKeyedBind(p.keyed, p, params)
	case p.derived != nil:
		return refDerivedBind(p.derived, p, params)
	}
	return p.bind(params, opts)
}

func refKeyedBind(k *keyedPlan, p *Plan, params []Param) (*Exec, error) {
	if k.groups != nil || k.merge == nil {
		return k.bind(p, params)
	}
	shards, split := shardsFor(k.table, k.conds, params)
	if len(shards) <= 1 || (k.keepsReplicated != "" || k.requireSingle != "") {
		return k.bind(p, params)
	}
	return refMergeBind(k.merge, shards, split, params)
}

func refMergeBind(m *selectMerge, shards []string, split *inSplit, params []Param) (*Exec, error) {
	count, err := m.count.value(params)
	if err != nil {
		return nil, err
	}
	off, err := m.off.value(params)
	if err != nil {
		return nil, err
	}
	merge := m.merge
	merge.Count, merge.Offset = count, off
	limit := ""
	if m.perShardLimit && count >= 0 {
		limit = " LIMIT " + strconv.FormatInt(min(count, math.MaxInt64-off)+off, 10)
	}
	e := &Exec{Merge: &merge, Locking: m.lock != ""}
	for _, s := range shards {
		where, err := refBoundWhere(m.sel.Where, s, split, params)
		if err != nil {
			return nil, err
		}
		e.Parts = append(e.Parts, Part{Shard: s, SQL: m.head + where + m.tail + limit + m.lock})
	}
	return e, nil
}

func refBoundWhere(where ast.ExprNode, shard string, split *inSplit, params []Param) (string, error) {
	if where == nil {
		return "", nil
	}
	if split != nil {
		in := split.in
		saved := in.List
		items := split.items[shard]
		list := make([]ast.ExprNode, len(items))
		for i, idx := range items {
			list[i] = saved[idx]
		}
		in.List = list
		defer func() { in.List = saved }()
	}
	txt, err := refRestoreBound(where, params)
	if err != nil {
		return "", err
	}
	return " WHERE " + txt, nil
}

func refRestoreBound(n ast.Node, params []Param) (string, error) {
	txt, err := restore(n)
	if err != nil {
		return "", err
	}
	orders := paramOrders(n)
	if len(orders) == 0 {
		return txt, nil
	}
	bound := make([]Param, len(orders))
	for i, o := range orders {
		if o >= len(params) {
			return "", errParamNotBound(o)
		}
		bound[i] = params[o]
	}
	return BindParams(txt, bound)
}

func errParamNotBound(o int) error {
	var t sqlTemplate
	t.text, t.holes = []string{"", ""}, []int{o}
	_, err := t.bound(nil)
	return err
}

func refDerivedBind(d *derivedPlan, p *Plan, params []Param) (*Exec, error) {
	e, err := refKeyedBind(d.keyed, p, params)
	if err != nil || d.from == "" || e.Single() {
		return e, err
	}
	bound, err := refRestoreBound(d.fromNode, params)
	if err != nil {
		return nil, err
	}
	head := d.keyed.merge.head
	for i := range e.Parts {
		sql := e.Parts[i].SQL
		e.Parts[i].SQL = head[:len(head)-len(d.from)] + bound + sql[len(head):]
	}
	return e, nil
}

func refInsertBind(ip *insertPlan, p *Plan, params []Param, opts BindOptions) (*Exec, error) {
	var ids *autoIncIDs
	if ip.auto != nil {
		var err error
		if ids, err = ip.auto.bind(params, len(ip.keys), opts); err != nil {
			return nil, err
		}
	}
	vals := make([]sharding.Value, len(ip.keys))
	for i, k := range ip.keys {
		vals[i] = k.value(params)
		if ip.keyIsAuto {
			vals[i] = ids.keyValue(i)
		}
		if vals[i].IsNull() {
			return nil, errUnsupported("INSERT into %s: row %d has a NULL shard key %s, which no shard holds", ip.table.Name, i+1, ip.table.ShardKey)
		}
	}
	byShard, err := ip.table.LocateValues(vals)
	if err != nil {
		return nil, errUnsupported("INSERT into %s: %v", ip.table.Name, err)
	}
	e := &Exec{Write: true, InsertID: ids.insertID()}
	if ids.rewrites() {
		defer refApply(ip.auto, ip.ins, ids)()
	}
	if len(byShard) == 1 && !ids.rewrites() {
		for s := range byShard {
			e.Parts = []Part{{Shard: s}}
		}
		return e, nil
	}
	ret := p.Stmt.Returning
	if ret != nil {
		if ip.ins.IgnoreErr {
			return nil, errUnsupported("INSERT IGNORE ... RETURNING into sharded table %s must target one shard: the rows go to shards %s", ip.table.Name, strings.Join(sortedShards(ip.table, byShard), ", "))
		}
		e.Returning = &ReturningMerge{}
	}
	saved := ip.ins.Lists
	defer func() { ip.ins.Lists = saved }()
	for _, s := range ip.table.Shards {
		rows, ok := byShard[s]
		if !ok {
			continue
		}
		lists := make([][]ast.ExprNode, len(rows))
		for i, r := range rows {
			lists[i] = saved[r]
		}
		ip.ins.Lists = lists
		txt, err := refRestoreBound(ip.ins, params)
		if err == nil && ret != nil {
			txt, err = p.Stmt.returningText(txt)
			e.Returning.Rows = append(e.Returning.Rows, rows)
		}
		if err != nil {
			return nil, err
		}
		e.Parts = append(e.Parts, Part{Shard: s, SQL: txt, Rows: len(rows)})
	}
	return e, nil
}

func refApply(a *autoIncPlan, ins *ast.InsertStmt, ids *autoIncIDs) func() {
	cols, lists := ins.Columns, ins.Lists
	pos := a.pos
	if pos < 0 {
		pos = len(cols)
		ins.Columns = append(cols[:len(cols):len(cols)], &ast.ColumnName{Name: ast.NewCIStr(a.column)})
	}
	out := make([][]ast.ExprNode, len(lists))
	for i, row := range lists {
		nr := append([]ast.ExprNode(nil), row...)
		if a.pos < 0 {
			nr = append(nr, nil)
		}
		if ids.generated[i] {
			txt := strconv.FormatUint(ids.ids[i], 10)
			if ids.ids[i] == ids.first {
				txt = "LAST_INSERT_ID(" + txt + ")"
			}
			nr[pos] = &rawExpr{FuncCallExpr: &ast.FuncCallExpr{}, text: txt}
		}
		out[i] = nr
	}
	ins.Lists = out
	return func() { ins.Columns, ins.Lists = cols, lists }
}
