package sharding

// Shard key values (Value), their normalised form (Key) and Normalize. The
// normalisation rules, and why they were chosen, are documented in the
// package documentation (doc.go): read it before changing anything here,
// because a change that gives some value a different Key moves stored rows.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ColType is what the proxy knows of a shard key column's type.
type ColType uint8

const (
	// Unknown: numbers if the value reads as a number, else the string rule.
	Unknown ColType = iota
	// Integer: TINYINT..BIGINT, signed or unsigned.
	Integer
	// Decimal: DECIMAL/NUMERIC.
	Decimal
	// String: CHAR/VARCHAR/TEXT with a case-insensitive PAD SPACE collation.
	String
)

func (t ColType) String() string {
	switch t {
	case Unknown:
		return "unknown"
	case Integer:
		return "integer"
	case Decimal:
		return "decimal"
	case String:
		return "string"
	}
	return "ColType(" + strconv.Itoa(int(t)) + ")"
}

type valueKind uint8

const (
	vNull   valueKind = iota
	vInt              // i
	vUint             // u
	vFloat            // f
	vNumber           // s: unquoted numeric literal text
	vString           // s: quoted string or byte string
)

// Value is a shard key value as the client wrote or sent it, before
// normalisation. The zero Value is NULL. Values are comparable, but equal
// logical values may be different Values ('5' and 5): compare Keys.
type Value struct {
	kind valueKind
	i    int64
	u    uint64
	f    float64
	s    string
	// bin: a binary string (X'..', a BLOB parameter), not text in the
	// client's character set; keyed like any string.
	bin bool
}

// NullValue returns SQL NULL.
func NullValue() Value { return Value{} }

// IntValue returns a signed integer, e.g. an integer literal or a signed
// integer parameter.
func IntValue(i int64) Value { return Value{kind: vInt, i: i} }

// UintValue returns an unsigned integer, e.g. an unsigned BIGINT parameter
// or a literal above 2^63-1.
func UintValue(u uint64) Value { return Value{kind: vUint, u: u} }

// FloatValue returns a floating-point number, e.g. a DOUBLE parameter.
func FloatValue(f float64) Value { return Value{kind: vFloat, f: f} }

// NumberValue returns an unquoted numeric literal as written in the SQL
// text: "5", "-12", "5.0", "1e1", "18446744073709551615". Text that does not
// read as a number makes Normalize fail whatever the column type.
func NumberValue(text string) Value { return Value{kind: vNumber, s: text} }

// StringValue returns a quoted string literal ('5', 'abc') or a string
// parameter, unescaped.
func StringValue(s string) Value { return Value{kind: vString, s: s} }

// BytesValue returns a byte-string parameter (the protocol sends DECIMAL,
// VARCHAR and BLOB parameters this way); it is the same as StringValue.
func BytesValue(b []byte) Value { return Value{kind: vString, s: string(b)} }

// BinaryValue is BytesValue for a binary string, whose bytes no character
// set converts (Binary).
func BinaryValue(b []byte) Value { return Value{kind: vString, s: string(b), bin: true} }

// Binary tells a BinaryValue.
func (v Value) Binary() bool { return v.bin }

// ValueOf converts a decoded prepared-statement parameter: nil, bool, any Go
// integer or float type, string or []byte.
func ValueOf(x any) (Value, error) {
	switch x := x.(type) {
	case nil:
		return NullValue(), nil
	case Value:
		return x, nil
	case bool:
		if x {
			return IntValue(1), nil
		}
		return IntValue(0), nil
	case int:
		return IntValue(int64(x)), nil
	case int8:
		return IntValue(int64(x)), nil
	case int16:
		return IntValue(int64(x)), nil
	case int32:
		return IntValue(int64(x)), nil
	case int64:
		return IntValue(x), nil
	case uint:
		return UintValue(uint64(x)), nil
	case uint8:
		return UintValue(uint64(x)), nil
	case uint16:
		return UintValue(uint64(x)), nil
	case uint32:
		return UintValue(uint64(x)), nil
	case uint64:
		return UintValue(x), nil
	case float32:
		return FloatValue(float64(x)), nil
	case float64:
		return FloatValue(x), nil
	case string:
		return StringValue(x), nil
	case []byte:
		return BytesValue(x), nil
	}
	return Value{}, fmt.Errorf("sharding: a %T cannot be a shard key value", x)
}

// Unsigned reports whether v is an unsigned integer (UintValue).
func (v Value) Unsigned() bool { return v.kind == vUint }

// IsNull reports whether v is SQL NULL.
func (v Value) IsNull() bool { return v.kind == vNull }

// Text is the text of a string value; ok is false for any other kind.
func (v Value) Text() (string, bool) { return v.s, v.kind == vString }

// IsNumber tells whether v is a number (an integer, a float or an
// unquoted numeric literal), not text.
func (v Value) IsNumber() bool {
	return v.kind == vInt || v.kind == vUint || v.kind == vFloat || v.kind == vNumber
}

// String renders v as SQL-ish text for messages: NULL, 5, 1.5, 'abc'.
func (v Value) String() string {
	switch v.kind {
	case vInt:
		return strconv.FormatInt(v.i, 10)
	case vUint:
		return strconv.FormatUint(v.u, 10)
	case vFloat:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case vNumber:
		return clip(v.s)
	case vString:
		return quote(v.s)
	}
	return "NULL"
}

// Errors of Normalize, wrapped in a *ValueError; test with errors.Is.
var (
	ErrNullKey         = errors.New("is NULL, and a row needs a shard key value to have a home")
	ErrNotNumber       = errors.New("is not a number")
	ErrNotInteger      = errors.New("is not an integer")
	ErrOutOfRange      = errors.New("is outside the integer range [-9223372036854775808, 18446744073709551615]")
	ErrInexact         = errors.New("is a floating-point number of magnitude 2^53 or more, which does not stand for one integer; send it as an integer or a string")
	ErrNumberForString = errors.New("is a number but the shard key column is a string, and MySQL compares the two as numbers; quote the value")
)

// ValueError is a shard key value that Normalize refuses.
type ValueError struct {
	Value Value
	Type  ColType
	Err   error // one of the Err* values above
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("shard key value %s %v (%s column)", e.Value, e.Err, e.Type)
}

func (e *ValueError) Unwrap() error { return e.Err }

// KeyKind tells what a Key holds.
type KeyKind uint8

const (
	KeyInvalid KeyKind = iota // the zero Key: not produced by Normalize
	KeyInteger                // an integer in [-2^63, 2^64-1]
	KeyDecimal                // a non-integral decimal, or an integral one outside the integer range
	KeyString                 // case-folded text without trailing spaces
)

// Key is a normalised shard key: equal logical values have equal Keys, and
// Keys are comparable with ==, so they can be map keys.
type Key struct {
	kind KeyKind
	neg  bool   // KeyInteger, KeyDecimal: the value is negative
	u    uint64 // KeyInteger: magnitude (1..2^63 when neg)
	exp  int64  // KeyDecimal: value = digits * 10^exp
	s    string // KeyDecimal: significant digits, no leading or trailing zeros; KeyString: the folded text
}

// IntKey returns the Key of an integer.
func IntKey(i int64) Key {
	if i < 0 {
		return Key{kind: KeyInteger, neg: true, u: uint64(-i)} // -MinInt64 wraps to 2^63, as wanted
	}
	return Key{kind: KeyInteger, u: uint64(i)}
}

// UintKey returns the Key of an unsigned integer.
func UintKey(u uint64) Key { return Key{kind: KeyInteger, u: u} }

// Kind tells what k holds.
func (k Key) Kind() KeyKind { return k.kind }

// Int64 returns k's value if k is an integer within the int64 range.
func (k Key) Int64() (int64, bool) {
	if k.kind != KeyInteger || (!k.neg && k.u > math.MaxInt64) {
		return 0, false
	}
	if k.neg {
		return -int64(k.u), true
	}
	return int64(k.u), true
}

// Uint64 returns k's value if k is a non-negative integer.
func (k Key) Uint64() (uint64, bool) {
	if k.kind != KeyInteger || k.neg {
		return 0, false
	}
	return k.u, true
}

// String renders k for messages: 5, -1.5, 'abc'.
func (k Key) String() string {
	switch k.kind {
	case KeyInteger:
		if k.neg {
			return "-" + strconv.FormatUint(k.u, 10)
		}
		return strconv.FormatUint(k.u, 10)
	case KeyDecimal:
		return k.decimalText()
	case KeyString:
		return quote(k.s)
	}
	return "<invalid key>"
}

func (k Key) decimalText() string {
	sign := ""
	if k.neg {
		sign = "-"
	}
	d, e := k.s, k.exp
	switch {
	case e >= 0 && e <= 30:
		return sign + d + strings.Repeat("0", int(e))
	case e < 0 && -e < int64(len(d)):
		return sign + d[:int64(len(d))+e] + "." + d[int64(len(d))+e:]
	case e < 0 && -e <= int64(len(d))+30:
		return sign + "0." + strings.Repeat("0", int(-e)-len(d)) + d
	}
	mant := d[:1]
	if len(d) > 1 {
		mant += "." + d[1:]
	}
	return sign + clip(mant) + "e" + strconv.FormatInt(e+int64(len(d))-1, 10)
}

// AppendCanonical appends k's canonical byte encoding, the input of Hash.
// It is part of the on-disk contract and never changes:
//   - an integer within the int64 range: 'i' then its 8-byte big-endian
//     two's complement;
//   - an integer above 2^63-1: 'u' then its 8-byte big-endian value;
//   - a decimal: 'd', then '-' if negative, the significant digits, 'e' and
//     the exponent in decimal (1.5 is "d15e-1");
//   - a string: 's' then the normalised UTF-8 bytes.
func (k Key) AppendCanonical(b []byte) []byte {
	switch k.kind {
	case KeyInteger:
		if i, ok := k.Int64(); ok {
			return binary.BigEndian.AppendUint64(append(b, 'i'), uint64(i))
		}
		return binary.BigEndian.AppendUint64(append(b, 'u'), k.u)
	case KeyDecimal:
		b = append(b, 'd')
		if k.neg {
			b = append(b, '-')
		}
		b = append(b, k.s...)
		b = append(b, 'e')
		return strconv.AppendInt(b, k.exp, 10)
	case KeyString:
		return append(append(b, 's'), k.s...)
	}
	return b
}

// FNV-1a 64 parameters (as in hash/fnv).
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// Hash returns the FNV-1a 64 hash of k's canonical encoding passed through
// MurmurHash3's fmix64 finalizer. FNV alone leaves keys that differ in their
// last bytes (consecutive integers) close together in the high bits, which
// jump hash reads: keys 1 to 6 all landed on one of three shards. It is
// part of the on-disk contract and never changes.
func (k Key) Hash() uint64 {
	var buf [64]byte
	return fmix64(fnv1a(k.AppendCanonical(buf[:0])))
}

func fnv1a(b []byte) uint64 {
	h := uint64(fnvOffset64)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

// fmix64 is MurmurHash3's 64-bit finalizer: every input bit affects every
// output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Normalize turns v into the Key of a column of type t, or explains with a
// *ValueError why no single shard can hold it. The rules are in the package
// documentation.
func Normalize(v Value, t ColType) (Key, error) {
	if t > String {
		return Key{}, fmt.Errorf("sharding: unknown column type %v", t)
	}
	fail := func(err error) (Key, error) { return Key{}, &ValueError{Value: v, Type: t, Err: err} }
	switch v.kind {
	case vInt:
		if t == String {
			return fail(ErrNumberForString)
		}
		return IntKey(v.i), nil
	case vUint:
		if t == String {
			return fail(ErrNumberForString)
		}
		return UintKey(v.u), nil
	case vFloat:
		switch {
		case t == String:
			return fail(ErrNumberForString)
		case math.IsNaN(v.f) || math.IsInf(v.f, 0):
			return fail(ErrNotNumber)
		case math.Abs(v.f) >= 1<<53:
			return fail(ErrInexact)
		case v.f == math.Trunc(v.f):
			return IntKey(int64(v.f)), nil
		case t == Integer:
			return fail(ErrNotInteger)
		}
		d, err := parseNumber(strconv.FormatFloat(v.f, 'e', -1, 64))
		if err != nil {
			return fail(err) // cannot happen for a finite float
		}
		return d, nil
	case vNumber:
		if t == String {
			return fail(ErrNumberForString)
		}
		k, err := parseNumber(v.s)
		if err != nil {
			return fail(err)
		}
		return numericKey(k, t, fail)
	case vString:
		if t == String {
			return stringKey(v.s), nil
		}
		k, err := parseNumber(v.s)
		if err != nil {
			if t == Unknown {
				return stringKey(v.s), nil
			}
			return fail(err)
		}
		return numericKey(k, t, fail)
	}
	return fail(ErrNullKey)
}

// numericKey checks a parsed number against an Integer column.
func numericKey(k Key, t ColType, fail func(error) (Key, error)) (Key, error) {
	if t == Integer && k.kind == KeyDecimal {
		if k.exp >= 0 {
			return fail(ErrOutOfRange)
		}
		return fail(ErrNotInteger)
	}
	return k, nil
}

// stringKey applies the String rule: trim trailing spaces, fold case.
func stringKey(s string) Key {
	s = strings.TrimRight(s, " ")
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return Key{kind: KeyString, s: fold(s, i)}
		}
	}
	return Key{kind: KeyString, s: s}
}

// fold returns s with every rune from byte i on replaced by foldRune;
// invalid UTF-8 bytes are copied as they are.
func fold(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte(c)
		} else {
			b.WriteRune(foldRune(r))
		}
		i += n
	}
	return b.String()
}

// foldRune returns the canonical member of r's simple case-folding orbit:
// the smallest code point of the orbit, lower-cased. Runes in the same
// orbit (as strings.EqualFold compares) get the same result; for ASCII it
// is plain lower-casing (the orbit of 'k' also holds the Kelvin sign, whose
// result is 'k' as well).
func foldRune(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return unicode.ToLower(m)
}

// isSpace is MySQL's my_isspace for ASCII: the white space skipped before a
// number.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// maxExpDigits bounds the exponent of a numeric string; a larger one is
// ErrOutOfRange, unless the number is zero.
const maxExpDigits = 9

// parseNumber reads s as a decimal number: optional leading white space,
// optional sign, digits with an optional point (at least one digit), an
// optional exponent, optional trailing spaces. It returns the integer Key
// if the value is an integer within range, else the decimal Key. It fails
// with ErrNotNumber or ErrOutOfRange.
func parseNumber(s string) (Key, error) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	s = strings.TrimRight(s[i:], " ")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intEnd := digitsEnd(s, 0)
	intPart, frac := s[:intEnd], ""
	rest := s[intEnd:]
	if rest != "" && rest[0] == '.' {
		fracEnd := digitsEnd(rest, 1)
		frac, rest = rest[1:fracEnd], rest[fracEnd:]
	}
	if intPart == "" && frac == "" {
		return Key{}, ErrNotNumber
	}
	var exp int64
	if rest != "" && (rest[0] == 'e' || rest[0] == 'E') {
		rest = rest[1:]
		eneg := false
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			eneg = rest[0] == '-'
			rest = rest[1:]
		}
		end := digitsEnd(rest, 0)
		if end == 0 {
			return Key{}, ErrNotNumber
		}
		ed := strings.TrimLeft(rest[:end], "0")
		rest = rest[end:]
		if rest != "" {
			return Key{}, ErrNotNumber
		}
		if len(ed) > maxExpDigits {
			if isZero(intPart) && isZero(frac) {
				return IntKey(0), nil
			}
			return Key{}, ErrOutOfRange
		}
		if ed != "" {
			exp, _ = strconv.ParseInt(ed, 10, 64)
		}
		if eneg {
			exp = -exp
		}
	}
	if rest != "" {
		return Key{}, ErrNotNumber
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= int64(len(frac))
	if digits == "" {
		return IntKey(0), nil
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	digits = trimmed
	if exp >= 0 && int64(len(digits))+exp <= 20 {
		if u, err := strconv.ParseUint(digits+strings.Repeat("0", int(exp)), 10, 64); err == nil {
			switch {
			case !neg:
				return UintKey(u), nil
			case u <= 1<<63:
				return Key{kind: KeyInteger, neg: true, u: u}, nil
			}
		}
	}
	return Key{kind: KeyDecimal, neg: neg, s: digits, exp: exp}, nil
}

func digitsEnd(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func isZero(digits string) bool { return strings.TrimLeft(digits, "0") == "" }

// quote renders s as a SQL string literal for messages, cut after 64 bytes.
func quote(s string) string {
	return "'" + strings.ReplaceAll(clip(s), "'", "''") + "'"
}

func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// AsUnsigned is v converted to an unsigned integer the way MariaDB 10.11
// converts a LIMIT parameter (Item_param::val_uint): a negative number
// wraps around (so LIMIT -1 means no limit), a DOUBLE is rounded half to
// even (2.5 is 2, 2.7 is 3) and a decimal half away from zero (2.50 is 3),
// what exceeds the signed range is its end, NULL is 0. Text is read up to
// the first character that is not part of a number, which is clean (false
// when not) only where it is all an integer: MariaDB warns about the rest
// ('2.7', '3 ', 'abc'). Clients send LIMIT ? as a DOUBLE (mysql2) or a
// string as well as an integer.
func (v Value) AsUnsigned() (n uint64, clean bool) {
	switch v.kind {
	case vInt:
		return uint64(v.i), true
	case vUint:
		return v.u, true
	case vFloat:
		return floatToUnsigned(math.RoundToEven(v.f)), true
	case vNumber:
		return decimalToUnsigned(v.s), true
	case vString:
		return floatToUnsigned(leadingNumber(v.s)), integerText(v.s)
	}
	return 0, true
}

// floatToUnsigned is a rounded double as MariaDB's signed conversion
// makes it, wrapped to unsigned: the signed range's ends beyond it, and
// NaN the lowest end.
func floatToUnsigned(f float64) uint64 {
	switch {
	case f != f || f <= -9223372036854775808: // NaN
		return 1 << 63
	case f >= 9223372036854775807:
		return math.MaxInt64
	}
	return uint64(int64(f))
}

// decimalToUnsigned is decimal text (digits, an optional sign and point)
// rounded half away from zero to a signed integer, the signed range's ends
// beyond it, wrapped to unsigned.
func decimalToUnsigned(s string) uint64 {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseUint("0"+whole, 10, 64)
	if err != nil || n > math.MaxInt64 {
		n = 1 << 63
	}
	if frac != "" && frac[0] >= '5' && n < 1<<63 {
		n++
	}
	if !neg {
		return min(n, math.MaxInt64)
	}
	return -min(n, 1<<63)
}

// integerText tells whether MariaDB reads s as an integer without a
// warning: spaces, a sign and up to 18 digits (no overflow).
func integerText(s string) bool {
	s = strings.TrimLeft(s, " ")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// leadingNumber reads the number at the start of s as MariaDB does when it
// converts a string to a number: leading spaces skipped, the longest prefix
// that reads as a decimal number, 0 when there is none.
func leadingNumber(s string) float64 {
	f, err := strconv.ParseFloat(leadingNumberText(s), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f
		}
		return 0
	}
	return f
}

// leadingNumberText is the prefix of s that leadingNumber reads, leading
// white space left out: a sign, digits, a point and digits, an exponent;
// "" or a lone sign or point where s starts with no number.
func leadingNumberText(s string) string {
	s = strings.TrimLeft(s, " \t\n\v\f\r") // isSpace's, as parseNumber skips
	end := 0
	digits := func() {
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
	}
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits()
	if end < len(s) && s[end] == '.' {
		end++
		digits()
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		exp := end
		end++
		if end < len(s) && (s[end] == '+' || s[end] == '-') {
			end++
		}
		start := end
		digits()
		if end == start {
			end = exp
		}
	}
	return s[:end]
}
