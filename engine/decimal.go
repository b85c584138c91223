package engine

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// MariaDB limits.
const (
	maxDecimalScale = 38 // DECIMAL_MAX_SCALE
	notFixedDec     = 31 // NOT_FIXED_DEC: a DOUBLE printed with as many digits as needed
	divPrecIncr     = 4  // div_precision_increment (default)
	digitsPerWord   = 9  // DIG_PER_DEC1: MariaDB decimals compute in 9-digit words
)

// decimal is an exact decimal number: v / 10^scale. negZero marks a zero that
// MariaDB prints with a minus sign ("-0.0", produced by MOD and by truncating
// division).
type decimal struct {
	v       *big.Int
	scale   int
	negZero bool
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

func decFromInt64(i int64) decimal   { return decimal{v: big.NewInt(i)} }
func decFromUint64(u uint64) decimal { return decimal{v: new(big.Int).SetUint64(u)} }

// parseDecimal parses [+-]digits[.digits] (surrounding spaces allowed) and, for
// values converted from doubles, an optional exponent.
func parseDecimal(s string) (decimal, bool) {
	s = strings.TrimSpace(s)
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return decimal{}, false
		}
		exp = e
		s = s[:i]
	}
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		ip, fp = s[:i], s[i+1:]
	}
	if ip == "" && fp == "" {
		return decimal{}, false
	}
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return decimal{}, false
			}
		}
	}
	v, ok := new(big.Int).SetString("0"+ip+fp, 10)
	if !ok {
		return decimal{}, false
	}
	if neg {
		v.Neg(v)
	}
	d := decimal{v: v, scale: len(fp)}
	if exp > 0 {
		if exp <= d.scale {
			d.scale -= exp
		} else {
			d.v.Mul(d.v, pow10(exp-d.scale))
			d.scale = 0
		}
	} else if exp < 0 {
		d.scale -= exp
	}
	return d, true
}

func (d decimal) sign() int { return d.v.Sign() }

// rescale returns d with the given scale, rounding half away from zero when
// digits are dropped (a result that rounds to zero is a plain zero).
func (d decimal) rescale(scale int) decimal {
	switch {
	case scale == d.scale:
		return d
	case scale > d.scale:
		return decimal{v: new(big.Int).Mul(d.v, pow10(scale-d.scale)), scale: scale, negZero: d.negZero}
	}
	return decimal{v: roundHalfUp(d.v, d.scale-scale), scale: scale}
}

// truncate returns d with the given (smaller) scale, dropping digits.
func (d decimal) truncate(scale int) decimal {
	if scale >= d.scale {
		return d.rescale(scale)
	}
	q := new(big.Int).Quo(d.v, pow10(d.scale-scale))
	return decimal{v: q, scale: scale, negZero: q.Sign() == 0 && (d.v.Sign() < 0 || d.negZero)}
}

// roundHalfUp divides v by 10^drop rounding half away from zero.
func roundHalfUp(v *big.Int, drop int) *big.Int {
	p := pow10(drop)
	q, r := new(big.Int).QuoRem(v, p, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(p) >= 0 {
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// String prints d with exactly d.scale fraction digits, as MariaDB does.
func (d decimal) String() string {
	s := new(big.Int).Abs(d.v).String()
	if d.scale > 0 {
		if len(s) <= d.scale {
			s = strings.Repeat("0", d.scale-len(s)+1) + s
		}
		s = s[:len(s)-d.scale] + "." + s[len(s)-d.scale:]
	}
	if d.v.Sign() < 0 || (d.negZero && d.v.Sign() == 0) {
		s = "-" + s
	}
	return s
}

// format prints d with exactly scale fraction digits, rounding half away from
// zero when d carries more digits (a value rounding to zero prints without a
// sign; a negative zero of exactly that scale keeps it, as in MariaDB).
func (d decimal) format(scale int) string { return d.rescale(scale).String() }

func alignDec(a, b decimal) (*big.Int, *big.Int, int) {
	s := max(a.scale, b.scale)
	return a.rescale(s).v, b.rescale(s).v, s
}

// decCmp compares like MariaDB's decimal_cmp: operands of different signs
// compare by sign alone, so a negative zero ("-0.00" from MOD) is less than 0.
func decCmp(a, b decimal) int {
	if na, nb := a.negative(), b.negative(); na != nb {
		if na {
			return -1
		}
		return 1
	}
	x, y, _ := alignDec(a, b)
	return x.Cmp(y)
}

// negative reports the sign MariaDB keeps for d (a negative zero counts).
func (d decimal) negative() bool { return d.v.Sign() < 0 || (d.negZero && d.v.Sign() == 0) }

// decAdd adds exactly. As in MariaDB, adding magnitudes (same signs) keeps the
// first operand's sign even for a zero result (-0.00 + -0 = -0.00), while
// subtracting magnitudes that cancel gives a plain zero.
func decAdd(a, b decimal) decimal {
	x, y, s := alignDec(a, b)
	r := decimal{v: new(big.Int).Add(x, y), scale: s}
	r.negZero = r.v.Sign() == 0 && a.negative() && b.negative()
	return r
}

// decSub subtracts exactly, with decAdd's sign rule for zero results
// (-0.00 - 0 = -0.00).
func decSub(a, b decimal) decimal {
	x, y, s := alignDec(a, b)
	r := decimal{v: new(big.Int).Sub(x, y), scale: s}
	r.negZero = r.v.Sign() == 0 && a.negative() && !b.negative()
	return r
}

// decMul multiplies exactly (the static result scale, at most 38, only
// applies when the value is printed).
func decMul(a, b decimal) decimal {
	return decimal{v: new(big.Int).Mul(a.v, b.v), scale: a.scale + b.scale}
}

func decNeg(a decimal) decimal {
	return decimal{v: new(big.Int).Neg(a.v), scale: a.scale}
}

func roundUpWords(digits int) int {
	return (digits + digitsPerWord - 1) / digitsPerWord * digitsPerWord
}

// divScale is the scale of a/b for a dividend of scale fa: fa + 4, at most 38.
func divScale(fa int) int { return min(fa+divPrecIncr, maxDecimalScale) }

// decDiv divides like MariaDB's do_div: the quotient is truncated to F
// fraction digits, F being a whole number of 9-digit words that depends on the
// operand scales (at least a.scale + 4). The value keeps those F digits: later
// arithmetic uses them (2/3*1000000 = 666666.6660) and only printing rounds it,
// half up, to the static scale divScale(a.scale); when F equals that scale
// (DECIMAL(x,5) / integer: 5+4 = 9 digits) the printed quotient is effectively
// truncated, and a negative quotient truncated to zero prints as "-0.000000000".
// ok is false for division by zero.
func decDiv(a, b decimal) (decimal, bool) {
	if b.sign() == 0 {
		return decimal{}, false
	}
	if a.sign() == 0 {
		return decimal{v: new(big.Int)}, true // decimal_make_zero: scale 0
	}
	w1, w2 := roundUpWords(a.scale), roundUpWords(b.scale)
	incr := max(divPrecIncr-(w1-a.scale)-(w2-b.scale), 0)
	f := roundUpWords(w1 + w2 + incr)
	// q = trunc(a/b * 10^f) = trunc(a.v * 10^(f + b.scale - a.scale) / b.v)
	num := new(big.Int).Mul(a.v, pow10(f+b.scale-a.scale))
	q := num.Quo(num, b.v)
	neg := a.sign()*b.sign() < 0
	return decimal{v: q, scale: f, negZero: neg && q.Sign() == 0}, true
}

// decIntDiv returns trunc(a/b) as an integer; ok is false for division by zero.
func decIntDiv(a, b decimal) (*big.Int, bool) {
	if b.sign() == 0 {
		return nil, false
	}
	x, y, _ := alignDec(a, b)
	return new(big.Int).Quo(x, y), true
}

// decMod returns a MOD b with the dividend's sign and scale max(scales);
// ok is false when b is zero. A zero result of a negative dividend with a
// fraction prints as "-0.0", like MariaDB (with scale 0 it is a plain 0).
func decMod(a, b decimal) (decimal, bool) {
	if b.sign() == 0 {
		return decimal{}, false
	}
	x, y, s := alignDec(a, b)
	r := new(big.Int).Rem(x, y)
	return decimal{v: r, scale: s, negZero: r.Sign() == 0 && a.sign() < 0 && s > 0}, true
}

func (d decimal) float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// decFromFloat converts a double to a decimal like MariaDB's double2decimal:
// its shortest digits, within MariaDB's 81-digit decimal buffer (so 1e-300
// becomes 0) and at most 65 integer digits (larger magnitudes saturate to 65
// nines).
func decFromFloat(f float64) decimal {
	d, ok := parseDecimal(strconv.FormatFloat(f, 'e', -1, 64))
	if !ok {
		return decimal{v: new(big.Int)}
	}
	if d.scale > 81 {
		d = d.rescale(81)
	}
	if d.scale < 0 {
		d = d.rescale(0)
	}
	if limit := pow10(65); new(big.Int).Abs(d.v).Cmp(limit) >= 0 {
		m := new(big.Int).Sub(limit, big.NewInt(1))
		if d.v.Sign() < 0 {
			m.Neg(m)
		}
		d = decimal{v: m}
	}
	return d
}

// ---------------------------------------------------------------- doubles

// formatDouble prints a DOUBLE value like MariaDB: with dec < 31 fraction
// digits fixed (my_fcvt), else the shortest round-trip digits in MariaDB's
// my_gcvt layout.
func formatDouble(f float64, dec int) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "0" // my_gcvt and my_fcvt print DTOA_OVERFLOW so
	}
	if f == 0 {
		f = 0 // MariaDB never prints -0
	}
	if dec < notFixedDec {
		return fcvt(f, dec)
	}
	if f == 0 {
		return "0"
	}
	return gcvtLayout(strconv.FormatFloat(f, 'e', -1, 64))
}

// fcvt is MariaDB's my_fcvt: dtoa mode 5, i.e. the shortest round-trip digits
// when they need at most dec fraction digits (padded with zeros: 0.1 with 20
// decimals is "0.10000000000000000000", not the binary expansion), else the
// value correctly rounded to dec fraction digits (ties to even).
func fcvt(f float64, dec int) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	frac := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac = len(s) - i - 1
	}
	if frac > dec {
		return strconv.FormatFloat(f, 'f', dec, 64)
	}
	if dec > 0 {
		if frac == 0 {
			s += "."
		}
		s += strings.Repeat("0", dec-frac)
	}
	return s
}

// formatFloat32 prints a FLOAT value like MariaDB: fixed dec digits, or 6
// significant digits (FLT_DIG) in my_gcvt layout.
func formatFloat32(f float32, dec int) string {
	x := float64(f)
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return "0"
	}
	if x == 0 {
		x = 0
	}
	if dec < notFixedDec {
		return fcvt(x, dec)
	}
	if x == 0 {
		return "0"
	}
	return gcvtLayout(strconv.FormatFloat(x, 'e', 5, 64))
}

// maxDecptForF is MAX_DECPT_FOR_F_FORMAT (DBL_DIG) of MariaDB's my_gcvt.
const maxDecptForF = 15

// gcvtLayout lays out the digits of an 'e'-formatted number ("-d.ddde±xx") as
// MariaDB's my_gcvt does: the 'f' format when -14 <= decpt <= 15, or when the
// number has more significant digits than decpt; the 'e' format otherwise
// ("1e15", "1.5e-16", "1.2345678901234568e18"). decpt is the position of the
// decimal point relative to the first significant digit (1.5 has decpt 1).
func gcvtLayout(e string) string {
	neg := false
	if e[0] == '-' {
		neg = true
		e = e[1:]
	}
	ei := strings.IndexByte(e, 'e')
	mant, expS := e[:ei], e[ei+1:]
	exp, _ := strconv.Atoi(expS)
	digits := strings.Replace(mant, ".", "", 1)
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		digits = "0"
	}
	decpt := exp + 1
	n := len(digits)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if decpt >= -maxDecptForF+1 && (decpt <= maxDecptForF || n > decpt) {
		switch {
		case decpt <= 0:
			b.WriteString("0.")
			b.WriteString(strings.Repeat("0", -decpt))
			b.WriteString(digits)
		case decpt < n:
			b.WriteString(digits[:decpt])
			b.WriteByte('.')
			b.WriteString(digits[decpt:])
		default:
			b.WriteString(digits)
			b.WriteString(strings.Repeat("0", decpt-n))
		}
		return b.String()
	}
	b.WriteByte(digits[0])
	if n > 1 {
		b.WriteByte('.')
		b.WriteString(digits[1:])
	}
	b.WriteByte('e')
	b.WriteString(strconv.Itoa(decpt - 1))
	return b.String()
}
