package engine

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// tclass is the static result class of an expression.
type tclass uint8

const (
	tNull     tclass = iota // the NULL literal / a NULL-typed column
	tInt                    // BIGINT (signed or unsigned)
	tDec                    // exact DECIMAL
	tDouble                 // DOUBLE (or a FLOAT column)
	tStr                    // character or binary string
	tTemporal               // DATE, DATETIME, TIMESTAMP, TIME column
)

// stype is the static type of an expression, derived from column metadata and
// the operators, as MariaDB derives it when it prepares a statement.
type stype struct {
	cls      tclass
	unsigned bool
	scale    int     // tDec: scale; tDouble: decimals (31 = not fixed); tTemporal: fsp
	kind     cmpKind // tStr: collation
	mtype    byte    // tTemporal: MYSQL_TYPE_DATE/DATETIME/TIMESTAMP/TIME; tDouble: FLOAT or DOUBLE; tInt: BIT for BIT columns
	boolean  bool    // comparison / logical result (MariaDB sends INT(1))
}

// vkind is the runtime representation of a value.
type vkind uint8

const (
	vNull vkind = iota
	vInt
	vUint
	vDec
	vDouble
	vBytes // string or temporal text
)

type value struct {
	k vkind
	i int64
	u uint64
	f float64
	d decimal
	b []byte
	// real: a DECIMAL that is an AVG, whose value as a DOUBLE is f (the
	// sum over the count in doubles, MariaDB's val_real), not d's.
	real bool
}

func nullValue() value            { return value{} }
func intValue(i int64) value      { return value{k: vInt, i: i} }
func uintValue(u uint64) value    { return value{k: vUint, u: u} }
func decValue(d decimal) value    { return value{k: vDec, d: d} }
func doubleValue(f float64) value { return value{k: vDouble, f: f} }
func boolValue(b bool) value {
	if b {
		return intValue(1)
	}
	return intValue(0)
}

// colType derives the static type of a column.
func colType(f *mysql.Field) stype {
	if f == nil {
		return stype{cls: tStr, kind: kindBinary}
	}
	unsigned := f.Flag&mysql.UNSIGNED_FLAG != 0
	switch {
	case isIntType(f.Type):
		return stype{cls: tInt, unsigned: unsigned || f.Type == mysql.MYSQL_TYPE_YEAR, mtype: f.Type}
	case f.Type == mysql.MYSQL_TYPE_BIT && bitText(f):
		return stype{cls: tInt, unsigned: true}
	case f.Type == mysql.MYSQL_TYPE_BIT:
		return stype{cls: tInt, unsigned: true, mtype: f.Type}
	case isDecimalType(f.Type):
		return stype{cls: tDec, unsigned: unsigned, scale: min(int(f.Decimal), maxDecimalScale)}
	case isFloatType(f.Type):
		return stype{cls: tDouble, unsigned: unsigned, scale: min(int(f.Decimal), notFixedDec), mtype: f.Type}
	case isTimeType(f.Type):
		return stype{cls: tTemporal, scale: min(int(f.Decimal), 6), mtype: mysql.MYSQL_TYPE_TIME}
	case isDateTimeType(f.Type):
		mt := byte(mysql.MYSQL_TYPE_DATETIME)
		switch f.Type {
		case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE:
			mt = mysql.MYSQL_TYPE_DATE
		case mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_TIMESTAMP2:
			mt = mysql.MYSQL_TYPE_TIMESTAMP
		}
		return stype{cls: tTemporal, scale: min(int(f.Decimal), 6), mtype: mt}
	case f.Type == mysql.MYSQL_TYPE_NULL:
		return stype{cls: tNull}
	}
	return stype{cls: tStr, kind: fieldKind(f)}
}

// bitText tells whether a BIT column's cells are decimal digits: MariaDB
// sends a BIT expression's value (MIN(b), IFNULL(b, b)), marked BINARY,
// so, a BIT column's as its bytes. (A UNION ALL's BIT column is marked
// BINARY and sends bytes: the merge only compares those, by kindBit.)
func bitText(f *mysql.Field) bool {
	return f.Flag&mysql.BINARY_FLAG != 0
}

// displayCell is a cell as the client sees it: a DECIMAL cell with other
// than its column's scale (a merged AVG, which keeps its quotient's
// digits for the expressions that use it, as MariaDB's Item_sum_avg does;
// a zero quotient has none) printed at the scale, rounded half up, as
// MariaDB prints it; any other cell as it is (an infinite DOUBLE, a
// merged SUM that overflowed, too: TextRow prints it for the text
// protocol, the binary protocol carries it).
func displayCell(b []byte, t stype) []byte {
	if t.cls != tDec || b == nil {
		return b
	}
	frac := 0
	if dot := bytes.IndexByte(b, '.'); dot >= 0 {
		frac = len(b) - dot - 1
	}
	if frac == t.scale {
		return b
	}
	d, ok := parseDecimal(string(b))
	if !ok {
		return b
	}
	return []byte(d.format(t.scale))
}

// colValue converts a column's text to a runtime value of type t.
func colValue(b []byte, t stype) value {
	if b == nil {
		return nullValue()
	}
	switch t.cls {
	case tNull:
		return nullValue()
	case tInt:
		if t.mtype == mysql.MYSQL_TYPE_BIT {
			var u uint64
			for _, c := range b {
				u = u<<8 | uint64(c)
			}
			return uintValue(u)
		}
		if t.unsigned {
			if u, err := strconv.ParseUint(string(b), 10, 64); err == nil {
				return uintValue(u)
			}
		} else if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			return intValue(i)
		}
		f := strToDouble(b)
		if t.unsigned {
			if f <= 0 {
				return uintValue(0)
			}
			if f >= math.MaxUint64 {
				return uintValue(math.MaxUint64)
			}
			return uintValue(uint64(f))
		}
		if f >= math.MaxInt64 {
			return intValue(math.MaxInt64)
		}
		if f <= math.MinInt64 {
			return intValue(math.MinInt64)
		}
		return intValue(int64(f))
	case tDec:
		d, ok := parseDecimal(string(b))
		if !ok {
			d = decFromFloat(strToDouble(b))
		}
		if d.scale < t.scale {
			d = d.rescale(t.scale)
		}
		// More digits than the column's scale: a merged AVG's quotient,
		// which MariaDB computes with (displayCell).
		return decValue(d)
	case tDouble:
		if t.mtype == mysql.MYSQL_TYPE_FLOAT {
			if f, err := strconv.ParseFloat(string(b), 32); err == nil {
				return doubleValue(float64(float32(f)))
			}
		} else if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			return doubleValue(f)
		}
		return doubleValue(strToDouble(b))
	}
	return value{k: vBytes, b: b}
}

// numericPrefix finds the longest number at the start of b after leading
// characters from spaces: sign, digits, fraction, and an exponent that
// ends fewer than maxExp bytes after its 'e' (-1: no bound). ok is false
// when it has no digit.
func numericPrefix(b []byte, spaces string, maxExp int) (start, end int, ok bool) {
	i := 0
	for i < len(b) && strings.IndexByte(spaces, b[i]) >= 0 {
		i++
	}
	start = i
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		i++
	}
	digits := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		e := i
		j := i + 1
		if j < len(b) && (b[j] == '-' || b[j] == '+') {
			j++
		}
		if j < len(b) && b[j] >= '0' && b[j] <= '9' {
			for j < len(b) && b[j] >= '0' && b[j] <= '9' && (maxExp < 0 || j-e < maxExp) {
				j++
			}
			i = j
		}
	}
	return start, i, true
}

// strToDouble converts a string to a double the way MySQL does in numeric
// context: the longest numeric prefix after leading spaces ("12abc" -> 12,
// "abc" -> 0), out-of-range values clamped to +-DBL_MAX.
func strToDouble(b []byte) float64 {
	start, i, ok := numericPrefix(b, "\t\n\v\f\r ", -1)
	if !ok {
		return 0
	}
	f, _ := strconv.ParseFloat(string(b[start:i]), 64)
	if math.IsInf(f, 1) {
		return math.MaxFloat64
	}
	if math.IsInf(f, -1) {
		return -math.MaxFloat64
	}
	return f
}

// strToDec converts a string to a DECIMAL like MariaDB does when comparing it
// with an integer or a DECIMAL: the longest numeric prefix after leading
// spaces, exponent included ("12.5abc" -> 12.5, "abc" -> 0), at most 65
// digits.
func strToDec(b []byte) decimal {
	zero := decimal{v: new(big.Int)}
	start, i, ok := numericPrefix(b, "\t\n\r ", 6)
	if !ok {
		return zero
	}
	d, ok := parseDecimal(string(b[start:i]))
	if !ok {
		return zero
	}
	if d.scale > maxDecimalScale {
		d = d.rescale(maxDecimalScale)
	}
	if limit := pow10(65); new(big.Int).Abs(d.v).Cmp(limit) >= 0 {
		m := new(big.Int).Sub(limit, big.NewInt(1))
		if d.v.Sign() < 0 {
			m.Neg(m)
		}
		d = decimal{v: m, scale: d.scale}
	}
	return d
}

// numType is the type an operand takes in numeric context: strings become
// DOUBLE, temporals their numeric form (DATE 20200102 as BIGINT, DATETIME(6)
// 20200102030405.123456 as DECIMAL(.,6), TIME -8385959 ...), NULL a DOUBLE.
func numType(t stype) stype {
	switch t.cls {
	case tInt, tDec, tDouble:
		return stype{cls: t.cls, unsigned: t.unsigned, scale: t.scale}
	case tStr:
		return stype{cls: tDouble, scale: notFixedDec}
	case tTemporal:
		if t.mtype == mysql.MYSQL_TYPE_DATE || t.scale == 0 {
			return stype{cls: tInt}
		}
		return stype{cls: tDec, scale: t.scale}
	}
	return stype{cls: tDouble, scale: 0}
}

// toNumeric converts v (of static type t) to a value of class numType(t).
func toNumeric(v value, t stype) value {
	if v.k != vBytes {
		return v
	}
	switch t.cls {
	case tTemporal:
		d := temporalNumber(v.b, t.mtype)
		nt := numType(t)
		if nt.cls == tInt {
			d = d.truncate(0)
			if d.v.IsInt64() {
				return intValue(d.v.Int64())
			}
			return intValue(0)
		}
		// MariaDB's temporal-to-decimal conversion carries 6 fraction
		// digits (microseconds) whatever the column's precision; only
		// printing uses the declared scale.
		return decValue(d.rescale(6))
	default:
		return doubleValue(strToDouble(v.b))
	}
}

// temporalNumber is the numeric form of a temporal text: its digits, with the
// fraction kept (and the sign for TIME).
func temporalNumber(b []byte, mtype byte) decimal {
	out := make([]byte, 0, len(b))
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '.':
			out = append(out, c)
		case c == '-' && i == 0 && mtype == mysql.MYSQL_TYPE_TIME:
			out = append(out, c)
		}
	}
	d, ok := parseDecimal(string(out))
	if !ok {
		return decimal{v: new(big.Int)}
	}
	return d
}

func toDouble(v value) float64 {
	switch v.k {
	case vInt:
		return float64(v.i)
	case vUint:
		return float64(v.u)
	case vDec:
		if v.real {
			return v.f
		}
		return v.d.float64()
	case vDouble:
		return v.f
	case vBytes:
		return strToDouble(v.b)
	}
	return 0
}

func toDec(v value) decimal {
	switch v.k {
	case vInt:
		return decFromInt64(v.i)
	case vUint:
		return decFromUint64(v.u)
	case vDec:
		return v.d
	case vDouble:
		return decFromFloat(v.f)
	case vBytes:
		return decFromFloat(strToDouble(v.b))
	}
	return decimal{v: new(big.Int)}
}

func toBig(v value) *big.Int {
	switch v.k {
	case vUint:
		return new(big.Int).SetUint64(v.u)
	case vDec, vDouble, vBytes:
		return toDec(v).truncate(0).v
	}
	return big.NewInt(v.i)
}

// truth is MySQL's boolean value of v: NULL, or non-zero.
func truth(v value, t stype) (val bool, null bool) {
	switch v.k {
	case vNull:
		return false, true
	case vInt:
		return v.i != 0, false
	case vUint:
		return v.u != 0, false
	case vDec:
		return v.d.sign() != 0, false
	case vDouble:
		return v.f != 0, false
	}
	n := toNumeric(v, t)
	if n.k == vBytes {
		return strToDouble(n.b) != 0, false
	}
	return truth(n, numType(t))
}

// formatValue renders a computed value as text-protocol bytes.
func formatValue(v value, t stype) []byte {
	switch v.k {
	case vNull:
		return nil
	case vInt:
		return strconv.AppendInt(nil, v.i, 10)
	case vUint:
		return strconv.AppendUint(nil, v.u, 10)
	case vDec:
		if t.cls == tDec {
			return []byte(v.d.format(t.scale))
		}
		return []byte(v.d.String())
	case vDouble:
		if t.mtype == mysql.MYSQL_TYPE_FLOAT {
			return []byte(formatFloat32(float32(v.f), t.scale))
		}
		return []byte(formatDouble(v.f, t.scale))
	}
	return v.b
}

// errOutOfRange is MariaDB's error 1690 (ER_DATA_OUT_OF_RANGE).
func errOutOfRange(typ, expr string) error {
	return &mysql.MyError{
		Code:    mysql.ER_DATA_OUT_OF_RANGE,
		State:   "22003",
		Message: fmt.Sprintf("%s value is out of range in '%s'", typ, expr),
	}
}

// ---------------------------------------------------------------- temporal comparison

// canonDatetime returns "YYYY-MM-DD hh:mm:ss.ffffff" for a DATE/DATETIME text,
// leniently parsed like MySQL parses a string compared with a temporal column
// ('2020-1-2', '20200102', '2020-01-02 3:04:05.5', '99-01-02').
func canonDatetime(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	var groups [][]byte
	var sepBefore []byte // the last separator byte before each group
	var sep byte
	i := 0
	for i < len(b) {
		if b[i] >= '0' && b[i] <= '9' {
			st := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				i++
			}
			groups = append(groups, b[st:i])
			sepBefore = append(sepBefore, sep)
			continue
		}
		if len(groups) == 0 {
			return nil, false
		}
		sep = b[i]
		i++
	}
	var parts [6]int64
	var fracDigits []byte
	atoi := func(g []byte) int64 {
		var v int64
		for _, c := range g {
			v = v*10 + int64(c-'0')
		}
		return v
	}
	year2 := false
	switch len(groups) {
	case 1:
		g := groups[0]
		switch len(g) {
		case 8, 14:
			parts[0] = atoi(g[0:4])
			g = g[4:]
		case 6, 12:
			parts[0] = atoi(g[0:2])
			year2 = true
			g = g[2:]
		default:
			return nil, false
		}
		for k := 1; len(g) >= 2; k++ {
			parts[k] = atoi(g[:2])
			g = g[2:]
		}
	case 3, 5, 6, 7:
		for k, g := range groups {
			if len(g) > 9 {
				return nil, false
			}
			if k == 6 {
				if sepBefore[6] != '.' {
					return nil, false
				}
				fracDigits = g
				break
			}
			parts[k] = atoi(g)
		}
		year2 = len(groups[0]) <= 2
	default:
		return nil, false
	}
	if year2 {
		if parts[0] < 70 {
			parts[0] += 2000
		} else {
			parts[0] += 1900
		}
	}
	if parts[1] > 12 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 59 {
		return nil, false
	}
	var micro int64
	for k := 0; k < 6; k++ {
		micro *= 10
		if k < len(fracDigits) {
			micro += int64(fracDigits[k] - '0')
		}
	}
	return fmt.Appendf(nil, "%04d-%02d-%02d %02d:%02d:%02d.%06d", parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], micro), true
}

// timeMicrosLenient parses a TIME text, also accepting [-]HHMMSS digits and h:mm.
func timeMicrosLenient(b []byte) (int64, bool) {
	b = bytes.TrimSpace(b)
	if t, ok := parseTimeMicros(b); ok {
		return t, true
	}
	neg := false
	s := b
	if len(s) > 0 && s[0] == '-' {
		neg = true
		s = s[1:]
	}
	if i := bytes.IndexByte(s, ':'); i > 0 && bytes.Count(s, []byte(":")) == 1 {
		h, err1 := strconv.ParseInt(string(s[:i]), 10, 64)
		m, err2 := strconv.ParseInt(string(s[i+1:]), 10, 64)
		if err1 != nil || err2 != nil || m > 59 {
			return 0, false
		}
		t := (h*3600 + m*60) * 1000000
		if neg {
			t = -t
		}
		return t, true
	}
	// A leading number is read as [H]HMMSS[.frac] ('2020-01-02' -> 00:20:20).
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	d, ok := parseDecimal(string(s[:end]))
	if !ok {
		return 0, false
	}
	if neg {
		d = decNeg(d)
	}
	return numToTime(d), true
}

// zeroDatetimeText is the canonical zero datetime, what MariaDB compares a
// value that does not convert to a datetime as.
const zeroDatetimeText = "0000-00-00 00:00:00.000000"

// numToDatetime converts a number to a canonical datetime like MySQL's
// number_to_datetime: YYMMDD, YYYYMMDD, YYMMDDhhmmss, YYYYMMDDhhmmss (with the
// fraction as microseconds, except for the date-only forms). A number that is
// not a valid datetime gives the zero datetime.
func numToDatetime(d decimal) []byte {
	zero := []byte(zeroDatetimeText)
	if d.sign() < 0 {
		return zero
	}
	ip := d.truncate(0).v
	if !ip.IsInt64() {
		return zero
	}
	nr := ip.Int64()
	dateOnly := false
	switch {
	case nr == 0:
		// 0.001 is the zero date with 1 ms.
		return fmt.Appendf(nil, "0000-00-00 00:00:00.%06d", fracMicros(d))
	case nr < 101:
		return zero
	case nr <= 691231:
		nr, dateOnly = (nr+20000000)*1000000, true
	case nr < 700101:
		return zero
	case nr <= 991231:
		nr, dateOnly = (nr+19000000)*1000000, true
	case nr < 10000101:
		return zero
	case nr <= 99991231:
		nr, dateOnly = nr*1000000, true
	case nr < 101000000:
		return zero
	case nr <= 691231235959:
		nr += 20000000000000
	case nr < 700101000000:
		return zero
	case nr <= 991231235959:
		nr += 19000000000000
	case nr < 10000101000000:
		return zero
	case nr <= 99991231235959:
	default:
		return zero
	}
	datePart, timePart := nr/1000000, nr%1000000
	y, mo, dd := datePart/10000, datePart/100%100, datePart%100
	h, mi, s := timePart/10000, timePart/100%100, timePart%100
	if mo > 12 || dd > 31 || h > 23 || mi > 59 || s > 59 {
		return zero
	}
	var micro int64
	if !dateOnly {
		micro = fracMicros(d)
	}
	return fmt.Appendf(nil, "%04d-%02d-%02d %02d:%02d:%02d.%06d", y, mo, dd, h, mi, s, micro)
}

// fracMicros is the first 6 fraction digits of |d| as microseconds.
func fracMicros(d decimal) int64 {
	a := decimal{v: new(big.Int).Abs(d.v), scale: d.scale}
	whole := a.truncate(0).v
	f := a.truncate(6).rescale(6).v
	return new(big.Int).Sub(f, new(big.Int).Mul(whole, big.NewInt(1000000))).Int64()
}

// numToTime converts a number to TIME microseconds like MariaDB does for
// comparisons: up to 7 integer digits are [-]HHMMSS[.frac] (hours not
// clipped; minutes or seconds above 59 give 0), 8 to 14 digits a datetime whose
// time part is used (0 if invalid), and larger numbers compare beyond any
// TIME (MariaDB clips them; for some huge integers, around 2^62, its
// conversion overflows and the result differs).
func numToTime(d decimal) int64 {
	neg := d.sign() < 0
	a := decimal{v: new(big.Int).Abs(d.v), scale: d.scale}
	ip := a.truncate(0).v
	var t int64
	switch {
	case !ip.IsInt64() || ip.Int64() > 99999999999999:
		// Out of range: beyond 838:59:59 (MariaDB clips with a warning;
		// the clipped value compares beyond any stored TIME).
		t = 3020399*1000000 + 999999
	case ip.Int64() > 9999999:
		if neg {
			return 0
		}
		t, _ = parseTimeMicros(numToDatetime(a)[11:])
	default:
		n := ip.Int64()
		h, m, s := n/10000, n/100%100, n%100
		if m > 59 || s > 59 {
			return 0
		}
		t = (h*3600+m*60+s)*1000000 + fracMicros(a)
	}
	if neg {
		t = -t
	}
	return t
}
