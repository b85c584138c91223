package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// showTables merges SHOW [FULL] TABLES from every shard into the logical
// list: a sharded or broadcast table once (from its first shard), an
// unsharded table from the schema's default shard only.
type showTables struct {
	shards []string
	schema *sharding.Schema
}

// Keep tells whether a table name listed by shard belongs to the logical list.
func (s *showTables) Keep(shard, name string) bool {
	if s.schema == nil {
		return true
	}
	kind, t := s.schema.Lookup(name)
	if kind == sharding.Unsharded {
		return shard == s.schema.DefaultShard
	}
	return len(t.Shards) > 0 && t.Shards[0] == shard
}

func (r *Router) planShow(p *Plan, n *ast.ShowStmt, user, db string) error {
	switch n.Tp {
	case ast.ShowTables:
		schema := n.DBName
		if schema == "" {
			schema = db
		}
		if _, err := r.resolve(schema, "", user, db); err != nil {
			return err
		}
		sc := r.rules.Schema(schema)
		if sc == nil {
			// information_schema: one shard has it all.
			p.fixed = r.DefaultShard(db)
			return nil
		}
		p.tables = &showTables{shards: r.rules.Shards(), schema: sc}
		return nil
	case ast.ShowColumns, ast.ShowIndex, ast.ShowCreateTable, ast.ShowCreateView:
		if n.Table == nil {
			break
		}
		schema := n.Table.Schema.O
		if schema == "" {
			schema = n.DBName
		}
		t, err := r.resolve(schema, n.Table.Name.O, user, db)
		if err != nil {
			return err
		}
		p.fixed = r.tableHome(t, db)
		p.createAutoInc = createAutoInc(n, t)
		return nil
	}
	return r.planAllOnOneShard(p, user, db, "")
}

// tableHome is one shard holding a table's definition (and, for broadcast
// tables, all its rows): the session's default shard when it has one.
func (r *Router) tableHome(t tableInfo, db string) string {
	if t.kind == sharding.Unsharded {
		return t.home
	}
	if home := r.DefaultShard(db); contains(t.table.Shards, home) {
		return home
	}
	return t.table.Shards[0]
}

// TableShard is the shard that answers questions about a table's
// definition (COM_FIELD_LIST, SHOW COLUMNS).
func (r *Router) TableShard(user, db, table string) (string, error) {
	t, err := r.resolve("", table, user, db)
	if err != nil {
		return "", err
	}
	return r.tableHome(t, db), nil
}
