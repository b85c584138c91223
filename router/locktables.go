package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// planLockTables sends LOCK TABLES to every shard that holds one of its
// tables, each shard locking only the tables it holds: MariaDB refuses to
// lock a table that does not exist (1146), and mariadb-dump locks all the
// tables of a schema in one statement, sharded, broadcast and unsharded
// together. The session keeps the connection of each shard (a pin), so
// that reads and writes under the locks run where the locks are.
func (r *Router) planLockTables(p *Plan, n *ast.LockTablesStmt, user, db string) error {
	p.ddl = true
	perShard := map[string][]string{}
	var shards []string
	for _, l := range n.TableLocks {
		t, err := r.resolve(l.Table.Schema.O, l.Table.Name.O, user, db)
		if err != nil {
			return err
		}
		for _, s := range placementShards(t) {
			shards = appendNew(shards, s)
			perShard[s] = append(perShard[s], lockItem(l))
		}
	}
	p.fanout = orderLike(shards, r.rules.Shards())
	p.fanoutSQL = map[string]string{}
	for _, s := range p.fanout {
		if len(perShard[s]) < len(n.TableLocks) {
			p.fanoutSQL[s] = "LOCK TABLES " + strings.Join(perShard[s], ", ")
		}
	}
	return nil
}

// lockItem is one table of LOCK TABLES as a shard runs it.
func lockItem(l ast.TableLock) string {
	name := quoteName(l.Table.Name.O)
	if l.Table.Schema.O != "" {
		name = quoteName(l.Table.Schema.O) + "." + name
	}
	return name + " " + l.Type.String()
}
