package engine

import (
	"math/big"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// attrs is what MariaDB 10.11 derives for an integer or DECIMAL item and
// sends as its column metadata: the display length, the scale, the
// precision (Item::decimal_precision), UNSIGNED and NOT NULL. ok is false
// where the engine does not follow MariaDB's rules (doubles, strings,
// temporal operands): resultField then keeps its generic lengths.
type attrs struct {
	length   int
	scale    int
	prec     int
	unsigned bool
	notNull  bool
	ok       bool
}

// Limits of MariaDB's DECIMAL and of a BIGINT's digits
// (MY_INT64_NUM_DECIMAL_DIGITS).
const (
	maxDecimalPrecision = 65
	int64Digits         = 21
)

// lengthOf is my_decimal_precision_to_length_no_truncation.
func lengthOf(prec, scale int, unsigned bool) int {
	l := prec
	if scale > 0 {
		l++
	}
	if !unsigned && prec > 0 {
		l++
	}
	return l
}

// precisionOf is my_decimal_length_to_precision, capped as
// Item::decimal_precision caps it.
func precisionOf(length, scale int, unsigned bool) int {
	p := length
	if scale > 0 {
		p--
	}
	if !unsigned && length > 0 {
		p--
	}
	return min(max(p, 0), maxDecimalPrecision)
}

func numAttrs(prec, scale int, unsigned, notNull bool) attrs {
	return attrs{length: lengthOf(prec, scale, unsigned), scale: scale, prec: prec, unsigned: unsigned, notNull: notNull, ok: true}
}

// attrsOf derives b's attributes over the input columns.
func attrsOf(b bound, cols []*mysql.Field) attrs {
	switch x := b.(type) {
	case *boundNamed:
		return attrsOf(x.bound, cols)
	case *boundCol:
		return colAttrs(x, cols)
	case *boundLit:
		return litAttrs(x)
	case *boundArith:
		return arithAttrs(x, cols)
	case *boundNeg:
		a := attrsOf(x.a, cols)
		if x.t.cls == tDouble && a.ok && a.notNull {
			return attrs{notNull: true, ok: true} // only its NOT NULL
		}
		if !a.ok || x.t.cls == tDouble {
			return attrs{}
		}
		// Item_func_neg: one more character, signed, and its argument's
		// precision (decimal_precision is the argument's).
		a.length++
		a.unsigned = false
		return a
	case *boundIfNull:
		return fieldAttrs(x.field(cols[x.col], ""), x.t)
	case *boundRound:
		return fieldAttrs(x.field(cols, ""), x.t)
	case *boundNumFunc:
		return fieldAttrs(x.field(cols, ""), x.t)
	case *boundCase:
		return fieldAttrs(x.field(""), x.t)
	case *boundGreatest:
		return fieldAttrs(x.field(""), x.t)
	case *boundNullIf:
		return fieldAttrs(x.field(cols, ""), x.st())
	case *boundIsNull:
		return attrs{length: 1, prec: 1, notNull: true, ok: true}
	case *boundNot:
		a := attrsOf(x.a, cols)
		return attrs{length: 1, prec: 1, notNull: a.ok && a.notNull, ok: true}
	case *boundCmp:
		return boolAttrs(attrsOf(x.a, cols), attrsOf(x.b, cols))
	case *boundLogic:
		return boolAttrs(attrsOf(x.a, cols), attrsOf(x.b, cols))
	}
	return attrs{}
}

// boolAttrs is a comparison's or logical operator's INT(1): NOT NULL when
// both operands are.
func boolAttrs(a, b attrs) attrs {
	return attrs{length: 1, prec: 1, notNull: a.ok && b.ok && a.notNull && b.notNull, ok: true}
}

func colAttrs(c *boundCol, cols []*mysql.Field) attrs {
	if c.i >= len(cols) || cols[c.i] == nil {
		return attrs{}
	}
	return fieldAttrs(cols[c.i], c.t)
}

// fieldAttrs reads an integer or DECIMAL column's attributes from its
// metadata.
func fieldAttrs(f *mysql.Field, t stype) attrs {
	if t.cls != tInt && t.cls != tDec || t.boolean || f.Type == mysql.MYSQL_TYPE_YEAR {
		return attrs{}
	}
	// A BIT(M) is an unsigned integer of M characters (Field_bit's
	// max_length): BIT(8) + 0 is an INT of 9.
	unsigned := f.Flag&mysql.UNSIGNED_FLAG != 0
	scale := 0
	if t.cls == tDec {
		scale = int(f.Decimal)
	}
	return attrs{length: int(f.ColumnLength), scale: scale, prec: precisionOf(int(f.ColumnLength), scale, unsigned),
		unsigned: unsigned, notNull: f.Flag&mysql.NOT_NULL_FLAG != 0, ok: true}
}

// operandAttrs is attrsOf for an operand of arithmetic, where a date or
// time value is a number (temporalAttrs).
func operandAttrs(b bound, cols []*mysql.Field) attrs {
	t := b.st()
	year := t.cls == tInt && t.mtype == mysql.MYSQL_TYPE_YEAR
	if t.cls != tTemporal && !year {
		return attrsOf(b, cols)
	}
	notNull := false
	if c, ok := b.(*boundCol); ok && c.i < len(cols) && cols[c.i] != nil {
		notNull = cols[c.i].Flag&mysql.NOT_NULL_FLAG != 0
	}
	if year {
		return numAttrs(4, 0, true, notNull) // YEAR + 0 is an INT UNSIGNED of 5
	}
	return temporalAttrs(t, notNull)
}

// temporalAttrs is a date or time value's as a number operand
// (decimal_precision, checked on 10.11: MIN(dt6) + 0 is a DECIMAL of 23,
// DATE + 0 a BIGINT of 10, TIME(2) + 0 a DECIMAL of 12): a DATE has 8
// digits, a DATETIME or TIMESTAMP 14 and a TIME 7, with the fraction's
// after them; signed.
func temporalAttrs(t stype, notNull bool) attrs {
	switch t.mtype {
	case mysql.MYSQL_TYPE_DATE:
		return numAttrs(8, 0, false, notNull)
	case mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP:
		return numAttrs(14+t.scale, t.scale, false, notNull)
	case mysql.MYSQL_TYPE_TIME:
		return numAttrs(7+t.scale, t.scale, false, notNull)
	}
	return attrs{}
}

// litAttrs: an integer literal is as long as its text, and its precision
// that length less a minus sign (Item_int); a decimal literal's precision
// is its digits, one at least before the point, signed (checked on 10.11:
// CASE ... THEN 9.5 ELSE 0.5 END is a signed DECIMAL of length 4).
func litAttrs(l *boundLit) attrs {
	switch l.v.k {
	case vInt, vUint:
		s := l.txt
		neg := strings.HasPrefix(s, "-")
		p := len(s)
		if neg {
			p--
		}
		return attrs{length: len(s), prec: p, unsigned: l.v.k == vUint, notNull: true, ok: true}
	case vDec:
		if l.t.cls != tDec {
			return attrs{}
		}
		d := l.v.d
		intg := max(intDigits(d), 1) // 0.001 counts its zero
		return numAttrs(intg+d.scale, d.scale, false, true)
	case vDouble:
		// Only its NOT NULL: a DOUBLE's length is not an integer's.
		return attrs{length: len(l.txt), notNull: true, ok: true}
	case vBytes:
		return attrs{notNull: true, ok: true} // only its NOT NULL ('a' = 'a')
	}
	return attrs{}
}

// intDigits counts the digits of d's integer part (none for 0.5; 9.5
// has one: truncated, not rounded).
func intDigits(d decimal) int {
	return len(strings.TrimLeft(new(big.Int).Abs(d.truncate(0).v).String(), "0"))
}

// arithAttrs follows Item_func_additive_op, _mul, _div, _mod and
// _int_div's result_precision (sql/item_func.cc, 10.11).
func arithAttrs(e *boundArith, cols []*mysql.Field) attrs {
	a, b := operandAttrs(e.a, cols), operandAttrs(e.b, cols)
	if e.t.cls == tDouble && (e.op == "+" || e.op == "-" || e.op == "*") && a.ok && b.ok && a.notNull && b.notNull {
		// Only its NOT NULL (2e0 * 3): a DOUBLE's length is not an
		// integer's.
		return attrs{notNull: true, ok: true}
	}
	if e.t.cls != tInt && e.t.cls != tDec {
		return attrs{}
	}
	if !a.ok || !b.ok {
		return attrs{}
	}
	notNull := a.notNull && b.notNull
	switch e.op {
	case "+", "-":
		scale := max(a.scale, b.scale)
		p := min(max(a.prec-a.scale, b.prec-b.scale)+1+scale, maxDecimalPrecision)
		return numAttrs(p, scale, e.t.unsigned, notNull)
	case "*":
		scale := min(a.scale+b.scale, maxDecimalScale)
		return numAttrs(min(a.prec+b.prec, maxDecimalPrecision), scale, e.t.unsigned, notNull)
	case "/":
		// The divisor's scale (divisor_precision_increment) and
		// div_precision_increment add digits; a quotient can be NULL.
		p := min(a.prec+b.scale+divPrecIncr, maxDecimalPrecision)
		return numAttrs(p, min(a.scale+divPrecIncr, maxDecimalScale), e.t.unsigned, false)
	case "%":
		scale := max(a.scale, b.scale)
		return numAttrs(max(a.prec, b.prec), scale, e.t.unsigned, false)
	case "DIV":
		// As many characters as the dividend's integer digits.
		l := min(a.prec-a.scale, int64Digits)
		return attrs{length: l, prec: precisionOf(l, 0, e.t.unsigned), unsigned: e.t.unsigned, ok: true}
	}
	return attrs{}
}

// intType is the type MariaDB gives an integer result of that length
// (type_handler_long_or_longlong): INT up to 9 characters, but for the
// negation of a constant.
func intType(a attrs) byte {
	if a.length <= 9 {
		return mysql.MYSQL_TYPE_LONG
	}
	return mysql.MYSQL_TYPE_LONGLONG
}

// numField is the metadata MariaDB sends for a computed number: charset
// binary, BINARY, and UNSIGNED and NOT NULL as given.
func numField(name string, typ byte, length uint32, scale int, unsigned, notNull bool) *mysql.Field {
	f := &mysql.Field{Name: []byte(name), Charset: binaryCharset, Flag: mysql.BINARY_FLAG,
		Type: typ, ColumnLength: length, Decimal: uint8(scale)}
	if unsigned {
		f.Flag |= mysql.UNSIGNED_FLAG
	}
	if notNull {
		f.Flag |= mysql.NOT_NULL_FLAG
	}
	return f
}

// funcField is how MariaDB describes a function of a column (IFNULL,
// ROUND, FLOOR of MIN(x)): the column's type, length, scale and charset,
// but a function's flags (BINARY for a binary charset, UNSIGNED as the
// column, NOT NULL as given; none of the column's key or temporary-table
// flags), and a string's 39 decimals (checked on 10.11 with and without a
// temporary table for the GROUP BY).
func funcField(in *mysql.Field, name string, notNull bool) *mysql.Field {
	f := copyField(in)
	f.Name = []byte(name)
	f.Flag = in.Flag & mysql.UNSIGNED_FLAG
	if f.Charset == binaryCharset || in.Flag&mysql.BINARY_FLAG != 0 && colType(in).cls == tStr {
		f.Flag |= mysql.BINARY_FLAG // a binary charset, or a _bin collation
	}
	if f.Charset != binaryCharset {
		f.Decimal = 39 // a string's decimals (NOT_FIXED_DEC for strings)
	}
	if notNull {
		f.Flag |= mysql.NOT_NULL_FLAG
	}
	return f
}

// resultOf is the column definition of a ROUND, TRUNCATE, ABS, FLOOR or
// CEIL named name (def when empty): its argument's own when the function
// keeps it (identity: an integer), else out's.
func resultOf(identity bool, a bound, out numOut, inCols []*mysql.Field, name, def string) *mysql.Field {
	if name == "" {
		name = def
	}
	if identity {
		return identityField(a, inCols, name, out.notNull)
	}
	return out.field(name)
}

// identityField is the metadata of a function that keeps its argument's
// type (ROUND or FLOOR of an integer): a column's as a function's
// (funcField), an expression's as it is.
func identityField(a bound, inCols []*mysql.Field, name string, notNull bool) *mysql.Field {
	if c, ok := asCol(a); ok && c.i < len(inCols) && inCols[c.i] != nil {
		return funcField(inCols[c.i], name, notNull)
	}
	return resultField(a, inCols, name)
}

// numOut is what a function's numeric result sends as its column
// definition (numField).
type numOut struct {
	typ      byte
	length   uint32
	scale    int
	unsigned bool
	notNull  bool
}

func (o numOut) field(name string) *mysql.Field {
	return numField(name, o.typ, o.length, o.scale, o.unsigned, o.notNull)
}
