package router

import (
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
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
	for i, a := range set {
		if t := written[i]; strings.EqualFold(a.Column.Name.O, t.table.ShardKey) {
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

// joinedTargets are the tables a multi-table DELETE deletes from, or
// the table of each column a multi-table UPDATE assigns (in SET order).
// Names that match no table get MariaDB's errors.
func joinedTargets(n ast.StmtNode, from []tableInfo, set []*ast.Assignment, own owners) ([]tableInfo, error) {
	var out []tableInfo
	if d, ok := n.(*ast.DeleteStmt); ok && d.Tables != nil {
		for _, tn := range d.Tables.Tables {
			t := findTable(from, tn.Schema.O, tn.Name.L)
			if t == nil {
				return nil, mysql.NewError(mysql.ER_UNKNOWN_TABLE, fmt.Sprintf("Unknown table '%s' in MULTI DELETE", tn.Name.O))
			}
			out = append(out, *t)
		}
		return out, nil
	}
	for _, a := range set {
		c := a.Column
		t := findTable(from, c.Schema.O, own.qualifier(c))
		switch {
		case t != nil:
			out = append(out, *t)
		case c.Table.O != "":
			var parts []string
			for _, p := range []string{c.Schema.O, c.Table.O, c.Name.O} {
				if p != "" {
					parts = append(parts, p)
				}
			}
			return nil, mysql.NewError(mysql.ER_BAD_FIELD_ERROR, fmt.Sprintf("Unknown column '%s' in 'SET'", strings.Join(parts, ".")))
		default:
			return nil, errUnsupported("xaproxy cannot tell which table of the multi-table UPDATE column %s belongs to: qualify it with its table's name or alias", c.Name.O)
		}
	}
	return out, nil
}

// findTable is the table of from a statement refers to as alias, in
// schema when that is given (schema.table names a table without an alias).
func findTable(from []tableInfo, schema, alias string) *tableInfo {
	for i, t := range from {
		if alias != "" && t.alias == alias && (schema == "" || strings.EqualFold(t.schema, schema)) {
			return &from[i]
		}
	}
	return nil
}
