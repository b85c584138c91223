package router

import "github.com/pingcap/tidb/pkg/parser/ast"

// unionHelp says when a UNION, INTERSECT or EXCEPT over sharded tables
// runs, for the messages that refuse one.
const unionHelp = "UNION, INTERSECT and EXCEPT over sharded tables run only when every SELECT in them (and in their subqueries) " +
	"restricts its sharded tables to the same one shard (shard key = value in its own WHERE)"

// planSetOpr plans UNION, INTERSECT and EXCEPT. Without sharded tables the
// statement runs where its tables are; with them, only pinned to one
// shard: the set operation's rows on one shard are not its rows over all.
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
	return r.planPinned(p, all, unionHelp)
}
