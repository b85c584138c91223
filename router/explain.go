package router

import (
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// planExplain routes EXPLAIN. DESCRIBE t (EXPLAIN t, DESC t [col]) is
// SHOW COLUMNS and goes where that goes: any shard holding the table
// answers it as one server would. EXPLAIN of a statement runs only where
// one shard holds every row the statement reads: unsharded and broadcast
// tables. Over a sharded table each shard's plan is made for its part of
// the rows, and no shard's is the plan one server holding them all would
// make.
func (r *Router) planExplain(p *Plan, n *ast.ExplainStmt, user, db string) error {
	if show, ok := n.Stmt.(*ast.ShowStmt); ok {
		return r.planShow(p, show, user, db)
	}
	if n.Analyze {
		// MySQL's form; MariaDB's is ANALYZE <statement>, which runs it.
		return mysql.NewError(mysql.ER_PARSE_ERROR, "EXPLAIN ANALYZE is MySQL's syntax, which MariaDB does not have (its ANALYZE <statement> runs the statement and is not supported through xaproxy)")
	}
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	if pl := place(tables); len(pl.sharded) > 0 {
		return errUnsupported("EXPLAIN of a statement reading sharded table %s is not supported: each shard plans for its own part of the rows, so no shard's plan is the one a single server would make; EXPLAIN runs over unsharded and broadcast tables, and DESCRIBE over any table", pl.sharded[0])
	}
	return r.planAllOnOneShard(p, user, db, "")
}
