package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// replicatedKept names a broadcast table that an outer join keeps against a
// sharded table ("" if none): countries c LEFT JOIN orders o ON ... keeps
// every country on every shard, each with the orders of that shard or a
// NULL row, so the shards' answers cannot be concatenated. Only a statement
// whose WHERE restricts the sharded key to one shard (which also drops the
// NULL rows of the other shards' orders) is exact.
func replicatedKept(refs *ast.TableRefsClause, from []tableInfo) string {
	if refs == nil || refs.TableRefs == nil {
		return ""
	}
	kind := map[string]tableInfo{}
	for _, t := range from {
		kind[t.alias] = t
	}
	var found string
	var walk func(n ast.ResultSetNode)
	walk = func(n ast.ResultSetNode) {
		j, ok := n.(*ast.Join)
		if !ok || found != "" {
			return
		}
		if j.Left != nil {
			walk(j.Left)
		}
		if j.Right != nil {
			walk(j.Right)
		}
		if j.Right == nil || found != "" {
			return
		}
		kept, nullable := j.Left, j.Right
		switch j.Tp {
		case ast.LeftJoin:
		case ast.RightJoin:
			kept, nullable = j.Right, j.Left
		default:
			return
		}
		var keptBroadcast string
		for a := range sourceAliases(kept) {
			if t, ok := kind[a]; ok && t.kind == sharding.Broadcast {
				keptBroadcast = t.String()
			}
		}
		if keptBroadcast == "" {
			return
		}
		for a := range sourceAliases(nullable) {
			if t, ok := kind[a]; ok && t.kind == sharding.Sharded {
				found = keptBroadcast
				return
			}
		}
	}
	walk(refs.TableRefs)
	return found
}
