package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// Statements over sharded tables with subqueries or derived tables
// (nested SELECTs). Each shard answers only for the rows it holds, so a
// nested SELECT is exact only where the rows it needs for any outer row are
// on the shard evaluating it. Three forms are planned, tried in order:
//
//   - confined (confined.go): the outer query is an ordinary sharded query
//     and every subquery sits in its WHERE and reads only broadcast tables,
//     or only co-located rows with the outer row's own shard key value
//     (key IN (SELECT key ...), EXISTS (... inner.key = outer.key ...));
//   - a derived table that spans shards (derived.go): the outer query's
//     only table is a derived table without aggregates, DISTINCT or LIMIT,
//     whose rows are the union of the shards' rows, so the outer query
//     merges like a query over one sharded table;
//   - pinned (pinned.go): every SELECT of the statement restricts its
//     sharded tables to the same single shard; the statement runs there
//     unchanged.

// block is one SELECT of a statement and what it is to its statement.
type block struct {
	sel  *ast.SelectStmt
	what string // "the query", "a derived table", "a subquery"
}

// blockFinder lists the SELECTs of a statement, outermost first.
type blockFinder struct {
	blocks []block
	kinds  map[ast.Node]string
	stack  []string
	// bad names a construct no nested plan accepts.
	bad string
}

func findBlocks(n ast.Node) ([]block, string) {
	f := &blockFinder{kinds: map[ast.Node]string{}}
	n.Accept(f)
	return f.blocks, f.bad
}

func (f *blockFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.TableSource:
		if _, ok := x.Source.(*ast.TableName); !ok {
			f.kinds[x.Source] = "a derived table"
		}
	case *ast.SubqueryExpr:
		f.kinds[x.Query] = "a subquery"
	case *ast.SelectStmt:
		f.push(n)
		f.blocks = append(f.blocks, block{sel: x, what: f.stack[len(f.stack)-1]})
		if x.With != nil && f.bad == "" {
			f.bad = "a WITH clause"
		}
	case *ast.SetOprStmt:
		f.push(n)
		if x.With != nil && f.bad == "" {
			f.bad = "a WITH clause"
		}
	case *ast.SelectIntoOption:
		if f.bad == "" {
			f.bad = "SELECT ... INTO"
		}
	}
	return n, false
}

// push records what a SELECT or set operation is: what its parent made it,
// else what the enclosing set operation is (its SELECTs share its role).
func (f *blockFinder) push(n ast.Node) {
	what := f.kinds[n]
	if what == "" {
		what = "the query"
		if len(f.stack) > 0 {
			what = f.stack[len(f.stack)-1]
		}
	}
	f.stack = append(f.stack, what)
}

func (f *blockFinder) Leave(n ast.Node) (ast.Node, bool) {
	switch n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		f.stack = f.stack[:len(f.stack)-1]
	}
	return n, true
}

// hasNested tells whether a SELECT contains another SELECT.
func hasNested(sel *ast.SelectStmt) bool {
	c := &selectCounter{}
	sel.Accept(c)
	return c.n > 1
}

// selectCounter counts SELECTs, stopping at the second.
type selectCounter struct{ n int }

func (c *selectCounter) Enter(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(*ast.SelectStmt); ok {
		c.n++
	}
	return n, c.n > 1
}

func (c *selectCounter) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// blockTables is what one SELECT reads directly (its FROM clause).
type blockTables struct {
	block
	from    []tableInfo
	derived bool // FROM has a derived table
	sharded []tableInfo
}

func (r *Router) blockTables(b block, user, db string) (blockTables, error) {
	from, derived, err := r.fromTables(b.sel.From, user, db)
	if err != nil {
		return blockTables{}, err
	}
	bt := blockTables{block: b, from: from, derived: derived}
	for _, t := range from {
		if t.kind == sharding.Sharded {
			bt.sharded = append(bt.sharded, t)
		}
	}
	return bt, nil
}

// keyConds are the restrictions the SELECT's own WHERE puts on the shard
// key of its (co-located) sharded tables. An unqualified name is a table's
// own only when the FROM has that one table: a nested SELECT resolves a
// name in its own FROM first, and a sharded table always has its key.
func (bt blockTables) keyConds() []keyCond {
	kt := keyTarget{tables: bt.sharded, single: len(bt.from) == 1 && !bt.derived}
	return kt.keyConds(bt.sel.Where)
}

// planNested plans a SELECT over sharded tables that contains other
// SELECTs.
func (r *Router) planNested(p *Plan, sel *ast.SelectStmt, user, db string) error {
	blocks, bad := findBlocks(sel)
	if bad != "" {
		return r.refuseNested(p, bad, user, db)
	}
	all, err := r.allBlockTables(p, blocks, user, db)
	if err != nil {
		return err
	}
	if ok, err := r.planConfined(p, sel, all, user, db); ok || err != nil {
		return err
	}
	if ok, err := r.planDerived(p, sel, all); ok || err != nil {
		return err
	}
	return r.planPinned(p, all, nestedHelp)
}

// allBlockTables resolves the FROM tables of every SELECT of a statement.
func (r *Router) allBlockTables(p *Plan, blocks []block, user, db string) ([]blockTables, error) {
	all := make([]blockTables, len(blocks))
	n := 0
	for i, b := range blocks {
		bt, err := r.blockTables(b, user, db)
		if err != nil {
			return nil, err
		}
		all[i] = bt
		n += len(bt.from)
	}
	if n != len(p.Stmt.Tables) {
		// A table named somewhere other than a FROM clause: nothing here
		// knows where its rows are needed.
		return nil, r.refuseNested(p, "a table outside FROM", user, db)
	}
	return all, nil
}

// refuseNested refuses a construct that no nested plan accepts, naming the
// first sharded table of the statement.
func (r *Router) refuseNested(p *Plan, what, user, db string) error {
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	return errUnsupported("%s over sharded table %s is not supported: xaproxy cannot run it correctly across shards", what, place(tables).sharded[0])
}

// nestedHelp says what a statement with nested SELECTs may do, for the
// messages that refuse one.
const nestedHelp = "xaproxy runs subqueries and derived tables when all their tables are on one shard " +
	"(each sharded table restricted to one value of its shard key in its own WHERE), " +
	"and over several shards as: subqueries over broadcast tables in WHERE, " +
	"key IN (SELECT key ...) or EXISTS (... inner.key = outer.key ...) between co-located tables in WHERE, " +
	"or a derived table without GROUP BY, aggregates, DISTINCT or LIMIT as the outer query's only table"
