package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/wire"
)

var errMalformedRow = errors.New("engine: malformed row packet")

// readLenEncString reads a length-encoded string (not NULL) at the start of b.
func readLenEncString(b []byte) ([]byte, int, error) {
	v, rest, _, ok := wire.LenEncString(b)
	if !ok {
		return nil, 0, errMalformedRow
	}
	if v == nil {
		v = []byte{}
	}
	return v, len(b) - len(rest), nil
}

// DecodeTextRow decodes a text-protocol row packet payload holding n values
// (0xfb = NULL). The payload is copied once; the returned values share that
// copy, so the caller may reuse payload.
func DecodeTextRow(payload []byte, n int) (Row, error) {
	buf := append([]byte(nil), payload...)
	row := make(Row, n)
	pos := 0
	for i := 0; i < n; i++ {
		if pos >= len(buf) {
			return nil, fmt.Errorf("%w: %d of %d values", errMalformedRow, i, n)
		}
		if buf[pos] == 0xfb {
			pos++
			continue
		}
		v, m, err := readLenEncString(buf[pos:])
		if err != nil {
			return nil, fmt.Errorf("%w: value %d", errMalformedRow, i)
		}
		row[i] = v
		pos += m
	}
	if pos != len(buf) {
		return nil, fmt.Errorf("%w: %d trailing bytes", errMalformedRow, len(buf)-pos)
	}
	return row, nil
}

// TextRow is r as the text protocol prints it: an infinite DOUBLE or
// FLOAT (a merged SUM that overflowed, kept so for expressions over it
// and for the binary protocol) as MariaDB's my_gcvt prints one, "0".
// r itself when nothing changes.
func TextRow(cols []*mysql.Field, r Row) Row {
	var out Row
	for i, v := range r {
		if i >= len(cols) || cols[i] == nil || len(v) == 0 || v[len(v)-1] != 'f' {
			continue
		}
		if t := cols[i].Type; t != mysql.MYSQL_TYPE_DOUBLE && t != mysql.MYSQL_TYPE_FLOAT {
			continue
		}
		if f, err := strconv.ParseFloat(string(v), 64); err != nil || !math.IsInf(f, 0) {
			continue
		}
		if out == nil {
			out = append(Row(nil), r...)
		}
		out[i] = []byte("0")
	}
	if out == nil {
		return r
	}
	return out
}

// EncodeTextRow appends the text-protocol payload of r to dst.
func EncodeTextRow(dst []byte, r Row) []byte {
	for _, v := range r {
		if v == nil {
			dst = append(dst, 0xfb)
			continue
		}
		dst = mysql.AppendLengthEncodedInteger(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// EncodeBinaryRow appends the binary-protocol (prepared statement) payload of
// r to dst: 0x00, the NULL bitmap (offset 2), then each non-NULL value in the
// binary form of its column type. Values are given in text form.
func EncodeBinaryRow(dst []byte, cols []*mysql.Field, r Row) ([]byte, error) {
	if len(r) != len(cols) {
		return dst, fmt.Errorf("engine: row has %d values for %d columns", len(r), len(cols))
	}
	dst = append(dst, 0x00)
	bm := len(dst)
	for i := 0; i < (len(cols)+7+2)/8; i++ {
		dst = append(dst, 0)
	}
	for i, c := range cols {
		v := r[i]
		if v == nil {
			dst[bm+(i+2)/8] |= 1 << ((i + 2) % 8)
			continue
		}
		var err error
		if dst, err = appendBinaryValue(dst, c, v); err != nil {
			return dst, fmt.Errorf("engine: column %d (%s): %w", i, c.Name, err)
		}
	}
	return dst, nil
}

func parseIntText(s string, unsigned bool, bits int) (uint64, error) {
	if unsigned {
		return strconv.ParseUint(s, 10, bits)
	}
	i, err := strconv.ParseInt(s, 10, bits)
	return uint64(i), err
}

func appendBinaryValue(dst []byte, c *mysql.Field, v []byte) ([]byte, error) {
	s := string(v)
	unsigned := c.Flag&mysql.UNSIGNED_FLAG != 0
	switch c.Type {
	case mysql.MYSQL_TYPE_TINY:
		u, err := parseIntText(s, unsigned, 8)
		return append(dst, byte(u)), err
	case mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_YEAR:
		u, err := parseIntText(s, unsigned || c.Type == mysql.MYSQL_TYPE_YEAR, 16)
		return binary.LittleEndian.AppendUint16(dst, uint16(u)), err
	case mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG:
		u, err := parseIntText(s, unsigned, 32)
		return binary.LittleEndian.AppendUint32(dst, uint32(u)), err
	case mysql.MYSQL_TYPE_LONGLONG:
		u, err := parseIntText(s, unsigned, 64)
		return binary.LittleEndian.AppendUint64(dst, u), err
	case mysql.MYSQL_TYPE_FLOAT:
		f, err := strconv.ParseFloat(s, 32)
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f))), err
	case mysql.MYSQL_TYPE_DOUBLE:
		f, err := strconv.ParseFloat(s, 64)
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f)), err
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_DATETIME,
		mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_DATETIME2, mysql.MYSQL_TYPE_TIMESTAMP2:
		return appendBinaryDatetime(dst, s)
	case mysql.MYSQL_TYPE_TIME, mysql.MYSQL_TYPE_TIME2:
		return appendBinaryTime(dst, v)
	}
	dst = mysql.AppendLengthEncodedInteger(dst, uint64(len(v)))
	return append(dst, v...), nil
}

// parseDatetimeText parses "YYYY-MM-DD[ hh:mm:ss[.ffffff]]".
func parseDatetimeText(s string) (p [6]int, micro int, err error) {
	bad := fmt.Errorf("bad date/time value %q", s)
	date, clock, hasClock := strings.Cut(s, " ")
	ds := strings.Split(date, "-")
	if len(ds) != 3 {
		return p, 0, bad
	}
	for i, x := range ds {
		if p[i], err = strconv.Atoi(x); err != nil || p[i] < 0 {
			return p, 0, bad
		}
	}
	if hasClock {
		clock, frac, hasFrac := strings.Cut(clock, ".")
		ts := strings.Split(clock, ":")
		if len(ts) != 3 {
			return p, 0, bad
		}
		for i, x := range ts {
			if p[3+i], err = strconv.Atoi(x); err != nil || p[3+i] < 0 {
				return p, 0, bad
			}
		}
		if hasFrac {
			if micro, err = parseMicros(frac); err != nil {
				return p, 0, bad
			}
		}
	}
	return p, micro, nil
}

func parseMicros(frac string) (int, error) {
	if len(frac) == 0 || len(frac) > 6 {
		return 0, errMalformedRow
	}
	m, err := strconv.Atoi(frac)
	if err != nil || m < 0 {
		return 0, errMalformedRow
	}
	for i := len(frac); i < 6; i++ {
		m *= 10
	}
	return m, nil
}

func appendBinaryDatetime(dst []byte, s string) ([]byte, error) {
	p, micro, err := parseDatetimeText(s)
	if err != nil {
		return dst, err
	}
	switch {
	case micro != 0:
		dst = append(dst, 11)
	case p[3] != 0 || p[4] != 0 || p[5] != 0:
		dst = append(dst, 7)
	case p[0] != 0 || p[1] != 0 || p[2] != 0:
		dst = append(dst, 4)
	default:
		return append(dst, 0), nil
	}
	n := dst[len(dst)-1]
	dst = binary.LittleEndian.AppendUint16(dst, uint16(p[0]))
	dst = append(dst, byte(p[1]), byte(p[2]))
	if n >= 7 {
		dst = append(dst, byte(p[3]), byte(p[4]), byte(p[5]))
	}
	if n == 11 {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(micro))
	}
	return dst, nil
}

func appendBinaryTime(dst []byte, v []byte) ([]byte, error) {
	neg, h, m, sec, micro, ok := parseTimeParts(v)
	if !ok || m > 59 || sec > 59 {
		return dst, fmt.Errorf("bad time value %q", v)
	}
	switch {
	case micro != 0:
		dst = append(dst, 12)
	case h != 0 || m != 0 || sec != 0:
		dst = append(dst, 8)
	default:
		return append(dst, 0), nil
	}
	n := dst[len(dst)-1]
	sign := byte(0)
	if neg {
		sign = 1
	}
	dst = append(dst, sign)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h/24))
	dst = append(dst, byte(h%24), byte(m), byte(sec))
	if n == 12 {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(micro))
	}
	return dst, nil
}

// DecodeBinaryRow decodes a binary-protocol row payload into the text form
// MariaDB would send for the same row in the text protocol (ZEROFILL padding,
// FLOAT/DOUBLE digits, fractional seconds per the column's decimals).
func DecodeBinaryRow(payload []byte, cols []*mysql.Field) (Row, error) {
	nb := (len(cols) + 7 + 2) / 8
	if len(payload) < 1+nb || payload[0] != 0x00 {
		return nil, errMalformedRow
	}
	bitmap := payload[1 : 1+nb]
	pos := 1 + nb
	row := make(Row, len(cols))
	for i, c := range cols {
		if bitmap[(i+2)/8]&(1<<((i+2)%8)) != 0 {
			continue
		}
		v, n, err := decodeBinaryValue(payload[pos:], c)
		if err != nil {
			return nil, fmt.Errorf("engine: column %d (%s): %w", i, c.Name, err)
		}
		row[i] = v
		pos += n
	}
	if pos != len(payload) {
		return nil, fmt.Errorf("%w: %d trailing bytes", errMalformedRow, len(payload)-pos)
	}
	return row, nil
}

func need(b []byte, n int) error {
	if len(b) < n {
		return errMalformedRow
	}
	return nil
}

// intText prints an integer column value, zero-padded for ZEROFILL and YEAR.
func intText(c *mysql.Field, u uint64, signedVal int64, unsigned bool) []byte {
	var b []byte
	if unsigned {
		b = strconv.AppendUint(nil, u, 10)
	} else {
		b = strconv.AppendInt(nil, signedVal, 10)
	}
	width := 0
	if c.Flag&mysql.ZEROFILL_FLAG != 0 {
		width = int(c.ColumnLength)
	}
	if c.Type == mysql.MYSQL_TYPE_YEAR {
		width = int(c.ColumnLength)
		if width == 0 {
			width = 4
		}
	}
	if width > len(b) && width <= 255 && (unsigned || signedVal >= 0) {
		b = append([]byte(strings.Repeat("0", width-len(b))), b...)
	}
	return b
}

func fspOf(c *mysql.Field, micro int) int {
	fsp := int(c.Decimal)
	if fsp > 6 {
		if micro != 0 {
			return 6
		}
		return 0
	}
	return fsp
}

func appendFrac(b []byte, micro, fsp int) []byte {
	if fsp == 0 {
		return b
	}
	s := fmt.Sprintf("%06d", micro)
	return append(append(b, '.'), s[:fsp]...)
}

func decodeBinaryValue(b []byte, c *mysql.Field) ([]byte, int, error) {
	unsigned := c.Flag&mysql.UNSIGNED_FLAG != 0
	switch c.Type {
	case mysql.MYSQL_TYPE_TINY:
		if err := need(b, 1); err != nil {
			return nil, 0, err
		}
		return intText(c, uint64(b[0]), int64(int8(b[0])), unsigned), 1, nil
	case mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_YEAR:
		if err := need(b, 2); err != nil {
			return nil, 0, err
		}
		u := binary.LittleEndian.Uint16(b)
		return intText(c, uint64(u), int64(int16(u)), unsigned || c.Type == mysql.MYSQL_TYPE_YEAR), 2, nil
	case mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG:
		if err := need(b, 4); err != nil {
			return nil, 0, err
		}
		u := binary.LittleEndian.Uint32(b)
		return intText(c, uint64(u), int64(int32(u)), unsigned), 4, nil
	case mysql.MYSQL_TYPE_LONGLONG:
		if err := need(b, 8); err != nil {
			return nil, 0, err
		}
		u := binary.LittleEndian.Uint64(b)
		return intText(c, u, int64(u), unsigned), 8, nil
	case mysql.MYSQL_TYPE_FLOAT:
		if err := need(b, 4); err != nil {
			return nil, 0, err
		}
		f := math.Float32frombits(binary.LittleEndian.Uint32(b))
		return []byte(formatFloat32(f, min(int(c.Decimal), notFixedDec))), 4, nil
	case mysql.MYSQL_TYPE_DOUBLE:
		if err := need(b, 8); err != nil {
			return nil, 0, err
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		return []byte(formatDouble(f, min(int(c.Decimal), notFixedDec))), 8, nil
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_DATETIME,
		mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_DATETIME2, mysql.MYSQL_TYPE_TIMESTAMP2:
		return decodeBinaryDatetime(b, c)
	case mysql.MYSQL_TYPE_TIME, mysql.MYSQL_TYPE_TIME2:
		return decodeBinaryTime(b, c)
	}
	v, n, err := readLenEncString(b)
	if err != nil {
		return nil, 0, err
	}
	return append([]byte{}, v...), n, nil
}

func decodeBinaryDatetime(b []byte, c *mysql.Field) ([]byte, int, error) {
	if err := need(b, 1); err != nil {
		return nil, 0, err
	}
	n := int(b[0])
	if n != 0 && n != 4 && n != 7 && n != 11 {
		return nil, 0, fmt.Errorf("%w: date/time length %d", errMalformedRow, n)
	}
	if err := need(b, 1+n); err != nil {
		return nil, 0, err
	}
	var y, mo, d, h, mi, s, micro int
	if n >= 4 {
		y, mo, d = int(binary.LittleEndian.Uint16(b[1:])), int(b[3]), int(b[4])
	}
	if n >= 7 {
		h, mi, s = int(b[5]), int(b[6]), int(b[7])
	}
	if n == 11 {
		micro = int(binary.LittleEndian.Uint32(b[8:]))
	}
	out := fmt.Appendf(nil, "%04d-%02d-%02d", y, mo, d)
	if c.Type != mysql.MYSQL_TYPE_DATE && c.Type != mysql.MYSQL_TYPE_NEWDATE {
		out = fmt.Appendf(out, " %02d:%02d:%02d", h, mi, s)
		out = appendFrac(out, micro, fspOf(c, micro))
	}
	return out, 1 + n, nil
}

func decodeBinaryTime(b []byte, c *mysql.Field) ([]byte, int, error) {
	if err := need(b, 1); err != nil {
		return nil, 0, err
	}
	n := int(b[0])
	if n != 0 && n != 8 && n != 12 {
		return nil, 0, fmt.Errorf("%w: time length %d", errMalformedRow, n)
	}
	if err := need(b, 1+n); err != nil {
		return nil, 0, err
	}
	var neg bool
	var hours, mi, s, micro int
	if n >= 8 {
		neg = b[1] == 1
		hours = int(binary.LittleEndian.Uint32(b[2:]))*24 + int(b[6])
		mi, s = int(b[7]), int(b[8])
	}
	if n == 12 {
		micro = int(binary.LittleEndian.Uint32(b[9:]))
	}
	var out []byte
	if neg {
		out = append(out, '-')
	}
	out = fmt.Appendf(out, "%02d:%02d:%02d", hours, mi, s)
	out = appendFrac(out, micro, fspOf(c, micro))
	return out, 1 + n, nil
}
