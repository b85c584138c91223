package router

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/wire"
	"github.com/xaproxy/xaproxy/sharding"
)

// Param is one bound prepared-statement parameter, decoded from the binary
// protocol so that it can route (as a shard key) and be written back into
// SQL text when a statement is rewritten for several shards.
type Param struct {
	Null bool
	Type byte // MYSQL_TYPE_* as sent by the client
	// Literal is the value as SQL text ('it''s', 42, _binary'..', DATE'2024-01-02').
	Literal string
	// noLiteral says why no literal is the value MariaDB binds (a date
	// it binds unchecked, an infinite DOUBLE, DECIMAL text it reads its
	// own way, a YEAR): writing it into a statement is refused.
	noLiteral string
	// Key is the value for shard routing.
	Key sharding.Value
	// Using: bound by EXECUTE ... USING, where MariaDB refuses a
	// negative LIMIT value (1210) that the binary protocol wraps around.
	Using bool
}

// DecodeParams decodes COM_STMT_EXECUTE parameter values. types holds two
// bytes per parameter (type, flags); longData holds what
// COM_STMT_SEND_LONG_DATA sent, which is absent from values; dates, how
// the session's sql_mode reads date literals. The values
// come from the client unchecked: a bitmap, type list or value shorter
// than announced is an error, never a read past the end.
func DecodeParams(n int, nullBitmap, types, values []byte, longData map[uint16][]byte, dates DateModes) ([]Param, error) {
	if n < 0 || len(nullBitmap) < (n+7)/8 {
		return nil, fmt.Errorf("NULL bitmap of %d bytes for %d parameters", len(nullBitmap), n)
	}
	if len(types) < 2*n {
		return nil, fmt.Errorf("%d bytes of parameter types for %d parameters", len(types), n)
	}
	out := make([]Param, n)
	pos := 0
	for i := 0; i < n; i++ {
		tp, unsigned := types[2*i], types[2*i+1]&0x80 != 0
		if !paramType(tp) {
			return nil, fmt.Errorf("parameter %d: type %d is not a parameter type", i+1, tp)
		}
		if data, ok := longData[uint16(i)]; ok {
			// Long data is the value whatever the NULL bitmap says
			// (MariaDB's insert_params skips the bitmap for it).
			if !longDataType(tp) {
				return nil, fmt.Errorf("parameter %d: long data for type %d", i+1, tp)
			}
			out[i] = bytesParam(tp, data)
			continue
		}
		if nullBitmap[i/8]&(1<<(uint(i)%8)) != 0 {
			out[i] = Param{Null: true, Literal: "NULL", Key: sharding.NullValue()}
			continue
		}
		need := func(k int) error {
			if len(values) < pos+k {
				return fmt.Errorf("parameter %d: value truncated", i+1)
			}
			return nil
		}
		var p Param
		switch tp {
		case mysql.MYSQL_TYPE_NULL:
			p = Param{Null: true, Literal: "NULL", Key: sharding.NullValue()}
		case mysql.MYSQL_TYPE_YEAR, mysql.MYSQL_TYPE_BIT:
			// MariaDB 10.11 binds a YEAR or BIT parameter as a NULL of
			// that type and reads no bytes for it (SELECT ?, ? of YEAR and
			// 5 reads the 5 from the YEAR's bytes). Compared with a
			// string it converts the string (warning about '1e300'),
			// which a NULL literal does not.
			p = Param{Null: true, noLiteral: "is a YEAR or BIT, which MariaDB binds as a NULL of that type", Key: sharding.NullValue()}
		case mysql.MYSQL_TYPE_TINY:
			if err := need(1); err != nil {
				return nil, err
			}
			if unsigned {
				p = uintParam(uint64(values[pos]))
			} else {
				p = intParam(int64(int8(values[pos])))
			}
			pos++
		case mysql.MYSQL_TYPE_SHORT:
			if err := need(2); err != nil {
				return nil, err
			}
			v := binary.LittleEndian.Uint16(values[pos:])
			if unsigned {
				p = uintParam(uint64(v))
			} else {
				p = intParam(int64(int16(v)))
			}
			pos += 2
		case mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG:
			if err := need(4); err != nil {
				return nil, err
			}
			v := binary.LittleEndian.Uint32(values[pos:])
			if unsigned {
				p = uintParam(uint64(v))
			} else {
				p = intParam(int64(int32(v)))
			}
			pos += 4
		case mysql.MYSQL_TYPE_LONGLONG:
			if err := need(8); err != nil {
				return nil, err
			}
			v := binary.LittleEndian.Uint64(values[pos:])
			if unsigned {
				p = uintParam(v)
			} else {
				p = intParam(int64(v))
			}
			pos += 8
		case mysql.MYSQL_TYPE_FLOAT:
			if err := need(4); err != nil {
				return nil, err
			}
			p = floatParam(float64(math.Float32frombits(binary.LittleEndian.Uint32(values[pos:]))))
			pos += 4
		case mysql.MYSQL_TYPE_DOUBLE:
			if err := need(8); err != nil {
				return nil, err
			}
			p = floatParam(math.Float64frombits(binary.LittleEndian.Uint64(values[pos:])))
			pos += 8
		case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_TIME:
			if err := need(1); err != nil {
				return nil, err
			}
			l := int(values[pos])
			if err := need(1 + l); err != nil {
				return nil, err
			}
			var t temporal
			var err error
			if tp == mysql.MYSQL_TYPE_TIME {
				t, err = decodeTime(values[pos+1 : pos+1+l])
			} else {
				t, err = decodeDatetime(values[pos+1:pos+1+l], tp)
			}
			if err != nil {
				return nil, fmt.Errorf("parameter %d: %w", i+1, err)
			}
			p = temporalParam(t, dates)
			pos += 1 + l
		default:
			// Strings, blobs, DECIMAL, JSON, BIT...: length-encoded bytes.
			// A NULL is sent in the bitmap: 0xFB is no length here
			// (MariaDB would read it as an 8-byte one).
			v, rest, isNull, ok := wire.LenEncString(values[pos:])
			if !ok || isNull {
				return nil, fmt.Errorf("parameter %d: value truncated or its length malformed", i+1)
			}
			pos = len(values) - len(rest)
			p = bytesParam(tp, v)
		}
		p.Type = tp
		out[i] = p
	}
	return out, nil
}

func temporalParam(t temporal, dates DateModes) Param {
	lit, why := t.literal(dates)
	return Param{Literal: lit, noLiteral: why, Key: sharding.StringValue(t.text())}
}

func intParam(v int64) Param {
	return Param{Literal: strconv.FormatInt(v, 10), Key: sharding.IntValue(v)}
}

func uintParam(v uint64) Param {
	return Param{Literal: strconv.FormatUint(v, 10), Key: sharding.UintValue(v)}
}

func floatParam(f float64) Param {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// MariaDB binds them (an INSERT of one fails with 1264, i < ?
		// holds for every i); SQL has no literal for them.
		return Param{noLiteral: "is infinite or NaN, which SQL has no literal for", Key: sharding.FloatValue(f)}
	}
	// A double literal (with exponent) keeps the parameter's float type.
	// A FLOAT parameter is the double MariaDB widens it to (float32 0.1
	// is 0.10000000149011612, not 0.1): the digits of its float64.
	return Param{Literal: strconv.FormatFloat(f, 'e', -1, 64), Key: sharding.FloatValue(f)}
}

// paramType tells whether MariaDB 10.11 binds a parameter of type tp:
// others (JSON, TIMESTAMP2, a code of no type) fail COM_STMT_EXECUTE
// with 1210.
func paramType(tp byte) bool {
	return tp <= mysql.MYSQL_TYPE_BIT || tp >= mysql.MYSQL_TYPE_NEWDECIMAL
}

// longDataType tells whether MariaDB 10.11 takes COM_STMT_SEND_LONG_DATA
// for a parameter of type tp: strings, blobs and geometries (a DECIMAL,
// a DATETIME, an INT sent so fail COM_STMT_EXECUTE with 1210).
func longDataType(tp byte) bool {
	return tp == mysql.MYSQL_TYPE_VARCHAR || tp >= mysql.MYSQL_TYPE_ENUM
}

func bytesParam(tp byte, b []byte) Param {
	p := Param{Type: tp, Key: sharding.BytesValue(b)}
	switch tp {
	case mysql.MYSQL_TYPE_NEWDECIMAL, mysql.MYSQL_TYPE_DECIMAL:
		if isDecimalText(b) {
			p.Key = sharding.NumberValue(string(b))
		}
		p.Literal, p.noLiteral = decimalLiteral(b)
	case mysql.MYSQL_TYPE_GEOMETRY:
		// MariaDB binds a geometry, which a binary string is not.
		p.noLiteral = "is a GEOMETRY, which the proxy has no literal for"
	case mysql.MYSQL_TYPE_BLOB, mysql.MYSQL_TYPE_TINY_BLOB, mysql.MYSQL_TYPE_MEDIUM_BLOB, mysql.MYSQL_TYPE_LONG_BLOB:
		// Binary data must not be read in the connection character set.
		p.Literal = "_binary" + quoteString(string(b))
		p.Key = sharding.BinaryValue(b)
	default:
		p.Literal = quoteString(string(b))
	}
	return p
}

// decimalLiteral is the DECIMAL literal MariaDB reads as the DECIMAL
// parameter b binds, or why there is none. An integer gets a point (3.):
// 3 would be an INT, which compares with a string as an INT does
// ('3.0000000000000000001' = 3 is 0, = DECIMAL 3 is 1). A literal of more
// than 65 digits is a DOUBLE, where the parameter is cut to 65 nines with
// a warning; text MariaDB reads its own way (' 2.5', '1e1' is 10, '0x10'
// is 0) is not written.
func decimalLiteral(b []byte) (string, string) {
	if !isDecimalText(b) {
		return "", "is DECIMAL text other than digits with a sign and a point, which MariaDB reads its own way"
	}
	s := string(b)
	whole, frac, point := strings.Cut(strings.TrimLeft(s, "+-"), ".")
	if len(whole)+len(frac) > 65 || len(frac) > 38 {
		return "", "is a DECIMAL of more than 65 digits or 38 decimals, which MariaDB cuts"
	}
	if !point {
		s += "."
	}
	return s, ""
}

func isDecimalText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	digits, dot := 0, false
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == '-' || c == '+') && i == 0:
		default:
			return false
		}
	}
	return digits > 0
}

// quoteString writes s as a single-quoted SQL string literal with MySQL's
// backslash escapes (the default sql_mode; NO_BACKSLASH_ESCAPES is not
// supported for rewritten statements).
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString("\\\\")
		case 0:
			b.WriteString("\\0")
		case '\n':
			b.WriteString("\\n")
		case '\r':
			b.WriteString("\\r")
		case 0x1a:
			b.WriteString("\\Z")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// markerPieces splits SQL text at its ? markers: the text before each
// marker, then the text after the last.
func markerPieces(sql string) []string {
	var pieces []string
	start := 0
	for i := nextMarker(sql, 0); i >= 0; i = nextMarker(sql, i+1) {
		pieces = append(pieces, sql[start:i])
		start = i + 1
	}
	return append(pieces, sql[start:])
}

// nextMarker is the index of the first ? marker of sql at or after from;
// -1 if none. sql is text restored from the AST: strings are
// single-quoted and identifiers backquoted, so a ? outside those is a
// marker.
func nextMarker(sql string, from int) int {
	for i := from; i < len(sql); i++ {
		switch c := sql[i]; c {
		case '\'', '"', '`':
			j := i + 1
			for j < len(sql) {
				if sql[j] == '\\' && c != '`' {
					j += 2
					continue
				}
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j
		case '?':
			return i
		}
	}
	return -1
}

// markerCountError is the error for text with markers markers whose
// tree has params parameters.
func markerCountError(markers, params int) error {
	if markers > params {
		return fmt.Errorf("statement has more markers than the %d parameters bound", params)
	}
	return fmt.Errorf("statement has %d markers, %d parameters bound", markers, params)
}

// NoLiteral says why no SQL literal is the value MariaDB binds for p;
// "" when Literal is.
func (p Param) NoLiteral() string { return p.noLiteral }

// literalError refuses to write parameter i (0-based) into a statement's
// text where no literal is the value MariaDB binds.
func (p Param) literalError(i int) error {
	if p.noLiteral == "" {
		return nil
	}
	return errUnsupported("parameter %d %s: a statement over several shards writes it into the shards' statements; run it on one shard, or send the value as a string", i+1, p.noLiteral)
}

// BindText writes params' literals in place of the ? markers of sql, text
// restored from the AST (a prepared statement's filtered text); an error
// when the markers are not one per parameter, or a parameter has no
// literal (as a rendered template refuses it).
func BindText(sql string, params []Param) (string, error) {
	pieces := markerPieces(sql)
	if len(pieces)-1 != len(params) {
		return "", markerCountError(len(pieces)-1, len(params))
	}
	var b strings.Builder
	for i, p := range params {
		if err := p.literalError(i); err != nil {
			return "", err
		}
		b.WriteString(pieces[i])
		b.WriteString(p.Literal)
	}
	b.WriteString(pieces[len(params)])
	return b.String(), nil
}
