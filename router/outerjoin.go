package router

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// keptAgainstSharded finds an outer join in n whose preserved side holds
// no sharded table while its other side holds one, and returns the
// preserved side's tables (nil if none). Every shard would answer all of
// those rows, each NULL-extended where that shard holds no match, so the
// shards' answers cannot be concatenated. A preserved side that holds a
// sharded table is split among the shards like that table's rows.
func keptAgainstSharded(n ast.ResultSetNode, from []tableInfo) []tableInfo {
	j, ok := n.(*ast.Join)
	if !ok || j.Right == nil {
		return nil
	}
	if t := keptAgainstSharded(j.Left, from); t != nil {
		return t
	}
	if t := keptAgainstSharded(j.Right, from); t != nil {
		return t
	}
	kept, other := j.Left, j.Right
	switch j.Tp {
	case ast.LeftJoin:
	case ast.RightJoin:
		kept, other = j.Right, j.Left
	default:
		return nil
	}
	keptTables, otherTables := sourceTables(kept, from), sourceTables(other, from)
	if len(keptTables) == 0 || !anySharded(otherTables) || anySharded(keptTables) {
		return nil
	}
	return keptTables
}

// replicatedKept names a broadcast table that an outer join keeps against a
// sharded table ("" if none): countries c LEFT JOIN orders o ON ... keeps
// every country on every shard, each with the orders of that shard or a
// NULL row. Only a statement whose WHERE restricts the sharded key to one
// shard (which also drops the NULL rows of the other shards' orders) is
// exact. (An unsharded table joined to a sharded one is refused by
// checkJoin.)
func replicatedKept(refs *ast.TableRefsClause, from []tableInfo) string {
	if refs == nil {
		return ""
	}
	for _, t := range keptAgainstSharded(refs.TableRefs, from) {
		if t.kind == sharding.Broadcast {
			return t.String()
		}
	}
	return ""
}

// sourceTables are the tables of from that a part of a FROM clause names.
func sourceTables(n ast.ResultSetNode, from []tableInfo) []tableInfo {
	aliases := sourceAliases(n)
	var out []tableInfo
	for _, t := range from {
		if aliases[t.alias] {
			out = append(out, t)
		}
	}
	return out
}

func anySharded(tables []tableInfo) bool {
	for _, t := range tables {
		if t.kind == sharding.Sharded {
			return true
		}
	}
	return false
}
