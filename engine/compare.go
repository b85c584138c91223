package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// cmpKind is how the values of one column compare.
type cmpKind uint8

const (
	kindBinary cmpKind = iota // bytewise, no padding (binary strings, DATE/DATETIME/TIMESTAMP text, BIT)
	kindBinPad                // bytewise with PAD SPACE (*_bin collations)
	kindCI                    // utf8mb4_general_ci weights with PAD SPACE
	kindNumber                // integer or exact decimal text
	kindFloat                 // float64
	kindTime                  // TIME: signed [-]h:mm:ss[.frac]
	kindBit                   // BIT: a column's bytes, or an expression's decimal digits (bitText)
)

const binaryCharset = 63

func isIntType(t byte) bool {
	switch t {
	case mysql.MYSQL_TYPE_TINY, mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_INT24,
		mysql.MYSQL_TYPE_LONG, mysql.MYSQL_TYPE_LONGLONG, mysql.MYSQL_TYPE_YEAR:
		return true
	}
	return false
}

func isDecimalType(t byte) bool {
	return t == mysql.MYSQL_TYPE_DECIMAL || t == mysql.MYSQL_TYPE_NEWDECIMAL
}

func isFloatType(t byte) bool {
	return t == mysql.MYSQL_TYPE_FLOAT || t == mysql.MYSQL_TYPE_DOUBLE
}

func isDateTimeType(t byte) bool {
	switch t {
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_DATETIME,
		mysql.MYSQL_TYPE_DATETIME2, mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_TIMESTAMP2:
		return true
	}
	return false
}

func isTimeType(t byte) bool {
	return t == mysql.MYSQL_TYPE_TIME || t == mysql.MYSQL_TYPE_TIME2
}

// fieldKind derives the comparison kind from column metadata.
func fieldKind(f *mysql.Field) cmpKind {
	if f == nil {
		return kindBinary
	}
	switch {
	case isIntType(f.Type) || isDecimalType(f.Type):
		return kindNumber
	case isFloatType(f.Type):
		return kindFloat
	case isTimeType(f.Type):
		return kindTime
	case isDateTimeType(f.Type):
		return kindBinary
	}
	switch f.Type {
	case mysql.MYSQL_TYPE_BIT:
		return kindBit
	case mysql.MYSQL_TYPE_NULL, mysql.MYSQL_TYPE_GEOMETRY:
		return kindBinary
	}
	if f.Charset == binaryCharset {
		return kindBinary
	}
	if f.Flag&mysql.BINARY_FLAG != 0 {
		return kindBinPad
	}
	return kindCI
}

// compareNullable compares two cells; NULL (nil) is smallest.
func compareNullable(k cmpKind, a, b []byte) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return compareValues(k, a, b)
}

// compareValues compares two non-NULL values of the same kind.
func compareValues(k cmpKind, a, b []byte) int {
	switch k {
	case kindCI:
		return compareCI(a, b)
	case kindBinPad:
		return compareBinPad(a, b)
	case kindNumber:
		if c, ok := compareNumText(a, b); ok {
			return c
		}
	case kindFloat:
		fa, ea := strconv.ParseFloat(string(a), 64)
		fb, eb := strconv.ParseFloat(string(b), 64)
		if ea == nil && eb == nil {
			return cmpFloat(fa, fb)
		}
	case kindBit:
		if da, db := bitDigits(a), bitDigits(b); da != nil && db != nil {
			if len(da) != len(db) {
				return cmpInt64(int64(len(da)), int64(len(db)))
			}
			return bytes.Compare(da, db)
		}
	case kindTime:
		ta, oka := parseTimeMicros(a)
		tb, okb := parseTimeMicros(b)
		if oka && okb {
			return cmpInt64(ta, tb)
		}
	}
	return bytes.Compare(a, b)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendKey appends a canonical encoding of v such that two values of kind k
// are equal under compareValues iff their encodings are equal.
func appendKey(dst []byte, k cmpKind, v []byte) []byte {
	switch k {
	case kindCI:
		return appendCIKey(dst, v)
	case kindBinPad:
		return append(dst, bytes.TrimRight(v, " ")...)
	case kindNumber:
		if neg, ip, fp, ok := splitNumText(v); ok {
			if len(ip) == 0 && len(fp) == 0 {
				return append(dst, 'n', '0')
			}
			dst = append(dst, 'n')
			if neg {
				dst = append(dst, '-')
			}
			dst = append(dst, ip...)
			if len(fp) > 0 {
				dst = append(dst, '.')
				dst = append(dst, fp...)
			}
			return dst
		}
	case kindFloat:
		if f, err := strconv.ParseFloat(string(v), 64); err == nil {
			if f == 0 {
				f = 0 // -0 == 0
			}
			return binary.BigEndian.AppendUint64(append(dst, 'f'), math.Float64bits(f))
		}
	case kindBit:
		if d := bitDigits(v); d != nil {
			return append(append(dst, 'n'), d...)
		}
	case kindTime:
		if t, ok := parseTimeMicros(v); ok {
			return binary.BigEndian.AppendUint64(append(dst, 't'), uint64(t))
		}
	}
	return append(append(dst, 'b'), v...)
}

// bitDigits is a BIT cell's digits without leading zeros when it is all
// digits, else nil. MariaDB sends a BIT column's value as its bytes, but
// a BIT expression's (MIN(b), IFNULL(b, b)) as decimal digits; within one
// column the bytes all have the same length, so that comparing them as
// numbers when they are digits orders them as their bytes do.
func bitDigits(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return nil
		}
	}
	if d := bytes.TrimLeft(v, "0"); len(d) > 0 {
		return d
	}
	return v[:1]
}

// splitNumText splits an integer or decimal text into sign, integer digits
// without leading zeros and fraction digits without trailing zeros. Zero is
// reported as not negative with both parts empty.
func splitNumText(s []byte) (neg bool, ip, fp []byte, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	ip = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fp = s[fs:i]
	}
	if i != len(s) || (len(ip) == 0 && len(fp) == 0) {
		return false, nil, nil, false
	}
	for len(ip) > 0 && ip[0] == '0' {
		ip = ip[1:]
	}
	for len(fp) > 0 && fp[len(fp)-1] == '0' {
		fp = fp[:len(fp)-1]
	}
	if len(ip) == 0 && len(fp) == 0 {
		neg = false
	}
	return neg, ip, fp, true
}

// compareNumText compares integer/decimal texts exactly.
func compareNumText(a, b []byte) (int, bool) {
	na, ia, fa, oka := splitNumText(a)
	nb, ib, fb, okb := splitNumText(b)
	if !oka || !okb {
		return 0, false
	}
	if na != nb {
		if na {
			return -1, true
		}
		return 1, true
	}
	c := 0
	switch {
	case len(ia) != len(ib):
		if len(ia) < len(ib) {
			c = -1
		} else {
			c = 1
		}
	default:
		c = bytes.Compare(ia, ib)
		if c == 0 {
			c = bytes.Compare(fa, fb)
		}
	}
	if na {
		c = -c
	}
	return c, true
}

// parseTimeMicros parses a TIME text [-]h+:mm:ss[.frac] into microseconds.
func parseTimeMicros(s []byte) (int64, bool) {
	neg, h, m, sec, micro, ok := parseTimeParts(s)
	if !ok {
		return 0, false
	}
	t := ((h*60+m)*60+sec)*1000000 + micro
	if neg {
		t = -t
	}
	return t, true
}

// parseTimeParts parses [-]h+:mm:ss[.frac] (also h:mm or plain seconds forms are
// rejected; MariaDB always sends the full form).
func parseTimeParts(s []byte) (neg bool, h, m, sec, micro int64, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	num := func() (int64, int, bool) {
		st := i
		var v int64
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-st > 12 {
				return 0, 0, false
			}
			v = v*10 + int64(s[i]-'0')
			i++
		}
		return v, i - st, i > st
	}
	var good bool
	if h, _, good = num(); !good || i >= len(s) || s[i] != ':' {
		return
	}
	i++
	if m, _, good = num(); !good || i >= len(s) || s[i] != ':' {
		return
	}
	i++
	if sec, _, good = num(); !good {
		return
	}
	if i < len(s) && s[i] == '.' {
		i++
		st := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-st < 6 {
				micro = micro*10 + int64(s[i]-'0')
			}
			i++
		}
		for n := i - st; n < 6; n++ {
			micro *= 10
		}
	}
	if i != len(s) {
		return
	}
	ok = true
	return
}

// ---------------------------------------------------------------- collations

// gciWeight is the utf8mb4_general_ci weight of a code point.
func gciWeight(r rune) uint32 {
	if r < 0x80 {
		if r >= 'a' && r <= 'z' {
			return uint32(r - 32)
		}
		return uint32(r)
	}
	if r > 0xFFFF {
		return 0xFFFD
	}
	lo, hi := 0, gciTableEntries
	for lo < hi {
		mid := (lo + hi) / 2
		cp := rune(gciTable[mid*4])<<8 | rune(gciTable[mid*4+1])
		switch {
		case cp == r:
			return uint32(gciTable[mid*4+2])<<8 | uint32(gciTable[mid*4+3])
		case cp < r:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return uint32(r)
}

// nextWeight returns the weight of the first character of s and its length.
// An invalid UTF-8 byte weighs more than any character.
func nextWeight(s []byte) (uint32, int) {
	if c := s[0]; c < 0x80 {
		if c >= 'a' && c <= 'z' {
			return uint32(c - 32), 1
		}
		return uint32(c), 1
	}
	r, n := utf8.DecodeRune(s)
	if r == utf8.RuneError && n <= 1 {
		return 0xFF0000 + uint32(s[0]), 1
	}
	return gciWeight(r), n
}

func compareCI(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		wa, na := nextWeight(a)
		wb, nb := nextWeight(b)
		if wa != wb {
			if wa < wb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	if len(a) > 0 {
		return padCompareCI(a)
	}
	if len(b) > 0 {
		return -padCompareCI(b)
	}
	return 0
}

// padCompareCI compares the tail s of the longer string with spaces.
func padCompareCI(s []byte) int {
	for len(s) > 0 {
		w, n := nextWeight(s)
		if w != ' ' {
			if w < ' ' {
				return -1
			}
			return 1
		}
		s = s[n:]
	}
	return 0
}

func appendCIKey(dst []byte, s []byte) []byte {
	start := len(dst)
	last := start // end of the key without trailing spaces
	for len(s) > 0 {
		w, n := nextWeight(s)
		dst = append(dst, byte(w>>16), byte(w>>8), byte(w))
		if w != ' ' {
			last = len(dst)
		}
		s = s[n:]
	}
	return dst[:last]
}

func compareBinPad(a, b []byte) int {
	n := min(len(a), len(b))
	if c := bytes.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	for _, c := range a[n:] {
		if c != ' ' {
			if c < ' ' {
				return -1
			}
			return 1
		}
	}
	for _, c := range b[n:] {
		if c != ' ' {
			if c < ' ' {
				return 1
			}
			return -1
		}
	}
	return 0
}
