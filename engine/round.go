package engine

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Round is ROUND(a, n) or, with truncate, TRUNCATE(a, n): a is an
// expression over the merged columns (an aggregate, arithmetic over
// aggregates), n a non-negative integer literal (ROUND(a) is n = 0). It is
// typed as MariaDB 10.11's Item_func_round types it (checked to the
// length, scale and flags, integration TestRoundOverAggregates):
//   - an integer (a BIGINT, a COUNT too) keeps its type and value;
//   - a DECIMAL(p, s) becomes DECIMAL(p', n), p' = p - (s - n), one more
//     when ROUND drops digits (a carry: 9.99 -> 10.0), rounded half away
//     from zero or truncated;
//   - a DOUBLE stays a DOUBLE of n decimals and length 17 + n, rounded as
//     rint(x * 10^n) / 10^n (half to even) or truncated toward zero.
//
// Other arguments (strings and dates, FLOAT columns, expressions whose
// metadata the engine does not derive) are refused when bound.
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
	if r.n < 0 || r.n > maxRoundScale {
		return nil, r.unsupported()
	}
	t := x.st()
	a := attrsOf(x, bd.cols)
	out := &boundRound{a: x, n: r.n, truncate: r.truncate, name: r.String()}
	out.notNull, out.scale = a.ok && a.notNull, r.n
	switch {
	case t.cls == tInt && !t.boolean && a.ok:
		out.identity, out.t = true, t
	case t.cls == tDec && a.ok:
		p := a.prec
		drop := a.scale - r.n // digits dropped (negative: added)
		if drop > 0 && !r.truncate {
			p++ // a carry can add an integer digit
		}
		p -= drop
		if p == 0 {
			p = 1 // DECIMAL(0,0) is DECIMAL(1,0)
		}
		if p > maxDecimalPrecision {
			return nil, r.unsupported()
		}
		out.t = stype{cls: tDec, unsigned: a.unsigned, scale: r.n}
		out.typ, out.unsigned, out.length = mysql.MYSQL_TYPE_NEWDECIMAL, a.unsigned, uint32(lengthOf(p, r.n, a.unsigned))
	case t.cls == tDouble && t.mtype != mysql.MYSQL_TYPE_FLOAT && r.n < notFixedDec:
		out.t = stype{cls: tDouble, unsigned: t.unsigned, scale: r.n}
		out.typ, out.unsigned, out.length = mysql.MYSQL_TYPE_DOUBLE, t.unsigned, uint32(17+r.n) // float_length: DBL_DIG + 2 + n
	default:
		return nil, r.unsupported()
	}
	return out, nil
}

func (r *roundExpr) unsupported() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf("%s over several shards is supported for a number (an aggregate, or arithmetic over aggregates) and a non-negative integer count of decimals (ROUND(AVG(x), 2)); not %s",
		strings.ToUpper(r.fn()), r.String()))
}

// boundRound is ROUND or TRUNCATE of an expression to n decimals.
type boundRound struct {
	a        bound
	n        int
	truncate bool
	identity bool // an integer: its own type and value
	t        stype
	numOut   // the DECIMAL or DOUBLE result's
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
	if r.t.cls == tDouble {
		return doubleValue(roundDouble(toDouble(v), r.n, r.truncate)), nil
	}
	d := toDec(v)
	if r.truncate {
		// A negative value truncated to zero is a plain zero (MariaDB:
		// TRUNCATE(-0.05, 1) is 0.0); a negative zero that loses no
		// digit keeps its sign, as ROUND's does (TRUNCATE(-0.00, 3) is
		// -0.000).
		t := d.truncate(r.n)
		if r.n < d.scale {
			t.negZero = false
		}
		return decValue(t), nil
	}
	return decValue(d.rescale(r.n)), nil
}

// roundDouble is MariaDB's my_double_round for n >= 0.
func roundDouble(v float64, n int, truncate bool) float64 {
	p := math.Pow10(n)
	x := v * p
	switch {
	case math.IsInf(x, 0):
		return v
	case truncate && v >= 0:
		return math.Floor(x) / p
	case truncate:
		return math.Ceil(x) / p
	}
	return math.RoundToEven(x) / p
}

// field is an integer argument's own metadata, or the DECIMAL or DOUBLE
// result's.
func (r *boundRound) field(inCols []*mysql.Field, name string) *mysql.Field {
	return resultOf(r.identity, r.a, r.numOut, inCols, name, r.name)
}
