package engine

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// IfNull is IFNULL(a, lit), or COALESCE with these two arguments (fn
// names which, for messages): a is an aggregate's column, lit a number
// literal. MariaDB types it as a, with NOT NULL set, when a is a signed
// DECIMAL that holds lit (no more decimals, no more integer digits), a
// DOUBLE, or a signed integer whose type holds lit in its range and
// display length (checked on 10.11: IFNULL(SUM(v), 0) is SUM(v)'s
// DECIMAL(33,0), IFNULL(AVG(d), 0) AVG's DECIMAL(14,6), COALESCE(MAX(v),
// -1) MAX(v)'s INT(11)); other cases widen the type in ways the engine
// does not follow, and are refused when bound. A string MIN or MAX with a
// string literal no longer than the column is its VARCHAR, NOT NULL.
func IfNull(fn string, a, lit Expr) Expr { return &ifNullExpr{fn: fn, a: a, lit: lit} }

type ifNullExpr struct {
	fn     string
	a, lit Expr
}

func (n *ifNullExpr) String() string {
	return strings.ToLower(n.fn) + "(" + n.a.String() + "," + n.lit.String() + ")"
}

func (n *ifNullExpr) bind(bd binder) (bound, error) {
	x, err := bindExpr(n.a, bd)
	if err != nil {
		return nil, err
	}
	l, err := bindExpr(n.lit, bd)
	if err != nil {
		return nil, err
	}
	col, isCol := asCol(x)
	lit, isLit := l.(*boundLit)
	if !isCol || !isLit || col.i >= len(bd.cols) || bd.cols[col.i] == nil {
		return nil, n.unsupported()
	}
	f := bd.cols[col.i]
	out := &boundIfNull{a: x, col: col.i, t: x.st(), name: n.String()}
	switch {
	case out.t.cls == tDec && fitsDecimal(lit, f):
		out.lit = decValue(toDec(lit.v).rescale(int(f.Decimal)))
	case out.t.cls == tDouble && (lit.t.cls == tInt || lit.t.cls == tDec):
		out.lit = doubleValue(toDouble(lit.v))
	case out.t.cls == tStr && fitsString(lit, f):
		out.lit = lit.v
		out.typ = mysql.MYSQL_TYPE_VAR_STRING // a CHAR becomes a VARCHAR
	case out.t.cls == tInt && fitsInt(lit, f):
		out.lit = lit.v
		if f.Type != mysql.MYSQL_TYPE_LONGLONG {
			// The literal is an INT: a TINYINT or SMALLINT widens to it.
			out.typ = mysql.MYSQL_TYPE_LONG
		}
	default:
		return nil, n.unsupported()
	}
	out.litText = formatValue(out.lit, out.t)
	return out, nil
}

func (n *ifNullExpr) unsupported() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf("%s over several shards is supported with a SUM, AVG, MIN or MAX of a number and a number that fits its type (IFNULL(SUM(x), 0), COALESCE(MAX(id), -1)); not %s", strings.ToUpper(n.fn), n.String()))
}

// fitsDecimal tells whether an integer or decimal literal fits the signed
// DECIMAL column f: no more decimals, no more integer digits.
func fitsDecimal(lit *boundLit, f *mysql.Field) bool {
	if lit.t.cls != tInt && lit.t.cls != tDec {
		return false
	}
	d := toDec(lit.v)
	if d.scale > int(f.Decimal) || f.Flag&mysql.UNSIGNED_FLAG != 0 {
		return false
	}
	precision := int(f.ColumnLength) - 1 // the sign
	if f.Decimal > 0 {
		precision-- // the decimal point
	}
	digits := intDigits(d)
	return digits <= precision-int(f.Decimal)
}

// boundIfNull is IFNULL(column, literal) typed as the column.
type boundIfNull struct {
	a       bound
	col     int
	t       stype
	lit     value
	litText []byte
	name    string
	typ     byte // the result's type when not the column's
}

func (n *boundIfNull) st() stype    { return n.t }
func (n *boundIfNull) text() string { return n.name }
func (n *boundIfNull) prec() int    { return precHighest }

func (n *boundIfNull) eval(r Row) (value, error) {
	v, err := n.a.eval(r)
	if err != nil || v.k != vNull {
		return v, err
	}
	return n.lit, nil
}

// cell is the output text: the column's own, or the literal's at its scale.
func (n *boundIfNull) cell(r Row) ([]byte, error) {
	b, err := rowCell(r, n.col)
	if err != nil || b != nil {
		return displayCell(b, n.t), err
	}
	return n.litText, nil
}

// field is the column's metadata with NOT NULL set.
func (n *boundIfNull) field(in *mysql.Field, name string) *mysql.Field {
	if name == "" {
		name = n.name
	}
	f := funcField(in, name, true)
	if n.typ != 0 {
		f.Type = n.typ
	}
	return f
}

// fitsInt tells whether an integer literal fits the signed integer column
// f (a MIN or MAX): within its type's range and no longer than its display
// length, so that MariaDB keeps the column's length (and type, but for a
// TINYINT or SMALLINT, which the literal's INT widens).
func fitsInt(lit *boundLit, f *mysql.Field) bool {
	if lit.t.cls != tInt || lit.v.k != vInt || f.Flag&mysql.UNSIGNED_FLAG != 0 {
		return false
	}
	var bits uint
	switch f.Type {
	case mysql.MYSQL_TYPE_TINY:
		bits = 8
	case mysql.MYSQL_TYPE_SHORT:
		bits = 16
	case mysql.MYSQL_TYPE_LONG:
		bits = 32
	case mysql.MYSQL_TYPE_LONGLONG:
		bits = 64
	default:
		return false // MEDIUMINT (not checked), YEAR, BIT
	}
	i := lit.v.i
	if bits < 64 && (i < -(1<<(bits-1)) || i >= 1<<(bits-1)) {
		return false
	}
	return len(strconv.FormatInt(i, 10)) <= int(f.ColumnLength)
}

// fitsString tells whether a string literal fits the character column f
// (a MIN or MAX of a VARCHAR or CHAR): no longer than the column, so that
// MariaDB keeps its length and collation (the literal's coercibility is
// lower), as a VARCHAR (checked on 10.11 with CHAR, VARCHAR, _bin and
// latin1 columns).
func fitsString(lit *boundLit, f *mysql.Field) bool {
	if lit.t.cls != tStr || f.Charset == binaryCharset || (f.Type != mysql.MYSQL_TYPE_VAR_STRING && f.Type != mysql.MYSQL_TYPE_STRING) {
		return false
	}
	return uint32(utf8.RuneCount(lit.v.b))*4 <= f.ColumnLength
}
