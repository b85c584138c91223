package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/xaproxy/xaproxy/sharding"
)

// A query over sharded tables whose subqueries, all in its WHERE, each
// give on a shard the answer they give over all rows for every outer row
// that shard holds: the query then runs on each shard and merges like one
// without subqueries. A subquery is confined so when
//
//   - all its tables are broadcast tables with a copy on every shard of the
//     outer query: each shard has all its rows;
//   - it is `outer.key IN (SELECT inner.key FROM ...)`, a top-level
//     conjunct of WHERE, over tables co-located with the outer ones, with
//     no aggregate, GROUP BY or LIMIT: the outer row matches when some
//     inner row has its key value, and those rows are on the outer row's
//     shard. (At the top of WHERE, FALSE and NULL both reject the row, so
//     the NULL keys of other shards make no difference; NOT IN is not
//     confined.)
//   - it is EXISTS (SELECT ... WHERE inner.key = outer.key AND ...) over
//     co-located tables: the only inner rows that can count are on the
//     outer row's shard.

// planConfined plans sel when it is that form; ok is false when it is not.
func (r *Router) planConfined(p *Plan, sel *ast.SelectStmt, all []blockTables, user, db string) (ok bool, err error) {
	outer := all[0]
	if outer.derived || len(outer.sharded) == 0 || sel.Where == nil || outerComplex(sel) != "" {
		return false, nil
	}
	if inWhere, _ := findBlocks(sel.Where); len(inWhere) != len(all)-1 {
		return false, nil
	}
	if err := r.joinedOnKeys(outer.from, sel.From, sel.Where); err != nil {
		return false, nil // the pinned plan may still run it on one shard
	}
	c := &confiner{r: r, outer: outer, bySel: map[*ast.SelectStmt]blockTables{}, allowed: map[*ast.SubqueryExpr]bool{}}
	for _, bt := range all[1:] {
		c.bySel[bt.sel] = bt
	}
	for _, conj := range splitAnd(sel.Where, nil) {
		if in, ok := conj.(*ast.PatternInExpr); ok && c.keyIn(in) {
			c.allowed[in.Sel.(*ast.SubqueryExpr)] = true
		}
	}
	sel.Where.Accept(c)
	if !c.ok() {
		return false, nil
	}
	return true, r.planKeyed(p, sel, user, db)
}

// confiner checks the subqueries of a WHERE clause.
type confiner struct {
	r       *Router
	outer   blockTables
	bySel   map[*ast.SelectStmt]blockTables
	allowed map[*ast.SubqueryExpr]bool
	bad     bool
}

func (c *confiner) ok() bool { return !c.bad }

func (c *confiner) Enter(n ast.Node) (ast.Node, bool) {
	if c.bad {
		return n, true
	}
	switch x := n.(type) {
	case *ast.ExistsSubqueryExpr:
		if sub, ok := x.Sel.(*ast.SubqueryExpr); ok && c.correlatedOnKey(sub) {
			c.allowed[sub] = true
		}
	case *ast.SubqueryExpr:
		if !c.allowed[x] && !c.broadcastOnly(x) {
			c.bad = true
		}
		return n, true
	}
	return n, false
}

func (c *confiner) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// broadcastOnly: every table of the subquery, at any depth, is a broadcast
// table with a copy on each shard of the outer query's sharded tables.
func (c *confiner) broadcastOnly(sub *ast.SubqueryExpr) bool {
	blocks, _ := findBlocks(sub.Query)
	for _, b := range blocks {
		for _, t := range c.bySel[b.sel].from {
			if t.kind != sharding.Broadcast {
				return false
			}
			for _, s := range c.outer.sharded[0].table.Shards {
				if !contains(t.table.Shards, s) {
					return false
				}
			}
		}
	}
	return true
}

// inner is the one SELECT of a subquery when it reads co-located sharded
// tables (and broadcast ones) with nothing that combines rows.
func (c *confiner) inner(sub *ast.SubqueryExpr) (blockTables, bool) {
	sel, ok := sub.Query.(*ast.SelectStmt)
	if !ok {
		return blockTables{}, false
	}
	if blocks, _ := findBlocks(sel); len(blocks) != 1 {
		return blockTables{}, false
	}
	bt := c.bySel[sel]
	if flatSelect(bt) != "" || sel.OrderBy != nil {
		return blockTables{}, false
	}
	for _, t := range bt.sharded {
		if !c.r.rules.Colocated(c.outer.sharded[0].table, t.table) {
			return blockTables{}, false
		}
	}
	if c.r.joinedOnKeys(bt.from, sel.From, sel.Where) != nil {
		return blockTables{}, false
	}
	return bt, true
}

// keyIn: `outer.key IN (SELECT inner.key ...)`.
func (c *confiner) keyIn(in *ast.PatternInExpr) bool {
	sub, ok := in.Sel.(*ast.SubqueryExpr)
	if !ok || in.Not || !c.outerKey().isKey(in.Expr) {
		return false
	}
	bt, ok := c.inner(sub)
	if !ok {
		return false
	}
	fields := bt.sel.Fields.Fields
	return len(fields) == 1 && fields[0].WildCard == nil && innerKey(bt).isKey(fields[0].Expr)
}

// correlatedOnKey: a top-level conjunct of the subquery's WHERE equates an
// inner table's key with an outer table's key, named by an alias the
// subquery does not define itself.
func (c *confiner) correlatedOnKey(sub *ast.SubqueryExpr) bool {
	bt, ok := c.inner(sub)
	if !ok {
		return false
	}
	own := map[string]bool{}
	for _, t := range bt.from {
		own[t.alias] = true
	}
	outerCol := func(e ast.ExprNode) bool {
		col, ok := e.(*ast.ColumnNameExpr)
		return ok && col.Name.Table.O != "" && !own[col.Name.Table.L] && keyTarget{tables: c.outer.sharded}.isKey(col)
	}
	ik := innerKey(bt)
	for _, conj := range splitAnd(bt.sel.Where, nil) {
		b, ok := conj.(*ast.BinaryOperationExpr)
		if !ok || b.Op != opcode.EQ {
			continue
		}
		if ik.isKey(b.L) && outerCol(b.R) || ik.isKey(b.R) && outerCol(b.L) {
			return true
		}
	}
	return false
}

// outerKey recognises the outer query's shard keys.
func (c *confiner) outerKey() keyTarget {
	return keyTarget{tables: c.outer.sharded, single: len(c.outer.from) == 1}
}

// innerKey recognises a subquery's own shard keys.
func innerKey(bt blockTables) keyTarget {
	return keyTarget{tables: bt.sharded, single: len(bt.from) == 1 && !bt.derived}
}
