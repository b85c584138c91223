package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// planDDL sends schema changes to every shard that holds the table.
func (r *Router) planDDL(p *Plan, n ast.StmtNode, user, db string) error {
	p.ddl = true
	switch x := n.(type) {
	case *ast.LockTablesStmt:
		return r.planLockTables(p, x, user, db)
	case *ast.CreateDatabaseStmt:
		if err := r.CheckSchema(user, x.Name.O); err != nil {
			return err
		}
		p.fanout = r.rules.Shards()
		return nil
	case *ast.DropDatabaseStmt:
		if err := r.CheckSchema(user, x.Name.O); err != nil {
			return err
		}
		p.fanout = r.rules.Shards()
		return nil
	case *ast.CreateViewStmt:
		if done, err := r.planCreateView(p, x, user, db); done || err != nil {
			return err
		}
	case *ast.RenameTableStmt:
		tables, err := r.resolveAll(p.Stmt, user, db)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if t.kind != sharding.Unsharded {
				return errUnsupported("RENAME of %s table %s is not supported: its name is in xaproxy's configuration", t.kind, t)
			}
		}
		return r.planNonSharded(p, place(tables), db, "")
	case *ast.AlterTableStmt:
		t, err := r.resolve(x.Table.Schema.O, x.Table.Name.O, user, db)
		if err != nil {
			return err
		}
		if err := r.checkForeignKeys(x, t, user); err != nil {
			return err
		}
		def, _ := r.definition(t)
		if err := checkShardKeyAlter(x, t, def); err != nil {
			return err
		}
	case *ast.CreateTableStmt:
		if x.Select != nil {
			tables, err := r.resolveAll(p.Stmt, user, db)
			if err != nil {
				return err
			}
			pl := place(tables)
			if len(pl.sharded) > 0 || len(pl.broadcast) > 0 {
				return errUnsupported("CREATE TABLE ... SELECT with sharded or broadcast tables is not supported")
			}
		}
		t, err := r.resolve(x.Table.Schema.O, x.Table.Name.O, user, db)
		if err != nil {
			return err
		}
		if err := r.checkForeignKeys(x, t, user); err != nil {
			return err
		}
		if t.kind == sharding.Broadcast {
			// A sharded table's ids come from the proxy's sequence
			// (autoinc.go); a broadcast table's copies would each make
			// their own.
			for _, c := range x.Cols {
				for _, o := range c.Options {
					if o.Tp == ast.ColumnOptionAutoIncrement {
						return errUnsupported("AUTO_INCREMENT column %s in %s table %s is not supported: each shard would hand out the same ids; generate ids in the application", c.Name.Name.O, t.kind, t)
					}
				}
			}
		}
	}
	tables, err := r.resolveAll(p.Stmt, user, db)
	if err != nil {
		return err
	}
	if len(tables) == 0 {
		return r.planNonSharded(p, placement{}, db, "")
	}
	var shards []string
	for _, t := range tables {
		switch t.kind {
		case sharding.Unsharded:
			shards = appendNew(shards, t.home)
		default:
			for _, s := range t.table.Shards {
				shards = appendNew(shards, s)
			}
		}
	}
	if len(tables) > 1 {
		// DROP TABLE a, b where a and b live on different shards: each shard
		// drops what it has; IF EXISTS is required so that the others don't fail.
		if d, ok := n.(*ast.DropTableStmt); ok && len(shards) > 1 && !d.IfExists && !sameHome(tables) {
			return errUnsupported("DROP TABLE of tables on different shards needs IF EXISTS (each shard drops the tables it holds)")
		}
		if _, ok := n.(*ast.DropTableStmt); !ok && !sameHome(tables) {
			return errUnsupported("%s naming tables on different shards is not supported", strings.ToUpper(strings.SplitN(strings.TrimSpace(p.Stmt.SQL), " ", 2)[0]))
		}
	}
	p.fanout = orderLike(shards, r.rules.Shards())
	if len(p.fanout) > 1 {
		p.lockProbe = lockProbe(n, r.probedTables(tables), p.Stmt.LockWait)
	}
	if len(tables) == 1 {
		// A sharded table's shards change their own rows (an ALTER's
		// copied rows add up); a broadcast table's, copies of the same.
		p.sumAffected, p.copies = tables[0].kind == sharding.Sharded, tables[0].kind == sharding.Broadcast
	}
	return nil
}

func sameHome(tables []tableInfo) bool {
	first := placementShards(tables[0])
	for _, t := range tables[1:] {
		s := placementShards(t)
		if strings.Join(s, ",") != strings.Join(first, ",") {
			return false
		}
	}
	return true
}

func placementShards(t tableInfo) []string {
	if t.kind == sharding.Unsharded {
		return []string{t.home}
	}
	return t.table.Shards
}

func appendNew(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}

// orderLike sorts shards in configuration order.
func orderLike(shards, order []string) []string {
	var out []string
	for _, s := range order {
		if contains(shards, s) {
			out = append(out, s)
		}
	}
	return out
}

// tableAdmin tells whether n is a table maintenance statement, whose
// answer is a result set.
func tableAdmin(n ast.StmtNode) bool {
	switch n.(type) {
	case *ast.AnalyzeTableStmt, *ast.OptimizeTableStmt:
		return true
	}
	return false
}
