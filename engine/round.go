package engine

import (
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Round is ROUND(a, n) or, with truncate, TRUNCATE(a, n): a is an
// aggregate's column, n a non-negative integer literal (ROUND(a) is n = 0).
// It is typed as MariaDB 10.11's Item_func_round types it (checked to the
// length, scale and flags, integration TestRoundOverAggregates):
//   - an integer of fewer than 19 digits keeps its type and value;
//   - a DECIMAL(p, s) becomes DECIMAL(p', n), p' = p - (s - n), one more
//     when ROUND drops digits (a carry: 9.99 -> 10.0), rounded half away
//     from zero or truncated.
//
// Other arguments (DOUBLE, rounded half to even through the C library; a
// BIGINT, which becomes a DECIMAL; strings and dates) are refused when
// bound.
func Round(a Expr, n int, truncate bool) Expr { return &roundExpr{a: a, n: n, truncate: truncate} }

type roundExpr struct {
	a        Expr
	n        int
	truncate bool
}

func (r *roundExpr) fn() string {
	if r.truncate {
		return "truncate"
	}
	return "round"
}

func (r *roundExpr) String() string { return fmt.Sprintf("%s(%s,%d)", r.fn(), r.a.String(), r.n) }

// maxRoundScale bounds n: MariaDB caps a DECIMAL's scale at 38.
const maxRoundScale = 38

func (r *roundExpr) bind(bd binder) (bound, error) {
	x, err := bindExpr(r.a, bd)
	if err != nil {
		return nil, err
	}
	col, isCol := asCol(x)
	if !isCol || col.i >= len(bd.cols) || bd.cols[col.i] == nil || r.n < 0 || r.n > maxRoundScale {
		return nil, r.unsupported()
	}
	f := bd.cols[col.i]
	t := x.st()
	out := &boundRound{a: x, col: col.i, n: r.n, truncate: r.truncate, name: r.String()}
	switch {
	case t.cls == tInt && isIntType(f.Type) && f.Type != mysql.MYSQL_TYPE_YEAR && intPrecision(f) < 19:
		out.identity, out.t = true, t
	case t.cls == tDec:
		p := decPrecision(f)
		drop := int(f.Decimal) - r.n // digits dropped (negative: added)
		if drop > 0 && !r.truncate {
			p++ // a carry can add an integer digit
		}
		p -= drop
		if p == 0 {
			p = 1 // DECIMAL(0,0) is DECIMAL(1,0)
		}
		if p > 65 {
			return nil, r.unsupported()
		}
		out.t = stype{cls: tDec, unsigned: t.unsigned, scale: r.n}
		out.length = uint32(p)
		if r.n > 0 {
			out.length++ // the decimal point
		}
		if !t.unsigned {
			out.length++ // the sign
		}
	default:
		return nil, r.unsupported()
	}
	return out, nil
}

func (r *roundExpr) unsupported() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf("%s over several shards is supported for an aggregate of an integer or DECIMAL column and a non-negative integer count of decimals (ROUND(AVG(x), 2)); not %s",
		map[bool]string{false: "ROUND", true: "TRUNCATE"}[r.truncate], r.String()))
}

// intPrecision is the number of digits of an integer column, as MariaDB's
// Item::decimal_precision counts them (the length less the sign).
func intPrecision(f *mysql.Field) int {
	if f.Flag&mysql.UNSIGNED_FLAG != 0 {
		return int(f.ColumnLength)
	}
	return int(f.ColumnLength) - 1
}

// decPrecision is a DECIMAL column's precision from its length
// (my_decimal_length_to_precision: less the point and the sign).
func decPrecision(f *mysql.Field) int {
	p := int(f.ColumnLength)
	if f.Decimal > 0 {
		p--
	}
	if f.Flag&mysql.UNSIGNED_FLAG == 0 && p > 0 {
		p--
	}
	return p
}

// boundRound is ROUND or TRUNCATE of a column to n decimals.
type boundRound struct {
	a        bound
	col      int
	n        int
	truncate bool
	identity bool // an integer: its own type and value
	t        stype
	length   uint32 // the DECIMAL result's display length
	name     string
}

func (r *boundRound) st() stype    { return r.t }
func (r *boundRound) text() string { return r.name }
func (r *boundRound) prec() int    { return precHighest }

func (r *boundRound) eval(row Row) (value, error) {
	v, err := r.a.eval(row)
	if err != nil || v.k == vNull || r.identity {
		return v, err
	}
	d := toDec(v)
	if r.truncate {
		// A negative value truncated to zero is a plain zero (MariaDB:
		// TRUNCATE(-0.05, 1) is 0.0).
		t := d.truncate(r.n)
		t.negZero = false
		return decValue(t), nil
	}
	return decValue(d.rescale(r.n)), nil
}

// field is the integer column's own metadata, or the DECIMAL result's.
func (r *boundRound) field(in *mysql.Field, name string) *mysql.Field {
	if name == "" {
		name = r.name
	}
	if r.identity {
		f := *in
		f.Name = []byte(name)
		return &f
	}
	f := &mysql.Field{Name: []byte(name), Charset: binaryCharset, Flag: mysql.BINARY_FLAG,
		Type: mysql.MYSQL_TYPE_NEWDECIMAL, ColumnLength: r.length, Decimal: uint8(r.n)}
	if r.t.unsigned {
		f.Flag |= mysql.UNSIGNED_FLAG
	}
	return f
}
