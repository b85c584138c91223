package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// goldenFields/goldenRows: MariaDB 10.11.19, SELECT t1, t1u, ... FROM ty ORDER BY id over
// a table with every column type, fetched once with COM_QUERY (text rows) and
// once as a prepared statement (binary rows), raw payloads as received.
var goldenFields = []*mysql.Field{
	{Name: []byte("t1"), Type: 1, Flag: 0, Decimal: 0, Charset: 63, ColumnLength: 4},
	{Name: []byte("t1u"), Type: 1, Flag: 32, Decimal: 0, Charset: 63, ColumnLength: 3},
	{Name: []byte("s2"), Type: 2, Flag: 0, Decimal: 0, Charset: 63, ColumnLength: 6},
	{Name: []byte("s2u"), Type: 2, Flag: 32, Decimal: 0, Charset: 63, ColumnLength: 5},
	{Name: []byte("m3"), Type: 9, Flag: 0, Decimal: 0, Charset: 63, ColumnLength: 9},
	{Name: []byte("m3u"), Type: 9, Flag: 32, Decimal: 0, Charset: 63, ColumnLength: 8},
	{Name: []byte("i4"), Type: 3, Flag: 0, Decimal: 0, Charset: 63, ColumnLength: 11},
	{Name: []byte("i4u"), Type: 3, Flag: 32, Decimal: 0, Charset: 63, ColumnLength: 10},
	{Name: []byte("z5"), Type: 3, Flag: 96, Decimal: 0, Charset: 63, ColumnLength: 5},
	{Name: []byte("b8"), Type: 8, Flag: 0, Decimal: 0, Charset: 63, ColumnLength: 20},
	{Name: []byte("b8u"), Type: 8, Flag: 32, Decimal: 0, Charset: 63, ColumnLength: 20},
	{Name: []byte("f"), Type: 4, Flag: 0, Decimal: 31, Charset: 63, ColumnLength: 12},
	{Name: []byte("f2"), Type: 4, Flag: 0, Decimal: 3, Charset: 63, ColumnLength: 7},
	{Name: []byte("d"), Type: 5, Flag: 0, Decimal: 31, Charset: 63, ColumnLength: 22},
	{Name: []byte("dec1"), Type: 246, Flag: 0, Decimal: 6, Charset: 63, ColumnLength: 22},
	{Name: []byte("dec0"), Type: 246, Flag: 0, Decimal: 0, Charset: 63, ColumnLength: 6},
	{Name: []byte("y"), Type: 13, Flag: 96, Decimal: 0, Charset: 63, ColumnLength: 4},
	{Name: []byte("dt"), Type: 10, Flag: 128, Decimal: 0, Charset: 63, ColumnLength: 10},
	{Name: []byte("dtm"), Type: 12, Flag: 128, Decimal: 0, Charset: 63, ColumnLength: 19},
	{Name: []byte("dtm3"), Type: 12, Flag: 128, Decimal: 3, Charset: 63, ColumnLength: 23},
	{Name: []byte("dtm6"), Type: 12, Flag: 128, Decimal: 6, Charset: 63, ColumnLength: 26},
	{Name: []byte("ts"), Type: 7, Flag: 160, Decimal: 2, Charset: 63, ColumnLength: 22},
	{Name: []byte("tm"), Type: 11, Flag: 128, Decimal: 0, Charset: 63, ColumnLength: 10},
	{Name: []byte("tm1"), Type: 11, Flag: 128, Decimal: 1, Charset: 63, ColumnLength: 12},
	{Name: []byte("tm6"), Type: 11, Flag: 128, Decimal: 6, Charset: 63, ColumnLength: 17},
	{Name: []byte("c"), Type: 254, Flag: 0, Decimal: 0, Charset: 45, ColumnLength: 20},
	{Name: []byte("vc"), Type: 253, Flag: 0, Decimal: 0, Charset: 45, ColumnLength: 80},
	{Name: []byte("vb"), Type: 253, Flag: 128, Decimal: 0, Charset: 63, ColumnLength: 10},
	{Name: []byte("bt"), Type: 16, Flag: 32, Decimal: 0, Charset: 63, ColumnLength: 12},
	{Name: []byte("e"), Type: 254, Flag: 256, Decimal: 0, Charset: 45, ColumnLength: 4},
	{Name: []byte("st"), Type: 254, Flag: 2048, Decimal: 0, Charset: 45, ColumnLength: 12},
	{Name: []byte("js"), Type: 252, Flag: 144, Decimal: 0, Charset: 45, ColumnLength: 4294967295},
}

var goldenRows = []struct{ text, binary string }{
	{"\x04-128\x03255\x06-32768\x0565535\b-8388608\b16777215\v-2147483648\n4294967295\x0500042\x14-9223372036854775808\x1418446744073709551615\a3.14159\x052.500\x030.1\n123.456789\x02-5\x040000\n0000-00-00\x130000-00-00 00:00:00\x172020-01-02 03:04:05.123\x1a2020-01-02 03:04:05.123456\x162020-01-01 00:00:00.50\n-838:59:59\v-00:00:00.5\x0f12:34:56.000001\x02ab\x05hello\x02\x00\xff\x02\x00\x05\x01y\x03a,b\b{\"a\": 1}",
		"\x00\x00\x00\x00\x00\x00\x80\xff\x00\x80\xff\xff\x00\x00\x80\xff\xff\xff\xff\x00\x00\x00\x00\x80\xff\xff\xff\xff*\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\xff\xff\xff\xff\xff\xff\xff\xff\xd0\x0fI@\x00\x00 @\x9a\x99\x99\x99\x99\x99\xb9?\n123.456789\x02-5\x00\x00\x00\x00\v\xe4\a\x01\x02\x03\x04\x05x\xe0\x01\x00\v\xe4\a\x01\x02\x03\x04\x05@\xe2\x01\x00\v\xe4\a\x01\x01\x00\x00\x00 \xa1\a\x00\b\x01\"\x00\x00\x00\x16;;\f\x01\x00\x00\x00\x00\x00\x00\x00 \xa1\a\x00\f\x00\x00\x00\x00\x00\f\"8\x01\x00\x00\x00\x02ab\x05hello\x02\x00\xff\x02\x00\x05\x01y\x03a,b\b{\"a\": 1}"},
	{"\x03127\x010\x0532767\x010\a8388607\x010\n2147483647\x010\x0500000\x139223372036854775807\x010\r-0.0000000001\x06-1.125\x041e21\t-0.000001\x0599999\x042155\n9999-12-31\x139999-12-31 23:59:59\x171000-01-01 00:00:00.000\x1a1970-01-01 00:00:00.000000\xfb\t838:59:59\v100:00:00.9\x10-00:00:01.000000\x00\x00\x00\x02\x00\x00\x01x\x00\x04null",
		"\x00\x00\x00\x80\x00\x00\x7f\x00\xff\x7f\x00\x00\xff\xff\x7f\x00\x00\x00\x00\x00\xff\xff\xff\x7f\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f\x00\x00\x00\x00\x00\x00\x00\x00\xff\xe6ۮ\x00\x00\x90\xbfP\xef\xe2\xd6\xe4\x1aKD\t-0.000001\x0599999k\b\x04\x0f'\f\x1f\a\x0f'\f\x1f\x17;;\x04\xe8\x03\x01\x01\x04\xb2\a\x01\x01\b\x00\"\x00\x00\x00\x16;;\f\x00\x04\x00\x00\x00\x04\x00\x00\xa0\xbb\r\x00\b\x01\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x01x\x00\x04null"},
	{"\x010\x011\x010\x011\x010\x011\x010\x011\x0500001\x010\x011\x063.4e38\x050.000\x161.7976931348623157e308\b0.000000\x010\x041901\n2020-02-29\x132020-02-29 12:00:00\x172020-02-29 00:00:00.001\x1a2020-02-29 00:00:00.000001\x162038-01-19 03:14:07.99\b00:00:00\n00:00:00.0\x0f00:00:00.000000\x01a\x03a  \x03a  \x02\x0f\xff\xfb\xfb\xfb",
		"\x00\x00\x00\x00\x80\x03\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x9e\xc9\x7f\x7f\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xef\x7f\b0.000000\x010m\a\x04\xe4\a\x02\x1d\a\xe4\a\x02\x1d\f\x00\x00\v\xe4\a\x02\x1d\x00\x00\x00\xe8\x03\x00\x00\v\xe4\a\x02\x1d\x00\x00\x00\x01\x00\x00\x00\v\xf6\a\x01\x13\x03\x0e\a0\x1b\x0f\x00\x00\x00\x00\x01a\x03a  \x03a  \x02\x0f\xff"},
	{"\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb\xfb",
		"\x00\xfc\xff\xff\xff\x03"},
	{"\x011\x012\x013\x014\x015\x016\x017\x018\x0500009\x0210\x0211\n0.00000015\x051.000\x065e-324\b1.000000\x011\x041999\n2000-01-01\x132000-01-01 00:00:01\x172000-01-01 00:00:00.100\x1a2000-01-01 00:00:00.000100\x162000-01-01 00:00:00.01\t-12:00:00\v-12:00:00.1\x10-12:00:00.000001\x01x\x02é\x01x\x02\x00\x01\x01y\x01b\x02[]",
		"\x00\x00\x00\x00\x00\x00\x01\x02\x03\x00\x04\x00\x05\x00\x00\x00\x06\x00\x00\x00\a\x00\x00\x00\b\x00\x00\x00\t\x00\x00\x00\n\x00\x00\x00\x00\x00\x00\x00\v\x00\x00\x00\x00\x00\x00\x00\xb0\x0f!4\x00\x00\x80?\x01\x00\x00\x00\x00\x00\x00\x00\b1.000000\x011\xcf\a\x04\xd0\a\x01\x01\a\xd0\a\x01\x01\x00\x00\x01\v\xd0\a\x01\x01\x00\x00\x00\xa0\x86\x01\x00\v\xd0\a\x01\x01\x00\x00\x00d\x00\x00\x00\v\xd0\a\x01\x01\x00\x00\x00\x10'\x00\x00\b\x01\x00\x00\x00\x00\f\x00\x00\f\x01\x00\x00\x00\x00\f\x00\x00\xa0\x86\x01\x00\f\x01\x00\x00\x00\x00\f\x00\x00\x01\x00\x00\x00\x01x\x02é\x01x\x02\x00\x01\x01y\x01b\x02[]"},
}

func TestGoldenRowsFromMariaDB(t *testing.T) {
	for i, g := range goldenRows {
		textRow, err := DecodeTextRow([]byte(g.text), len(goldenFields))
		if err != nil {
			t.Fatalf("row %d: DecodeTextRow: %v", i, err)
		}
		if enc := EncodeTextRow(nil, textRow); string(enc) != g.text {
			t.Errorf("row %d: EncodeTextRow differs", i)
		}
		binRow, err := DecodeBinaryRow([]byte(g.binary), goldenFields)
		if err != nil {
			t.Fatalf("row %d: DecodeBinaryRow: %v", i, err)
		}
		for j := range goldenFields {
			if (textRow[j] == nil) != (binRow[j] == nil) || !bytes.Equal(textRow[j], binRow[j]) {
				t.Errorf("row %d col %s: binary decodes to %q, text protocol has %q", i, goldenFields[j].Name, binRow[j], textRow[j])
			}
		}
		enc, err := EncodeBinaryRow(nil, goldenFields, textRow)
		if err != nil {
			t.Fatalf("row %d: EncodeBinaryRow: %v", i, err)
		}
		if string(enc) != g.binary {
			t.Errorf("row %d: EncodeBinaryRow\n got  %x\n want %x", i, enc, g.binary)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	f := func(typ byte, flag uint16, dec uint8, length uint32) *mysql.Field {
		return &mysql.Field{Name: []byte("c"), Type: typ, Flag: flag, Decimal: dec, ColumnLength: length, Charset: binaryCharset}
	}
	u := uint16(mysql.UNSIGNED_FLAG)
	cases := []struct {
		f    *mysql.Field
		vals []string
		size []int // encoded value sizes (without NULL bitmap), when checked
	}{
		{f(mysql.MYSQL_TYPE_TINY, 0, 0, 4), []string{"-128", "127", "0"}, []int{1, 1, 1}},
		{f(mysql.MYSQL_TYPE_TINY, u, 0, 3), []string{"255", "0"}, nil},
		{f(mysql.MYSQL_TYPE_SHORT, 0, 0, 6), []string{"-32768", "32767"}, []int{2, 2}},
		{f(mysql.MYSQL_TYPE_SHORT, u, 0, 5), []string{"65535"}, nil},
		{f(mysql.MYSQL_TYPE_INT24, 0, 0, 9), []string{"-8388608", "8388607"}, []int{4, 4}},
		{f(mysql.MYSQL_TYPE_LONG, 0, 0, 11), []string{"-2147483648", "2147483647"}, []int{4, 4}},
		{f(mysql.MYSQL_TYPE_LONG, u|mysql.ZEROFILL_FLAG, 0, 5), []string{"00042", "00000", "4294967295"}, nil},
		{f(mysql.MYSQL_TYPE_LONGLONG, 0, 0, 20), []string{"-9223372036854775808", "9223372036854775807"}, []int{8, 8}},
		{f(mysql.MYSQL_TYPE_LONGLONG, u, 0, 20), []string{"18446744073709551615", "0"}, nil},
		{f(mysql.MYSQL_TYPE_YEAR, u|mysql.ZEROFILL_FLAG, 0, 4), []string{"0000", "1901", "2155"}, []int{2, 2, 2}},
		{f(mysql.MYSQL_TYPE_FLOAT, 0, 31, 12), []string{"3.14159", "-0.0000000001", "3.4e38", "1.17549e-38", "0", "123457000"}, []int{4, 4, 4, 4, 4, 4}},
		{f(mysql.MYSQL_TYPE_FLOAT, 0, 3, 7), []string{"2.500", "-1.125"}, nil},
		{f(mysql.MYSQL_TYPE_DOUBLE, 0, 31, 22), []string{"0.1", "1e21", "1.7976931348623157e308", "5e-324", "0.30000000000000004", "-0.00000015"}, []int{8, 8, 8, 8, 8, 8}},
		{f(mysql.MYSQL_TYPE_DOUBLE, 0, 4, 12), []string{"1.5000", "10000000.0000"}, nil},
		{f(mysql.MYSQL_TYPE_NEWDECIMAL, 0, 6, 22), []string{"-0.000001", "123.456789"}, []int{10, 11}},
		{f(mysql.MYSQL_TYPE_DATE, 0, 0, 10), []string{"0000-00-00", "9999-12-31", "2020-02-29"}, []int{1, 5, 5}},
		{f(mysql.MYSQL_TYPE_DATETIME, 0, 0, 19), []string{"0000-00-00 00:00:00", "2020-01-02 00:00:00", "2020-01-02 03:04:05"}, []int{1, 5, 8}},
		{f(mysql.MYSQL_TYPE_DATETIME, 0, 6, 26), []string{"0000-00-00 00:00:00.000000", "1970-01-01 00:00:00.000001", "2020-01-02 03:04:05.123456"}, []int{1, 12, 12}},
		{f(mysql.MYSQL_TYPE_DATETIME, 0, 3, 23), []string{"1000-01-01 00:00:00.000", "2000-01-01 00:00:01.000", "2000-01-01 00:00:00.100"}, []int{5, 8, 12}},
		{f(mysql.MYSQL_TYPE_TIMESTAMP, u, 2, 22), []string{"2038-01-19 03:14:07.99", "2020-01-01 00:00:00.50"}, nil},
		{f(mysql.MYSQL_TYPE_TIME, 0, 0, 10), []string{"-838:59:59", "838:59:59", "00:00:00", "-00:00:01", "100:00:00", "23:59:59"}, []int{9, 9, 1, 9, 9, 9}},
		{f(mysql.MYSQL_TYPE_TIME, 0, 6, 17), []string{"-12:00:00.000001", "00:00:00.000000", "12:34:56.000001"}, []int{13, 1, 13}},
		{f(mysql.MYSQL_TYPE_TIME, 0, 1, 12), []string{"-00:00:00.5", "100:00:00.9"}, nil},
		{f(mysql.MYSQL_TYPE_BIT, u, 0, 12), []string{"\x00\x05", "\x0f\xff"}, []int{3, 3}},
		{&mysql.Field{Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: 45}, []string{"", "héllo", string(bytes.Repeat([]byte("x"), 300))}, []int{1, 7, 303}},
		{&mysql.Field{Type: mysql.MYSQL_TYPE_BLOB, Charset: 63, Flag: mysql.BINARY_FLAG | mysql.BLOB_FLAG}, []string{"\x00\xff"}, nil},
		{&mysql.Field{Type: mysql.MYSQL_TYPE_STRING, Charset: 45, Flag: mysql.ENUM_FLAG}, []string{"y"}, nil},
		{&mysql.Field{Type: mysql.MYSQL_TYPE_JSON, Charset: 63}, []string{`{"a": 1}`}, nil},
	}
	for _, c := range cases {
		for k, v := range c.vals {
			cols := []*mysql.Field{c.f, c.f}
			r := Row{[]byte(v), nil}
			enc, err := EncodeBinaryRow(nil, cols, r)
			if err != nil {
				t.Fatalf("type %d %q: %v", c.f.Type, v, err)
			}
			if c.size != nil {
				if got := len(enc) - 2; got != c.size[k] {
					t.Errorf("type %d %q: encoded size %d, want %d", c.f.Type, v, got, c.size[k])
				}
			}
			if enc[1] != 1<<3 { // column 1 NULL: bit 1+2
				t.Errorf("type %d %q: NULL bitmap %08b", c.f.Type, v, enc[1])
			}
			dec, err := DecodeBinaryRow(enc, cols)
			if err != nil {
				t.Fatalf("type %d %q: decode: %v", c.f.Type, v, err)
			}
			if string(dec[0]) != v || dec[1] != nil {
				t.Errorf("type %d: %q round-trips to %q, %v", c.f.Type, v, dec[0], dec[1])
			}
		}
	}
}

func TestBinaryRowLayout(t *testing.T) {
	// 0x00, NULL bitmap of (n+7+2)/8 bytes with offset 2, then the values.
	cols := []*mysql.Field{
		{Type: mysql.MYSQL_TYPE_LONGLONG, Flag: mysql.UNSIGNED_FLAG},
		{Type: mysql.MYSQL_TYPE_TIME, Decimal: 6},
		{Type: mysql.MYSQL_TYPE_DATETIME, Decimal: 6},
		{Type: mysql.MYSQL_TYPE_DOUBLE, Decimal: 31},
		{Type: mysql.MYSQL_TYPE_VAR_STRING},
		{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Decimal: 2},
		{Type: mysql.MYSQL_TYPE_FLOAT, Decimal: 31},
	}
	enc, err := EncodeBinaryRow(nil, cols, row("18446744073709551615", "-838:59:59.500000", "2020-01-02 03:04:05.000006", "NULL", "ab", "-1.50", "NULL"))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x00, 0x20, 0x01, // 7 columns: 2 bitmap bytes, col 3 -> bit 5, col 6 -> bit 8
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // BIGINT UNSIGNED max
		12, 1, 34, 0, 0, 0, 22, 59, 59, 0x20, 0xa1, 0x07, 0x00, // TIME: neg, 34 days, 22:59:59, 500000 us
		11, 0xe4, 0x07, 1, 2, 3, 4, 5, 6, 0, 0, 0, // DATETIME with microseconds
		2, 'a', 'b',
		5, '-', '1', '.', '5', '0'}
	if !bytes.Equal(enc, want) {
		t.Fatalf("got  %v\nwant %v", enc, want)
	}
	back, err := DecodeBinaryRow(enc, cols)
	if err != nil {
		t.Fatal(err)
	}
	if got := texts([]Row{back})[0]; got != "18446744073709551615|-838:59:59.500000|2020-01-02 03:04:05.000006|NULL|ab|-1.50|NULL" {
		t.Fatalf("decoded %q", got)
	}
	// Errors: wrong width, bad values, truncated or trailing payloads.
	if _, err := EncodeBinaryRow(nil, cols, row("1")); err == nil {
		t.Error("short row accepted")
	}
	if _, err := EncodeBinaryRow(nil, cols[:1], row("-1")); err == nil {
		t.Error("negative BIGINT UNSIGNED accepted")
	}
	if _, err := EncodeBinaryRow(nil, cols[1:2], row("12:60")); err == nil {
		t.Error("bad TIME accepted")
	}
	for _, bad := range [][]byte{nil, {0x01, 0, 0}, want[:len(want)-1], append(append([]byte{}, want...), 0)} {
		if _, err := DecodeBinaryRow(bad, cols); err == nil {
			t.Errorf("malformed payload %v accepted", bad)
		}
	}
}

func TestTextRowCodec(t *testing.T) {
	long := bytes.Repeat([]byte("y"), 70000)
	r := Row{[]byte("1"), nil, []byte{}, long, []byte("\xfb")}
	enc := EncodeTextRow(nil, r)
	if enc[2] != 0xfb || enc[3] != 0x00 || enc[4] != 0xfd {
		t.Fatalf("encoding %x", enc[:8])
	}
	back, err := DecodeTextRow(enc, len(r))
	if err != nil {
		t.Fatal(err)
	}
	if back[1] != nil || back[2] == nil || len(back[2]) != 0 || !bytes.Equal(back[3], long) || string(back[4]) != "\xfb" || string(back[0]) != "1" {
		t.Fatalf("round trip %q", texts([]Row{back[:3]}))
	}
	// The decoded row does not alias the payload.
	enc[8] = 'z'
	if back[3][0] != 'y' {
		t.Fatal("decoded row aliases the payload")
	}
	for _, c := range []struct {
		payload []byte
		n       int
	}{{[]byte{0x01}, 1}, {[]byte{0xfc, 0x01}, 1}, {[]byte{0x01, 'a', 'b'}, 1}, {[]byte{0x01, 'a'}, 2}, {[]byte{0xff}, 1}} {
		if _, err := DecodeTextRow(c.payload, c.n); err == nil {
			t.Errorf("malformed %x accepted", c.payload)
		}
	}
}

func TestDecodeBinaryDoubles(t *testing.T) {
	// DOUBLE values travel as IEEE bits and are printed like MariaDB prints them.
	cols := []*mysql.Field{{Type: mysql.MYSQL_TYPE_DOUBLE, Decimal: 31}}
	for _, c := range []struct {
		f    float64
		want string
	}{{1e15, "1e15"}, {1e14, "100000000000000"}, {1.5e-7, "0.00000015"}, {-1e-16, "-1e-16"}, {math.MaxFloat64, "1.7976931348623157e308"}} {
		payload := make([]byte, 10) // header, 1-byte NULL bitmap, 8 bytes
		bits := math.Float64bits(c.f)
		for i := 0; i < 8; i++ {
			payload[2+i] = byte(bits >> (8 * i))
		}
		r, err := DecodeBinaryRow(payload, cols)
		if err != nil || string(r[0]) != c.want {
			t.Errorf("%v: got %q %v, want %q", c.f, r[0], err, c.want)
		}
	}
}

// TestTextRowInfinity: an infinite DOUBLE or FLOAT cell prints as
// MariaDB's my_gcvt prints one, "0", in the text protocol; other cells,
// and text that reads "+Inf", as they are.
func TestTextRowInfinity(t *testing.T) {
	cols := []*mysql.Field{doubleField("d", 31), floatField("f"), strField("s"), doubleField("x", 2)}
	got := texts([]Row{TextRow(cols, row("+Inf", "-Inf", "+Inf", "1.50"))})
	if want := []string{"0|0|+Inf|1.50"}; !equalStrings(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	r := row("1", "2", "x", "NULL")
	if out := TextRow(cols, r); &out[0] != &r[0] {
		t.Errorf("a row without infinities is copied")
	}
	var buf []byte
	buf, err := EncodeBinaryRow(buf, cols[:1], row("+Inf"))
	if err != nil || len(buf) != 10 || math.Float64frombits(binary.LittleEndian.Uint64(buf[2:])) != math.Inf(1) {
		t.Errorf("binary: % x, %v; want +Inf", buf, err)
	}
}
