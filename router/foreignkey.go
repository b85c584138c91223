package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// Foreign keys in CREATE TABLE and ALTER TABLE ... ADD FOREIGN KEY. Each
// shard checks a foreign key against its own rows only, so one is accepted
// only where that check is the check one server holding all rows makes:
// every child row's parent row is on the child row's shard. That holds
//   - between unsharded tables of one shard;
//   - to a broadcast table present on every shard of the child (sharded or
//     broadcast): each shard has every parent row;
//   - from a sharded table to a co-located sharded table when the foreign
//     key pairs the child's shard key with the parent's: equal keys, one
//     shard (GORM's orders.user_id -> users.id with users sharded by id and
//     orders by user_id).
// Anything else (a child row whose parent may be on another shard, a
// broadcast child of a sharded parent) would fail or cascade differently
// than on one server, so it is refused. MariaDB ignores REFERENCES written
// in a column definition (it creates no foreign key), and so does this.

// checkForeignKeys refuses the foreign keys of a CREATE or ALTER TABLE
// statement on child that the shards cannot check exactly.
func (r *Router) checkForeignKeys(n ast.StmtNode, child tableInfo, user string) error {
	for _, c := range foreignKeys(n) {
		if c.Refer == nil || c.Refer.Table == nil {
			continue
		}
		parent, err := r.resolve(c.Refer.Table.Schema.O, c.Refer.Table.Name.O, user, child.schema)
		if err != nil {
			return err
		}
		if why := r.foreignKeyProblem(c, child, parent); why != "" {
			name := c.Name
			if name == "" {
				name = "(" + strings.Join(partNames(c.Keys), ",") + ")"
			}
			return errUnsupported("FOREIGN KEY %s from %s table %s to %s table %s is not supported: %s; supported are foreign keys between unsharded tables of one shard, to a broadcast table on every shard of the child, and between co-located sharded tables pairing the child's shard key with the parent's",
				name, child.kind, child, parent.kind, parent, why)
		}
	}
	return nil
}

// foreignKeys lists the FOREIGN KEY constraints a statement adds.
func foreignKeys(n ast.StmtNode) []*ast.Constraint {
	var out []*ast.Constraint
	switch x := n.(type) {
	case *ast.CreateTableStmt:
		for _, c := range x.Constraints {
			if c.Tp == ast.ConstraintForeignKey {
				out = append(out, c)
			}
		}
	case *ast.AlterTableStmt:
		for _, s := range x.Specs {
			if s.Tp == ast.AlterTableAddConstraint && s.Constraint != nil && s.Constraint.Tp == ast.ConstraintForeignKey {
				out = append(out, s.Constraint)
			}
		}
	}
	return out
}

// foreignKeyProblem says why the shards' check of c would differ from one
// server's; "" when it would not.
func (r *Router) foreignKeyProblem(c *ast.Constraint, child, parent tableInfo) string {
	switch {
	case parent.kind == sharding.Broadcast:
		for _, s := range placementShards(child) {
			if !contains(parent.table.Shards, s) {
				return "shard " + s + " of the child has no copy of the parent"
			}
		}
		return ""
	case child.kind == sharding.Unsharded && parent.kind == sharding.Unsharded:
		if child.home != parent.home {
			return "the tables are on different shards"
		}
		return ""
	case child.kind == sharding.Sharded && parent.kind == sharding.Sharded:
		if !r.rules.Colocated(child.table, parent.table) {
			return "the tables are not co-located (the same algorithm and shards)"
		}
		childCols, parentCols := partNames(c.Keys), partNames(c.Refer.IndexPartSpecifications)
		for i := range childCols {
			if i < len(parentCols) && strings.EqualFold(childCols[i], child.table.ShardKey) && strings.EqualFold(parentCols[i], parent.table.ShardKey) {
				return ""
			}
		}
		return "it does not pair " + child.table.ShardKey + " (the child's shard key) with " + parent.table.ShardKey + " (the parent's), so a row's parent may be on another shard"
	}
	return "a row's parent may be on another shard"
}

// partNames are the column names of an index's parts (expressions: "").
func partNames(parts []*ast.IndexPartSpecification) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		if p.Column != nil {
			out[i] = p.Column.Name.O
		}
	}
	return out
}
