package sharding

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// StoredInteger is the value MariaDB (10.11) stores for v in an integer
// column whose values lie in [lo, hi]: the row's home, where its key
// reads as MariaDB will find it again. Where MariaDB converts, so does
// this: a DOUBLE rounded half to even (58.5 is 58), a decimal or numeric
// text half away from zero (50.5 and '53.5' are 51 and 54), text read up
// to its first character that is not part of a number ('55x' is 55, 'abc'
// 0), and the result clipped to [lo, hi]. Under a strict sql_mode MariaDB
// refuses a value it would truncate or clip, wherever it is sent; without
// one it stores this. ok is false for NULL, NaN and infinities, and for a
// value of a kind that names no number.
func StoredInteger(v Value, lo int64, hi uint64) (Value, bool) {
	// Integers in range, nearly every key, are stored as they are.
	switch {
	case v.kind == vInt && v.i >= lo && (v.i < 0 || uint64(v.i) <= hi):
		return v, true
	case v.kind == vUint && v.u <= hi && (lo <= 0 || v.u >= uint64(lo)):
		return v, true
	}
	var n *big.Int
	switch v.kind {
	case vInt:
		n = big.NewInt(v.i)
	case vUint:
		n = new(big.Int).SetUint64(v.u)
	case vFloat:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return Value{}, false
		}
		n, _ = big.NewFloat(math.RoundToEven(v.f)).Int(nil)
	case vNumber:
		n = roundedText(v.s)
	case vString:
		n = roundedText(leadingNumberText(v.s))
	default:
		return Value{}, false
	}
	if min := big.NewInt(lo); n.Cmp(min) < 0 {
		n = min
	}
	if max := new(big.Int).SetUint64(hi); n.Cmp(max) > 0 {
		n = max
	}
	if n.IsInt64() {
		return IntValue(n.Int64()), true
	}
	return UintValue(n.Uint64()), true
}

// roundedText is numeric text rounded half away from zero; text that
// holds no number is 0, and one whose exponent is too large to read is
// beyond every integer column's range, on its sign's side.
func roundedText(s string) *big.Int { return scaledText(s, 0) }

// scaledText is numeric text times 10^scale, rounded half away from zero
// (roundedText's rules).
func scaledText(s string, scale int64) *big.Int {
	k, err := parseNumber(s)
	switch {
	case errors.Is(err, ErrOutOfRange):
		huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(80), nil)
		if strings.HasPrefix(strings.TrimSpace(s), "-") {
			huge.Neg(huge)
		}
		return huge
	case err != nil:
		return new(big.Int)
	}
	return scaledKey(k, scale)
}

// scaledKey is a number Key times 10^scale, rounded half away from zero.
func scaledKey(k Key, scale int64) *big.Int {
	var n *big.Int
	exp := scale
	if k.kind == KeyInteger {
		n = new(big.Int).SetUint64(k.u)
	} else {
		n, _ = new(big.Int).SetString(k.s, 10)
		exp += k.exp
	}
	if exp >= 0 {
		// Beyond every column's range past 10^80.
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(min(exp, 80)), nil))
	} else {
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(min(-exp, int64(len(n.String()))+1)), nil)
		var rem big.Int
		n.QuoRem(n, div, &rem)
		// Half away from zero: the remainder against half the divisor.
		if rem.Mul(&rem, big.NewInt(2)).Cmp(div) >= 0 {
			n.Add(n, big.NewInt(1))
		}
	}
	if k.neg {
		n.Neg(n)
	}
	return n
}

// StoredDecimal is the value MariaDB (10.11) stores for v in a
// DECIMAL(precision, scale) column, as StoredInteger is for an integer
// one: rounded half away from zero to the scale (a DOUBLE from its
// shortest decimal form: 2.675e0 is 2.68), text read up to its first
// character that is not part of a number, clipped to the column's range
// (an UNSIGNED one starts at 0). ok is false for NULL, NaN, infinities and a value of no number kind.
func StoredDecimal(v Value, precision, scale int, unsigned bool) (Value, bool) {
	if precision <= 0 || scale < 0 || scale > precision {
		return Value{}, false
	}
	var n *big.Int
	switch v.kind {
	case vInt:
		n = scaledKey(IntKey(v.i), int64(scale))
	case vUint:
		n = scaledKey(UintKey(v.u), int64(scale))
	case vFloat:
		if math.IsNaN(v.f) || math.IsInf(v.f, 0) {
			return Value{}, false
		}
		n = scaledText(strconv.FormatFloat(v.f, 'e', -1, 64), int64(scale))
	case vNumber:
		n = scaledText(v.s, int64(scale))
	case vString:
		n = scaledText(leadingNumberText(v.s), int64(scale))
	default:
		return Value{}, false
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	limit.Sub(limit, big.NewInt(1))
	if n.CmpAbs(limit) > 0 {
		n = limit.Mul(limit, big.NewInt(int64(n.Sign())))
	}
	if unsigned && n.Sign() < 0 {
		n = new(big.Int)
	}
	digits := new(big.Int).Abs(n).String()
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	text := digits
	if scale > 0 {
		text = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if n.Sign() < 0 {
		text = "-" + text
	}
	return NumberValue(text), true
}

// DecimalShape is the precision and scale of a DECIMAL column type as
// information_schema writes it ("decimal(5,2)", "decimal(10,0) unsigned");
// ok is false for any other type. MariaDB's DECIMAL without arguments is
// DECIMAL(10,0).
func DecimalShape(columnType string) (precision, scale int, unsigned, ok bool) {
	tp := strings.ToLower(columnType)
	base, args, _ := strings.Cut(tp, "(")
	base = strings.TrimSpace(base)
	if base != "decimal" && base != "numeric" && base != "dec" && base != "fixed" {
		return 0, 0, false, false
	}
	unsigned = strings.Contains(tp, "unsigned") || strings.Contains(tp, "zerofill")
	args, _, _ = strings.Cut(args, ")")
	ps, ss, _ := strings.Cut(args, ",")
	precision, scale = 10, 0
	if p, err := strconv.Atoi(strings.TrimSpace(ps)); err == nil {
		precision = p
	}
	if sc, err := strconv.Atoi(strings.TrimSpace(ss)); err == nil {
		scale = sc
	}
	return precision, scale, unsigned, true
}
