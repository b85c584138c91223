package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/sharding"
)

// typedKey gives a hash table the type of its shard key column from the
// catalog. A hash table's keys are placed by the unknown-type rule, which
// reads any numeric text as a number; on an integer or decimal column the
// typed rule gives every such value the same Key (sharding's refinement),
// and refuses the values that rule would place where MariaDB does not
// store or find them: '42.7' or '5abc' against an INT key is a decimal or
// a string to the unknown-type rule, but MariaDB stores 43 and finds 5.
// Refused, such a value makes a read go to every shard and an INSERT
// convert it as MariaDB stores it (storedKey). Without a definition the
// table keeps the unknown-type rule.
func (r *Router) typedKey(schema, name string, t *sharding.Table) *sharding.Table {
	if t == nil || t.KeyType() != sharding.Unknown {
		return t
	}
	ct, _ := r.keyColumn(schema, name, t.ShardKey)
	if ct == sharding.Unknown {
		return t
	}
	typed, err := t.WithKeyType(ct)
	if err != nil {
		return t
	}
	return typed
}

// keyColumn is the type of a table's shard key column as the catalog
// knows it, and the column's COLUMN_TYPE ("" when unknown).
func (r *Router) keyColumn(schema, name, key string) (sharding.ColType, string) {
	def := r.Catalog().Table(schema, name)
	if def == nil {
		return sharding.Unknown, ""
	}
	i := def.ColumnIndex(key)
	if i < 0 {
		return sharding.Unknown, ""
	}
	tp := strings.ToLower(def.Columns[i].Type)
	return colType(tp), tp
}

// colType maps a COLUMN_TYPE to the key type sharding normalises with.
func colType(tp string) sharding.ColType {
	base, _, _ := strings.Cut(tp, "(")
	base, _, _ = strings.Cut(base, " ")
	switch base {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return sharding.Integer
	case "decimal", "numeric", "dec", "fixed":
		return sharding.Decimal
	}
	return sharding.Unknown
}

// keyRange is an integer key column's range.
type keyRange struct {
	lo int64
	hi uint64
}

// storedKey is the range by which an INSERT places a row of t whose
// integer key is written as MariaDB converts on storing ('42.7' is stored
// as 43, and the row belongs where 43 is found); nil where values are
// placed as written (not an integer key, or its column type unknown).
func (r *Router) storedKey(t tableInfo) *keyRange {
	if t.table == nil || t.table.KeyType() != sharding.Integer {
		return nil
	}
	_, tp := r.keyColumn(t.schema, t.name, t.table.ShardKey)
	lo, hi, ok := sharding.IntegerRange(tp)
	if !ok {
		return nil
	}
	return &keyRange{lo: lo, hi: hi}
}

// place is the value a key written as v is stored as; v itself for a
// nil range or a value that is no number.
func (k *keyRange) place(v sharding.Value) sharding.Value {
	if k == nil {
		return v
	}
	if s, ok := sharding.StoredInteger(v, k.lo, k.hi); ok {
		return s
	}
	return v
}
