package sharding

import (
	"errors"
	"math"
	"math/big"
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
func roundedText(s string) *big.Int {
	k, err := parseNumber(s)
	switch {
	case errors.Is(err, ErrOutOfRange):
		huge := new(big.Int).Lsh(big.NewInt(1), 64)
		if strings.HasPrefix(strings.TrimSpace(s), "-") {
			huge.Neg(huge)
		}
		return huge
	case err != nil:
		return new(big.Int)
	}
	if k.kind == KeyInteger {
		n := new(big.Int).SetUint64(k.u)
		if k.neg {
			n.Neg(n)
		}
		return n
	}
	// A decimal: digits × 10^exp.
	n, _ := new(big.Int).SetString(k.s, 10)
	if k.exp >= 0 {
		if k.exp > 40 { // beyond every integer column's range
			k.exp = 40
		}
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(k.exp), nil))
	} else {
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(min(-k.exp, int64(len(k.s))+1)), nil)
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

// IntegerRange is the range of an integer column type as information_schema
// writes it ("int(11)", "bigint(20) unsigned", "tinyint(3) unsigned
// zerofill"); ok is false for any other type.
func IntegerRange(columnType string) (lo int64, hi uint64, ok bool) {
	tp := strings.ToLower(columnType)
	base, _, _ := strings.Cut(tp, "(")
	base, _, _ = strings.Cut(base, " ")
	var bits uint
	switch base {
	case "tinyint":
		bits = 8
	case "smallint":
		bits = 16
	case "mediumint":
		bits = 24
	case "int", "integer":
		bits = 32
	case "bigint":
		bits = 64
	default:
		return 0, 0, false
	}
	if strings.Contains(tp, "unsigned") || strings.Contains(tp, "zerofill") {
		if bits == 64 {
			return 0, math.MaxUint64, true
		}
		return 0, 1<<bits - 1, true
	}
	return -1 << (bits - 1), 1<<(bits-1) - 1, true
}
