package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// unionHelp says when a UNION, INTERSECT or EXCEPT over sharded tables
// runs, for the messages that refuse one.
const unionHelp = "UNION, INTERSECT and EXCEPT over sharded tables run only when every SELECT in them (and in their subqueries) " +
	"restricts its sharded tables to the same one shard (shard key = value in its own WHERE), " +
	"or, for UNION [ALL], when its SELECTs have no GROUP BY, aggregates, DISTINCT, LIMIT or subqueries and it has an ORDER BY on its result columns"

// planSetOpr plans UNION, INTERSECT and EXCEPT. Without sharded tables the
// statement runs where its tables are; with them, pinned to one shard, or
// a UNION of flat SELECTs with an ORDER BY on every shard of its tables
// (unionscatter.go): the rows of other set operations on one shard are
// not their rows over all.
func (r *Router) planSetOpr(p *Plan, n *ast.SetOprStmt, user, db string) error {
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	if len(place(tables).sharded) == 0 {
		return r.planAllOnOneShard(p, user, db, "UNION")
	}
	blocks, bad := findBlocks(n)
	if bad != "" {
		return r.refuseNested(p, bad, user, db)
	}
	all, err := r.allBlockTables(p, blocks, user, db)
	if err != nil {
		return err
	}
	if ok, err := r.planScatterUnion(p, n, all); ok {
		return err
	}
	return r.planPinned(p, all, unionHelp)
}
