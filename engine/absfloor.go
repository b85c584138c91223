package engine

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// NumFunc is ABS, FLOOR, CEIL or CEILING (fn, any case) of a number over
// the merged columns (an aggregate, arithmetic over aggregates). It is
// typed as MariaDB 10.11 types Item_func_abs and Item_func_floor/_ceiling
// (checked to the length, type and flags, integration
// TestNumFuncsOverAggregates):
//   - ABS keeps its argument's length, scale, UNSIGNED and NOT NULL; an
//     integer is an INT up to 9 characters, a BIGINT beyond;
//   - FLOOR and CEIL keep an integer's type; a DECIMAL's integer digits,
//     one more when a fraction can carry (CEIL, or FLOOR of a signed
//     number), make an INT up to 9 digits, a BIGINT up to 18, a
//     DECIMAL(p, 0) beyond;
//   - a DOUBLE stays a DOUBLE (FLOOR and CEIL of length 17, no decimals).
//
// Other arguments are refused when bound.
func NumFunc(fn string, a Expr) Expr { return &numFuncExpr{fn: strings.ToLower(fn), a: a} }

type numFuncExpr struct {
	fn string // abs, floor, ceil, ceiling
	a  Expr
}

func (n *numFuncExpr) String() string { return n.fn + "(" + n.a.String() + ")" }

func (n *numFuncExpr) bind(bd binder) (bound, error) {
	x, err := bindExpr(n.a, bd)
	if err != nil {
		return nil, err
	}
	switch n.fn {
	case "abs", "floor", "ceil", "ceiling":
	default:
		return nil, n.unsupported()
	}
	t := x.st()
	a := attrsOf(x, bd.cols)
	out := &boundNumFunc{fn: n.fn, a: x, name: n.String()}
	out.notNull, out.unsigned = a.ok && a.notNull, t.unsigned
	floor := n.fn == "floor"
	switch {
	case t.cls == tInt && !t.boolean && a.ok:
		out.t = t
		if n.fn == "abs" {
			out.typ, out.length = intType(attrs{length: a.length}), uint32(a.length)
		} else {
			out.identity = true
		}
	case t.cls == tDec && a.ok && n.fn == "abs":
		out.t = t
		out.typ, out.length, out.scale = mysql.MYSQL_TYPE_NEWDECIMAL, uint32(a.length), a.scale
	case t.cls == tDec && a.ok:
		p := a.prec - a.scale
		if a.scale > 0 && (!floor || !a.unsigned) {
			p++ // a fraction carries into a new digit: CEIL(9.5), FLOOR(-9.5)
		}
		p = max(p, 1)
		out.unsigned = a.unsigned
		switch {
		case p > 18:
			out.t = stype{cls: tDec, unsigned: a.unsigned}
			out.typ, out.length = mysql.MYSQL_TYPE_NEWDECIMAL, uint32(lengthOf(p, 0, a.unsigned))
		default:
			out.t = stype{cls: tInt, unsigned: a.unsigned}
			out.typ, out.length = mysql.MYSQL_TYPE_LONG, uint32(p)
			if !a.unsigned {
				out.length++
			}
			if p > 9 {
				out.typ = mysql.MYSQL_TYPE_LONGLONG
			}
		}
	case t.cls == tDouble && t.mtype != mysql.MYSQL_TYPE_FLOAT:
		out.t = stype{cls: tDouble, unsigned: t.unsigned, scale: t.scale}
		out.typ, out.length, out.scale = mysql.MYSQL_TYPE_DOUBLE, 23, t.scale
		if t.scale < notFixedDec {
			out.length = uint32(17 + t.scale) // float_length
		}
		if n.fn != "abs" {
			out.t.scale, out.scale, out.length = 0, 0, 17
		}
		out.notNull = false
	default:
		return nil, n.unsupported()
	}
	return out, nil
}

func (n *numFuncExpr) unsupported() error {
	return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET, fmt.Sprintf("%s over several shards is supported for a number (an aggregate, or arithmetic over aggregates); not %s", strings.ToUpper(n.fn), n.String()))
}

// boundNumFunc is ABS, FLOOR or CEIL of a number.
type boundNumFunc struct {
	fn       string
	a        bound
	identity bool // FLOOR or CEIL of an integer: its own type and value
	t        stype
	numOut
	name string
}

func (n *boundNumFunc) st() stype    { return n.t }
func (n *boundNumFunc) text() string { return n.name }
func (n *boundNumFunc) prec() int    { return precHighest }

func (n *boundNumFunc) eval(r Row) (value, error) {
	v, err := n.a.eval(r)
	if err != nil || v.k == vNull || n.identity {
		return v, err
	}
	if n.fn == "abs" {
		return n.abs(v)
	}
	up := n.fn != "floor"
	switch v.k {
	case vInt, vUint:
		return v, nil
	case vDouble:
		if up {
			return doubleValue(math.Ceil(v.f)), nil
		}
		return doubleValue(math.Floor(v.f)), nil
	}
	d := toDec(v)
	q, m := new(big.Int).QuoRem(d.v, pow10(d.scale), new(big.Int))
	if m.Sign() > 0 && up {
		q.Add(q, big.NewInt(1))
	} else if m.Sign() < 0 && !up {
		q.Sub(q, big.NewInt(1))
	}
	if n.t.cls == tInt && q.IsInt64() {
		return intValue(q.Int64()), nil
	}
	if n.t.cls == tInt && n.unsigned && q.IsUint64() {
		return uintValue(q.Uint64()), nil
	}
	return decValue(decimal{v: q}), nil
}

func (n *boundNumFunc) abs(v value) (value, error) {
	switch v.k {
	case vInt:
		if v.i == math.MinInt64 {
			return value{}, errOutOfRange("BIGINT", n.name)
		}
		if v.i < 0 {
			return intValue(-v.i), nil
		}
	case vDouble:
		return doubleValue(math.Abs(v.f)), nil
	case vDec:
		d := v.d
		return decValue(decimal{v: new(big.Int).Abs(d.v), scale: d.scale}), nil
	}
	return v, nil
}

func (n *boundNumFunc) field(inCols []*mysql.Field, name string) *mysql.Field {
	return resultOf(n.identity, n.a, n.numOut, inCols, name, n.name)
}
