package router

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/sharding"
)

// checkShardKeyAlter refuses an ALTER TABLE of a sharded table that drops
// or renames its shard key column. The rules name that column, and the
// rows stay on the shards their old values picked: after DROP COLUMN k,
// ADD COLUMN k INT DEFAULT 7 every row has k = 7 but only those of 7's
// shard are found by WHERE k = 7, where one server finds them all.
func checkShardKeyAlter(x *ast.AlterTableStmt, t tableInfo) error {
	if t.kind != sharding.Sharded || t.table == nil {
		return nil
	}
	key := t.table.ShardKey
	for _, spec := range x.Specs {
		if spec.OldColumnName == nil || !strings.EqualFold(spec.OldColumnName.Name.O, key) {
			continue
		}
		switch spec.Tp {
		case ast.AlterTableDropColumn, ast.AlterTableRenameColumn:
		case ast.AlterTableChangeColumn:
			if len(spec.NewColumns) == 1 && strings.EqualFold(spec.NewColumns[0].Name.Name.O, key) {
				continue // the same name: a change of its definition
			}
		default:
			continue
		}
		return errUnsupported("ALTER TABLE that drops or renames column %s of sharded table %s is not supported: it is the table's shard key in xaproxy's configuration, and each row stays on the shard its value picked", key, t)
	}
	return nil
}
