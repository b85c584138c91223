package router

import (
	"strconv"
	"strings"

	"github.com/xaproxy/xaproxy/catalog"
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
	ct, tp := r.keyColumn(schema, name, t.ShardKey)
	if ct == sharding.Unknown {
		if form := keyForm(tp); !form.Modelled() {
			t = t.WithKeyForm(form)
		}
		if textType(tp) {
			return t.WithTextKey()
		}
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

// textType tells the COLUMN_TYPEs a number is compared with as numbers
// (sharding.Table.WithTextKey).
func textType(tp string) bool {
	base, _, _ := strings.Cut(tp, "(")
	base, _, _ = strings.Cut(base, " ")
	switch base {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set",
		"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return true
	}
	return false
}

// keyForm is the spelling a key of a column of COLUMN_TYPE tp must have to
// be placed where MariaDB stores it (sharding.KeyForm): the types whose
// conversions xaproxy does not model.
func keyForm(tp string) sharding.KeyForm {
	base, rest, _ := strings.Cut(tp, "(")
	base, _, _ = strings.Cut(base, " ")
	fsp := 0
	if n, _, ok := strings.Cut(rest, ")"); ok {
		fsp, _ = strconv.Atoi(n)
	}
	switch base {
	case "date":
		return sharding.FormDate
	case "datetime":
		return sharding.FormDatetime(fsp)
	case "time":
		return sharding.FormTime(fsp)
	case "year":
		return sharding.FormYear
	case "enum":
		return sharding.FormEnum
	case "timestamp", "float", "double", "real", "bit", "set":
		return sharding.FormNone
	}
	return sharding.FormAny
}

// colType maps a COLUMN_TYPE to the key type sharding normalises with.
func colType(tp string) sharding.ColType {
	if intTypeRe.MatchString(tp) {
		return sharding.Integer
	}
	if _, _, _, ok := sharding.DecimalShape(tp); ok {
		return sharding.Decimal
	}
	return sharding.Unknown
}

// keyStore is how a key column stores what is written into it: an
// integer column's range, or a DECIMAL's precision and scale.
type keyStore struct {
	integer bool
	lo      int64
	hi      uint64
	// precision, scale, unsigned: a DECIMAL column's.
	precision, scale int
	unsigned         bool
}

// storedKey is how an INSERT places a row of t whose integer or decimal
// key is written as MariaDB converts on storing ('42.7' is stored as 43 in
// an INT, 1.505 as 1.51 in a DECIMAL(5,2), and the row belongs where that
// is found); nil where values are placed as written (another key type, or
// its column type unknown).
func (r *Router) storedKey(t tableInfo) *keyStore {
	if t.table == nil {
		return nil
	}
	kt := t.table.KeyType()
	if kt != sharding.Integer && kt != sharding.Decimal {
		return nil
	}
	_, tp := r.keyColumn(t.schema, t.name, t.table.ShardKey)
	if k, err := keyColumnOf(catalog.Column{Type: tp}); err == nil && k.integer {
		return &keyStore{integer: true, lo: k.lo, hi: k.hi}
	}
	if p, s, u, ok := sharding.DecimalShape(tp); ok && kt == sharding.Decimal {
		return &keyStore{precision: p, scale: s, unsigned: u}
	}
	return nil
}

// place is the value a key written as v is stored as; v itself for a
// nil keyStore or a value that is no number.
func (k *keyStore) place(v sharding.Value) sharding.Value {
	if k == nil {
		return v
	}
	var s sharding.Value
	var ok bool
	if k.integer {
		s, ok = sharding.StoredInteger(v, k.lo, k.hi)
	} else {
		s, ok = sharding.StoredDecimal(v, k.precision, k.scale, k.unsigned)
	}
	if !ok {
		return v
	}
	return s
}

// implicitKey is the value a row whose key is NULL or DEFAULT gets where
// MariaDB stores one (a NOT NULL key column without a default, in a
// multi-row INSERT under a non-strict sql_mode: the type's implicit
// default, 0 or the empty string), and so the shard such a row goes to: the shard
// answers as MariaDB does, the error of a strict sql_mode or of a single
// row (1048 for NULL, 1364 for DEFAULT), or the stored row with a
// warning. ok is false where the column may hold NULL, has a default or
// is not known: no shard holds NULL.
func (r *Router) implicitKey(t tableInfo) (sharding.Value, bool) {
	if t.table == nil {
		return sharding.Value{}, false
	}
	def := r.Catalog().Table(t.schema, t.name)
	if def == nil {
		return sharding.Value{}, false
	}
	i := def.ColumnIndex(t.table.ShardKey)
	if i < 0 {
		return sharding.Value{}, false
	}
	c := def.Columns[i]
	if c.Nullable || c.HasDefault || c.AutoIncrement || c.Generated || r.Catalog().HasTriggers(t.schema, t.name) {
		// A trigger may give the key its value: the row's home is unknown.
		return sharding.Value{}, false
	}
	tp := strings.ToLower(c.Type)
	switch {
	case colType(tp) == sharding.Integer:
		return sharding.IntValue(0), true
	case colType(tp) == sharding.Decimal:
		return sharding.NumberValue("0"), true
	case textType(tp) && !strings.HasPrefix(tp, "enum") && !strings.HasPrefix(tp, "set") && !strings.HasPrefix(tp, "binary"):
		// BINARY(n) pads its implicit default with zero bytes.
		return sharding.StringValue(""), true
	}
	return sharding.Value{}, false
}

// errKeyForm refuses to place a row by a key not spelt in its column's
// form (sharding.KeyForm).
func errKeyForm(what string, t *sharding.Table, row int, v sharding.Value, form sharding.KeyForm) error {
	if form == sharding.FormNone {
		return errUnsupported("%s %s: row %d: its shard key %s is of a type whose stored value xaproxy does not compute (TIMESTAMP, FLOAT, DOUBLE, BIT or SET), so it cannot tell the shard that MariaDB would find the row on; shard by an integer, DECIMAL, string, DATE, DATETIME, TIME, YEAR or ENUM column", what, t.Name, row, t.ShardKey)
	}
	return errUnsupported("%s %s: row %d's shard key %s is written %s, which MariaDB stores converted; xaproxy places a row of this key type only by the spelling MariaDB gives it back: %s", what, t.Name, row, t.ShardKey, v, form)
}
