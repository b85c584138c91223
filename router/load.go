package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// planLoadData routes LOAD DATA LOCAL INFILE (the proxy refuses the server
// side form before planning) to the one shard that holds the table: the
// proxy relays the client's file to it as it comes, without reading it. A
// sharded table spread over several shards would need every row of the
// file routed by its shard key, which is not implemented: it is refused,
// as are broadcast tables, whose copies must change alike.
func (r *Router) planLoadData(p *Plan, n *ast.LoadDataStmt, user, db string) error {
	p.write = true
	if n.Table == nil {
		return errUnsupported("LOAD DATA without a table")
	}
	t, err := r.resolve(n.Table.Schema.O, n.Table.Name.O, user, db)
	if err != nil {
		return err
	}
	switch t.kind {
	case sharding.Sharded:
		if len(t.table.Shards) == 1 {
			p.fixed = t.table.Shards[0]
			return nil
		}
		return errUnsupported("LOAD DATA into sharded table %s is not supported: its rows would have to be split by the shard key across shards %s; xaproxy relays LOAD DATA LOCAL INFILE into unsharded tables and tables on one shard; load a sharded table with INSERT", t, strings.Join(t.table.Shards, ", "))
	case sharding.Broadcast:
		return errUnsupported("LOAD DATA into broadcast table %s is not supported: every copy must change alike; xaproxy relays LOAD DATA LOCAL INFILE into unsharded tables and tables on one shard; load a broadcast table with INSERT", t)
	}
	p.fixed = t.home
	return nil
}

// IsLoad tells whether sql is a LOAD statement (LOAD DATA, LOAD XML),
// for statements the parser could not read.
func IsLoad(sql string) bool { return isKeyword(skipCommentsAndSpace(sql), "LOAD") }
