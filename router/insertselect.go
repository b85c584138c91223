package router

import (
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// INSERT ... SELECT into a sharded table runs as written on each shard
// when every row the SELECT gives stays on the shard that reads it: the
// SELECT reads one sharded table co-located with the target (same rule,
// key type and shards), gives the target's shard key from the source's
// shard key column unchanged (both of the same column type, so that the
// values route alike), and is answered whole by each shard for its own
// rows (no aggregate, GROUP BY, DISTINCT, LIMIT, window function, subquery
// or UNION). Each shard then moves its own rows (an archive copy of a
// table, for one), and the statement's answer adds up the shards' (rows,
// "Records: N  Duplicates: D  Warnings: W"). Other forms would move rows
// between shards and are refused.

// planInsertSelect plans ins, whose target t is sharded.
func (r *Router) planInsertSelect(p *Plan, ins *ast.InsertStmt, t tableInfo, user, db string) error {
	refuse := func(why string) error {
		return errUnsupported("INSERT ... SELECT into sharded table %s is not supported here: %s. It runs when %s has no AUTO_INCREMENT column and the SELECT reads one sharded table co-located with it, gives its shard key %s from that table's shard key column of the same type, and has no aggregate, GROUP BY, DISTINCT, LIMIT, window function, subquery or UNION, so that each shard's rows stay on it",
			t, why, t.name, t.table.ShardKey)
	}
	sel, ok := ins.Select.(*ast.SelectStmt)
	if !ok {
		return refuse("the SELECT is a UNION or a parenthesized query")
	}
	if what := complexPart(sel); what != "" {
		return refuse("the SELECT has " + what)
	}
	for _, a := range ins.OnDuplicate {
		if anyNode(a.Expr, func(n ast.Node) bool { _, ok := n.(*ast.SubqueryExpr); return ok }) {
			return refuse("its ON DUPLICATE KEY UPDATE has a subquery, which each shard would answer from its own rows")
		}
	}
	switch {
	case isAggregate(sel) || sel.GroupBy != nil || sel.Having != nil:
		return refuse("the SELECT aggregates or groups its rows")
	case sel.Distinct:
		return refuse("the SELECT has DISTINCT")
	case sel.Limit != nil:
		return refuse("the SELECT has a LIMIT, which is over all shards' rows")
	}
	if sel.From == nil {
		return refuse("the SELECT reads no table")
	}
	from, _, err := r.fromTables(sel.From, user, db)
	if err != nil {
		return err
	}
	if len(from) != 1 || from[0].kind != sharding.Sharded || from[0].view != nil || !r.rules.Colocated(t.table, from[0].table) {
		return refuse("the SELECT does not read exactly one sharded table co-located with it")
	}
	src := from[0]
	def, err := r.definition(t)
	if err != nil {
		return err
	}
	if def.AutoIncrement() >= 0 {
		return refuse("it has an AUTO_INCREMENT column, whose ids xaproxy gives")
	}
	pos, _, err := r.keyPosition(ins, t, nil)
	if err != nil {
		return err
	}
	kt := keyTarget{tables: []tableInfo{src}, single: true}
	if field, err := r.selectFieldAt(sel, src, pos); err != nil {
		return err
	} else if field == nil {
		p.fixed = src.table.Shards[0] // too few columns: MariaDB's 1136, from any shard
		return nil
	} else if !kt.isKey(field) {
		return refuse("its shard key is not given by the shard key column " + src.table.ShardKey + " of " + src.name)
	}
	if why, err := r.keysRouteAlike(t, src); err != nil {
		return err
	} else if why != "" {
		return refuse(why)
	}
	k := &keyedPlan{table: src.table, conds: kt.keyConds(sel.Where)}
	if p.Stmt.Returning != nil {
		// One server returns the rows in the order it inserts them; the
		// shards' lists, one after another, would not be.
		k.singleOnly = errUnsupported("INSERT ... SELECT ... RETURNING into sharded table %s must target one shard: one server returns the rows in the order it inserts them", t).(*mysql.MyError)
	}
	p.keyed = k
	return nil
}

// selectFieldAt returns the expression of sel's select list at position
// pos, a wildcard standing for src's columns (catalog order, without the
// INVISIBLE ones); nil past the end.
func (r *Router) selectFieldAt(sel *ast.SelectStmt, src tableInfo, pos int) (ast.ExprNode, error) {
	i := 0
	for _, f := range sel.Fields.Fields {
		if f.WildCard == nil {
			if i == pos {
				return f.Expr, nil
			}
			i++
			continue
		}
		def, err := r.definition(src)
		if err != nil {
			return nil, err
		}
		cols := def.Positional()
		if pos < i+len(cols) {
			return &ast.ColumnNameExpr{Name: &ast.ColumnName{Name: ast.NewCIStr(cols[pos-i].Name)}}, nil
		}
		i += len(cols)
	}
	return nil, nil
}

// keysRouteAlike says why the shard key columns of a and b may route the
// same value apart ("" if they cannot): another type, or strings, whose
// conversion between the columns' character sets (which the catalog does
// not hold) may change their bytes.
func (r *Router) keysRouteAlike(a, b tableInfo) (string, error) {
	da, err := r.definition(a)
	if err != nil {
		return "", err
	}
	db, err := r.definition(b)
	if err != nil {
		return "", err
	}
	ia, ib := da.ColumnIndex(a.table.ShardKey), db.ColumnIndex(b.table.ShardKey)
	if ia < 0 || ib < 0 || !strings.EqualFold(da.Columns[ia].Type, db.Columns[ib].Type) {
		return "the two shard key columns have different types, whose values may route apart", nil
	}
	if k, err := keyColumnOf(da.Columns[ia]); err != nil || !k.integer {
		return "its shard key is not an integer column (strings may change bytes between the columns' character sets)", nil
	}
	return "", nil
}
