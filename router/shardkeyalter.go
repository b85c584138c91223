package router

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// checkShardKeyAlter refuses an ALTER TABLE of a sharded table that drops
// or renames its shard key column, or changes its type in a way that may
// change its values. The rules name that column, and the rows stay on the
// shards their old values picked: after DROP COLUMN k, ADD COLUMN k INT
// DEFAULT 7 every row has k = 7 but only those of 7's shard are found by
// WHERE k = 7, where one server finds them all; MODIFY k TINYINT without
// strict mode turns 300 into 127, a value of another shard. def is the
// table's definition (nil: not known).
func checkShardKeyAlter(x *ast.AlterTableStmt, t tableInfo, def *catalog.Table) error {
	if t.kind != sharding.Sharded || t.table == nil {
		return nil
	}
	key := t.table.ShardKey
	for _, spec := range x.Specs {
		if convertsText(spec) && isText(def, key) {
			return errUnsupported("ALTER TABLE ... CONVERT TO CHARACTER SET of sharded table %s is not supported: its shard key %s is text, which the conversion may change, and a row whose value it alters would stay on the shard its old value picked", t, key)
		}
		old := spec.OldColumnName
		if spec.Tp == ast.AlterTableModifyColumn && len(spec.NewColumns) == 1 {
			old = spec.NewColumns[0].Name
		}
		if old == nil || !strings.EqualFold(old.Name.O, key) {
			continue
		}
		switch spec.Tp {
		case ast.AlterTableDropColumn, ast.AlterTableRenameColumn:
		case ast.AlterTableChangeColumn, ast.AlterTableModifyColumn:
			if len(spec.NewColumns) != 1 || !strings.EqualFold(spec.NewColumns[0].Name.Name.O, key) {
				break // renamed
			}
			if keepsValues(def, key, spec.NewColumns[0]) {
				continue
			}
			return errUnsupported("ALTER TABLE that changes the type of column %s of sharded table %s is supported only to the same type or a wider integer type: it is the table's shard key in xaproxy's configuration, and a row whose value the change alters would stay on the shard its old value picked", key, t)
		default:
			continue
		}
		return errUnsupported("ALTER TABLE that drops or renames column %s of sharded table %s is not supported: it is the table's shard key in xaproxy's configuration, and each row stays on the shard its value picked", key, t)
	}
	return nil
}

// keepsValues tells whether redefining the shard key column as col keeps
// every value: its type as it is (a character set or collation written
// only as the column's own: Doctrine, Laravel's change(), spells them
// out), a longer VARCHAR, CHAR or VARBINARY, or an integer type at least
// as wide of the same signedness (unsigned into a wider signed one too).
func keepsValues(def *catalog.Table, key string, col *ast.ColumnDef) bool {
	if def == nil {
		return false
	}
	i := def.ColumnIndex(key)
	if i < 0 || col.Tp == nil || !keepsCollation(col, def.Columns[i].Collation) {
		return false
	}
	oldType := strings.ToLower(def.Columns[i].Type)
	tp := col.Tp
	if strings.EqualFold(tp.InfoSchemaStr(), oldType) {
		return true
	}
	if n, ok := typeLength(oldType); ok && sameLengthType(oldType, tp) {
		return tp.GetFlen() >= n // longer: every value fits as it is
	}
	oldRank, oldUnsigned := integerRank(strings.Fields(oldType))
	newRank := intTypeRank(tp.GetType())
	newUnsigned := mysql.HasUnsignedFlag(tp.GetFlag())
	switch {
	case oldRank == 0 || newRank == 0:
		return false
	case oldUnsigned == newUnsigned:
		return newRank >= oldRank
	default:
		return oldUnsigned && newRank > oldRank
	}
}

// intTypeRank orders the integer types by width (0: not an integer).
func intTypeRank(tp byte) int {
	switch tp {
	case mysql.TypeTiny:
		return 1
	case mysql.TypeShort:
		return 2
	case mysql.TypeInt24:
		return 3
	case mysql.TypeLong:
		return 4
	case mysql.TypeLonglong:
		return 5
	}
	return 0
}

// integerRank reads a COLUMN_TYPE's words ("int(11)", "unsigned") with
// intTypeRank's ranks.
func integerRank(words []string) (rank int, unsigned bool) {
	if len(words) == 0 {
		return 0, false
	}
	name, _, _ := strings.Cut(words[0], "(")
	switch name {
	case "tinyint":
		rank = 1
	case "smallint":
		rank = 2
	case "mediumint":
		rank = 3
	case "int":
		rank = 4
	case "bigint":
		rank = 5
	}
	return rank, len(words) > 1 && words[1] == "unsigned"
}

// typeLength is the length N of a COLUMN_TYPE "varchar(N)", "char(N)"
// or "varbinary(N)".
func typeLength(colType string) (int, bool) {
	_, rest, ok := strings.Cut(colType, "(")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, ")"))
	return n, err == nil
}

// sameLengthType tells whether tp is the kind of the COLUMN_TYPE
// colType, whose length alone may grow (varchar into VARCHAR, char into
// CHAR: a CHAR's values are read back without their padding either way,
// varbinary into VARBINARY).
func sameLengthType(colType string, tp interface {
	GetType() byte
	GetCharset() string
}) bool {
	name, _, _ := strings.Cut(colType, "(")
	binary := tp.GetCharset() == "binary"
	switch name {
	case "varchar":
		return tp.GetType() == mysql.TypeVarchar && !binary
	case "char":
		return tp.GetType() == mysql.TypeString && !binary
	case "varbinary":
		return tp.GetType() == mysql.TypeVarchar && binary
	}
	return false
}

// keepsCollation tells whether col's character set and collation, as
// written, are the column's own (cur, its COLLATION_NAME: "" for a column
// that is not text): none written, BINARY types' own "binary", or a
// COLLATE naming cur (with a CHARACTER SET, if any, that is cur's). A
// CHARACTER SET alone is refused: its default collation is not known here.
func keepsCollation(col *ast.ColumnDef, cur string) bool {
	cs, coll := col.Tp.GetCharset(), col.Tp.GetCollate()
	for _, o := range col.Options {
		if o.Tp == ast.ColumnOptionCollate {
			coll = o.StrValue
		}
	}
	switch {
	case cs == "" && coll == "":
		return true
	case cs == "binary" && (coll == "" || coll == "binary"):
		return cur == "" // BINARY, VARBINARY, BLOB: no collation
	case coll == "" || !strings.EqualFold(coll, cur):
		return false
	}
	if strings.EqualFold(cs, "utf8") {
		cs = "utf8mb3"
	}
	return cs == "" || strings.HasPrefix(strings.ToLower(cur), strings.ToLower(cs)+"_")
}

// convertsText tells whether spec is CONVERT TO CHARACTER SET, which
// rewrites every text column's values.
func convertsText(spec *ast.AlterTableSpec) bool {
	for _, o := range spec.Options {
		if o.Tp == ast.TableOptionCharset && o.UintValue == ast.TableOptionCharsetWithConvertTo {
			return true
		}
	}
	return false
}

// isText tells whether the table's column is text (it has a collation,
// or a text type); true when the definition is not known.
func isText(def *catalog.Table, col string) bool {
	if def == nil {
		return true
	}
	i := def.ColumnIndex(col)
	if i < 0 || def.Columns[i].Collation != "" {
		return true
	}
	typ := strings.ToLower(def.Columns[i].Type)
	for _, p := range []string{"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"} {
		if typ == p || strings.HasPrefix(typ, p+"(") {
			return true
		}
	}
	return false
}
