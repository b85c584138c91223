package engine

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestCompareValues(t *testing.T) {
	ci, bin, binary := strField("s"), binStrField("sb"), varbinaryField("vb")
	cases := []struct {
		name string
		f    *mysql.Field
		a, b string
		want int
	}{
		// utf8mb4_general_ci, MariaDB 10.11 (GROUP BY / ORDER BY / '=' results).
		{"ci case", ci, "abc", "ABC", 0},
		{"ci accents", ci, "é", "E", 0},            // é grouped with E
		{"ci e-acute upper", ci, "É", "e", 0},      //
		{"ci sharp s = s", ci, "ß", "s", 0},        // WEIGHT_STRING('ß') = 0x0053
		{"ci sharp s != ss", ci, "ß", "ss", -1},    // distinct groups
		{"ci pad space", ci, "a", "a   ", 0},       // 'abc' = 'ABC ' is 1
		{"ci tab below space", ci, "a\t", "a", -1}, // 'a' < 'a\t' is 0
		{"ci emoji", ci, "😀", "😁", 0},              // supplementary characters all weigh U+FFFD
		{"ci order", ci, "abc", "abd", -1},
		{"ci y-diaeresis", ci, "ÿ", "Y", 0},
		{"ci greek sigma", ci, "ς", "Σ", 0},
		{"ci digits are text", ci, "10", "9", -1},
		{"ci empty", ci, "", "  ", 0},
		{"bin case", bin, "abc", "ABC", 1},
		{"bin pad space", bin, "a", "a ", 0},
		{"bin tab", bin, "a\t", "a", -1},
		{"binary no pad", binary, "a", "a ", -1},
		{"binary bytes", binary, "\x00\xff", "\x01", -1},
		// numbers
		{"int", intField("i"), "-7", "5", -1},
		{"int zerofill", intField("z"), "00042", "42", 0},
		{"bigint unsigned", bigintField("u", true), "18446744073709551615", "9223372036854775808", 1},
		{"decimal", decField("d", 2), "-0.50", "-0.5", 0},
		{"decimal neg", decField("d", 2), "-10.00", "-9.99", -1},
		{"decimal long", decField("d", 0), "123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"double", doubleField("x", 31), "1e20", "99999999999999999999", 0},
		{"double exp", doubleField("x", 31), "1.5e-7", "0.00000015", 0},
		{"double neg", doubleField("x", 31), "-1e300", "-1e-300", -1},
		// temporal
		{"time hours", temporalField("t", mysql.MYSQL_TYPE_TIME, 0), "100:00:00", "99:59:59", 1},
		{"time negative", temporalField("t", mysql.MYSQL_TYPE_TIME, 0), "-838:59:59", "-00:00:01", -1},
		{"time frac", temporalField("t", mysql.MYSQL_TYPE_TIME, 2), "-00:00:00.50", "00:00:00.00", -1},
		{"date", temporalField("d", mysql.MYSQL_TYPE_DATE, 0), "0000-00-00", "1999-12-31", -1},
		{"datetime", temporalField("d", mysql.MYSQL_TYPE_DATETIME, 3), "2020-01-02 03:04:05.123", "2020-01-02 03:04:05.120", 1},
		{"year", yearField("y"), "0000", "1901", -1},
	}
	for _, c := range cases {
		if got := sign(compareValues(fieldKind(c.f), []byte(c.a), []byte(c.b))); got != c.want {
			t.Errorf("%s: compare(%q, %q) = %d, want %d", c.name, c.a, c.b, got, c.want)
		}
		if got := sign(compareValues(fieldKind(c.f), []byte(c.b), []byte(c.a))); got != -c.want {
			t.Errorf("%s: compare(%q, %q) = %d, want %d", c.name, c.b, c.a, got, -c.want)
		}
		ka := string(appendKey(nil, fieldKind(c.f), []byte(c.a)))
		kb := string(appendKey(nil, fieldKind(c.f), []byte(c.b)))
		if (ka == kb) != (c.want == 0) {
			t.Errorf("%s: grouping keys of %q and %q equal=%v, want %v", c.name, c.a, c.b, ka == kb, c.want == 0)
		}
	}
}

func TestCompareNullable(t *testing.T) {
	k := fieldKind(intField("i"))
	if compareNullable(k, nil, []byte("-1")) >= 0 || compareNullable(k, []byte("0"), nil) <= 0 || compareNullable(k, nil, nil) != 0 {
		t.Error("NULL must sort first")
	}
}

func TestGeneralCIWeights(t *testing.T) {
	// MariaDB 10.11: HEX(WEIGHT_STRING(CHAR(cp USING utf32) COLLATE utf8mb4_general_ci)).
	cases := map[rune]uint32{
		0x00: 0x0000, 0x09: 0x0009, 0x20: 0x0020, 'A': 0x41, 'a': 0x41,
		0xDF: 0x0053, 0xE9: 0x0045, 0x3C2: 0x03A3, 0x3C3: 0x03A3,
		0x1F600: 0xFFFD, 0x10400: 0xFFFD,
	}
	for r, want := range cases {
		if got := gciWeight(r); got != want {
			t.Errorf("weight(U+%04X) = %04X, want %04X", r, got, want)
		}
	}
	if len(gciTable) != 4*gciTableEntries {
		t.Fatalf("table size %d for %d entries", len(gciTable), gciTableEntries)
	}
	for i := 1; i < gciTableEntries; i++ {
		if gciTable[i*4:i*4+2] <= gciTable[(i-1)*4:(i-1)*4+2] {
			t.Fatalf("table not sorted at entry %d", i)
		}
	}
}

func TestFieldKind(t *testing.T) {
	json := &mysql.Field{Type: mysql.MYSQL_TYPE_BLOB, Charset: 45, Flag: mysql.BLOB_FLAG | mysql.BINARY_FLAG} // MariaDB JSON
	enum := &mysql.Field{Type: mysql.MYSQL_TYPE_STRING, Charset: 45, Flag: mysql.ENUM_FLAG}
	cases := []struct {
		f    *mysql.Field
		want cmpKind
	}{
		{intField("i"), kindNumber}, {yearField("y"), kindNumber}, {decField("d", 2), kindNumber},
		{floatField("f"), kindFloat}, {doubleField("d", 31), kindFloat},
		{temporalField("t", mysql.MYSQL_TYPE_TIME, 0), kindTime},
		{temporalField("d", mysql.MYSQL_TYPE_DATETIME, 0), kindBinary},
		{strField("s"), kindCI}, {binStrField("s"), kindBinPad}, {varbinaryField("v"), kindBinary},
		{json, kindBinPad}, {enum, kindCI}, {nil, kindBinary},
		{&mysql.Field{Type: mysql.MYSQL_TYPE_BIT, Charset: 63, Flag: mysql.UNSIGNED_FLAG}, kindBit},
	}
	for i, c := range cases {
		if got := fieldKind(c.f); got != c.want {
			t.Errorf("case %d: kind %d, want %d", i, got, c.want)
		}
	}
}

// TestCompareBit: a BIT column's bytes compare bytewise, a BIT
// expression's decimal digits (MIN(b) on a shard) as numbers.
func TestCompareBit(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"64", "255", -1}, {"255", "64", 1}, {"0", "0", 0}, {"9", "10", -1},
		{"\xff", "@", 1}, {"\x00", "\x05", -1}, {"@", "\xff", -1},
		{"12", "21", -1}, {"+9", "-1", -1}, // bytes of a BIT(16)
		{"18446744073709551615", "18446744073709551614", 1},
	}
	for _, c := range cases {
		if got := compareValues(kindBit, []byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		eq := string(appendKey(nil, kindBit, []byte(c.a))) == string(appendKey(nil, kindBit, []byte(c.b)))
		if eq != (c.want == 0) {
			t.Errorf("keys of %q and %q equal %v, want %v", c.a, c.b, eq, c.want == 0)
		}
	}
}
