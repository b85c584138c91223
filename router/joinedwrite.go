package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// planJoinedWrite plans a multi-table UPDATE or DELETE over sharded
// tables: `UPDATE orders o JOIN regions r ON ... SET o.x = r.y`,
// `DELETE o FROM orders o JOIN items i ON i.order_id = o.order_id ...`.
// Each shard runs it as written over its own rows when the join is one
// each shard can answer alone (co-located tables joined on their keys,
// broadcast tables, as for SELECT: keyedSelect) and it writes only sharded
// tables: a row written is then on one shard, with every row it joins, and
// one server's counts are the shards' sums. A write to a broadcast table
// would change each copy by the rows its shard holds, so the copies would
// diverge; a change of a shard key would move the row to another shard.
func (r *Router) planJoinedWrite(p *Plan, from []tableInfo, refs *ast.TableRefsClause, where ast.ExprNode, orderOrLimit bool, set []*ast.Assignment, user, db string) error {
	var own owners
	if hasUnqualified(p.Stmt.Node) {
		var err error
		if own, err = r.columnOwners(from); err != nil {
			return err
		}
	}
	written, err := joinedTargets(p.Stmt.Node, from, set, own)
	if err != nil {
		return err
	}
	for _, t := range written {
		if t.kind != sharding.Sharded {
			return errUnsupported("a multi-table UPDATE/DELETE writing %s table %s beside sharded tables is not supported: each shard would change it by the rows it holds; write it in a statement of its own", t.kind, t)
		}
	}
	for _, a := range set {
		t := findAlias(from, own.qualifier(a.Column))
		if strings.EqualFold(a.Column.Name.O, t.table.ShardKey) {
			return errUnsupported("UPDATE of shard key %s.%s is not supported: it would move the row to another shard (DELETE and INSERT it instead)", t.name, t.table.ShardKey)
		}
	}
	k, err := r.keyedSelect(from, refs, where, own)
	if err != nil {
		return err
	}
	// Rows an outer join keeps of a broadcast table are not written: only
	// the sharded rows they meet are, each on its own shard.
	k.keepsReplicated = ""
	if orderOrLimit {
		k.singleOnly = errOrderLimitWrite(k.table)
	}
	p.keyed = k
	return nil
}

// joinedTargets are the tables a multi-table UPDATE assigns columns of or
// a multi-table DELETE deletes from.
func joinedTargets(n ast.StmtNode, from []tableInfo, set []*ast.Assignment, own owners) ([]tableInfo, error) {
	var out []tableInfo
	add := func(alias, what string) error {
		t := findAlias(from, alias)
		if t == nil {
			return errUnsupported("xaproxy cannot tell which table of the multi-table UPDATE/DELETE %s names: qualify it with its table's name or alias", what)
		}
		out = append(out, *t)
		return nil
	}
	if d, ok := n.(*ast.DeleteStmt); ok && d.Tables != nil {
		for _, tn := range d.Tables.Tables {
			if err := add(tn.Name.L, tn.Name.O); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for _, a := range set {
		if err := add(own.qualifier(a.Column), "column "+a.Column.Name.O); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// findAlias is the table of from a statement refers to as alias.
func findAlias(from []tableInfo, alias string) *tableInfo {
	for i := range from {
		if alias != "" && from[i].alias == alias {
			return &from[i]
		}
	}
	return nil
}
