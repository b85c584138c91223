package engine

import (
	"math"
	"testing"
)

// Variables, so that the compiler does not fold 0.1+0.2 exactly.
var point1, point2 = 0.1, 0.2

func TestFormatDouble(t *testing.T) {
	// MariaDB 10.11: SELECT <expr> (DOUBLE, Decimals 31), verified on a scratch server.
	cases := []struct {
		in   float64
		want string
	}{
		{1e21, "1e21"},
		{1e20, "1e20"}, // SELECT 100000000000000000000e0 -> 1e20
		{1e15, "1e15"}, // decpt 16 > 15 with one digit: e format
		{1e14, "100000000000000"},
		{-1e15, "-1e15"},
		{-1e14, "-100000000000000"},
		{123456789012345, "123456789012345"},
		{1234567890123456, "1.234567890123456e15"},
		{1e15 + 0.5, "1000000000000000.5"},
		{1e14 + 0.5, "100000000000000.5"},
		{1e17 / 3, "3.3333333333333332e16"},
		{1e16 / 3, "3333333333333333.5"},
		{1234567890123456789, "1.2345678901234568e18"},
		{9007199254740993, "9.007199254740992e15"},
		{1.5e-7, "0.00000015"},
		{1e-5, "0.00001"},
		{0.0001, "0.0001"},
		{1.5e-15, "0.0000000000000015"},
		{1e-15, "0.000000000000001"},
		{1e-16, "1e-16"},
		{1.2345678901234567e-14, "0.000000000000012345678901234567"},
		{1.2345678901234567e-15, "0.0000000000000012345678901234568"},
		{1e-100, "1e-100"},
		{1.5e100, "1.5e100"},
		{-1.5e-100, "-1.5e-100"},
		{point1 + point2, "0.30000000000000004"}, // 0.1e0+0.2e0
		{2.0 / 3, "0.6666666666666666"},
		{10.0 / 3, "3.3333333333333335"},
		{0.0001 / 3, "0.000033333333333333335"},
		{math.MaxFloat64, "1.7976931348623157e308"},
		{5e-324, "5e-324"},
		{0, "0"},
		{math.Copysign(0, -1), "0"}, // -0e0 -> 0
		{10, "10"},
		{1.23456789e18, "1.23456789e18"},
	}
	for _, c := range cases {
		if got := formatDouble(c.in, notFixedDec); got != c.want {
			t.Errorf("formatDouble(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFormatDoubleFixed(t *testing.T) {
	// MariaDB 10.11, DOUBLE with fixed decimals (my_fcvt, dtoa mode 5).
	cases := []struct {
		in   float64
		dec  int
		want string
	}{
		{1.0 / 128, 6, "0.007812"},          // g/128 with g DOUBLE(10,2)=1: ties to even
		{3.0 / 128, 6, "0.023438"},          // 3/128
		{5.0 / 128, 6, "0.039062"},          // 5/128
		{0.1, 20, "0.10000000000000000000"}, // a/10, a DOUBLE(30,16)=1: shortest digits padded
		{1.0 / 3, 20, "0.33333333333333330000"},
		{123456789012345678, 2, "123456789012345680.00"},
		{-1e-7, 6, "-0.000000"}, // g/-10000000: nonzero keeps its sign
		{math.Copysign(0, -1), 2, "0.00"},
		{3.75, 2, "3.75"},
		{1.875, 6, "1.875000"},
		{9.223372036854768e20, 6, "922337203685476800000.000000"},
		{12345678.5, 2, "12345678.50"},
	}
	for _, c := range cases {
		if got := formatDouble(c.in, c.dec); got != c.want {
			t.Errorf("formatDouble(%v, %d) = %q, want %q", c.in, c.dec, got, c.want)
		}
	}
}

func TestFormatFloat32(t *testing.T) {
	// MariaDB 10.11: INSERT INTO t(f FLOAT) VALUES (...); SELECT f.
	cases := []struct {
		in   float32
		dec  int
		want string
	}{
		{0.1, 31, "0.1"},
		{3.14159265, 31, "3.14159"},
		{123456789, 31, "123457000"},
		{1e15, 31, "1e15"},
		{1e16, 31, "1e16"},
		{1.5e-7, 31, "0.00000015"},
		{16777217, 31, "16777200"},
		{1234567, 31, "1234570"},
		{0.000123456, 31, "0.000123456"},
		{-2.5, 31, "-2.5"},
		{3.4e38, 31, "3.4e38"},
		{1.17549435e-38, 31, "1.17549e-38"},
		{0.00001234567, 31, "0.0000123457"},
		{999999.5, 31, "1000000"},
		{1.0000005, 31, "1"},
		{1e14, 31, "100000000000000"},
		{1e-15, 31, "0.000000000000001"},
		{-1e-10, 31, "-0.0000000001"},
		{2.5, 3, "2.500"}, // FLOAT(7,3)
		{-1.125, 3, "-1.125"},
	}
	for _, c := range cases {
		if got := formatFloat32(c.in, c.dec); got != c.want {
			t.Errorf("formatFloat32(%v, %d) = %q, want %q", c.in, c.dec, got, c.want)
		}
	}
}

func dec(t *testing.T, s string) decimal {
	t.Helper()
	d, ok := parseDecimal(s)
	if !ok {
		t.Fatalf("parseDecimal(%q) failed", s)
	}
	return d
}

func TestDecimalDivision(t *testing.T) {
	// MariaDB 10.11: SELECT a/b, printed at scale(a)+4.
	cases := []struct{ a, b, want string }{
		{"10", "4", "2.5000"},
		{"1", "3", "0.3333"},
		{"2", "3", "0.6667"},
		{"-2", "3", "-0.6667"},
		{"1", "-3", "-0.3333"},
		{"-1", "30000", "0.0000"},         // rounds to a plain zero
		{"0.00002", "3", "0.000006666"},   // 5+4 = 9 digits: truncated
		{"0.00005", "3", "0.000016666"},   // idem
		{"-0.00002", "3", "-0.000006666"}, // idem
		{"0.000005", "3", "0.0000016667"}, // 10 digits: rounded
		{"0.000000002", "3", "0.0000000006667"},
		{"0.00000000000002", "3", "0.000000000000006666"}, // 14+4 = 18: truncated
		{"0.00002", "3.0", "0.000006667"},                 // divisor fraction: more digits, rounded
		{"-0.00001", "300000", "-0.000000000"},            // truncated to zero keeps the sign
		{"0.5", "3", "0.16667"},
		{"5", "0.3", "16.6667"},
		{"1.5", "0.5", "3.00000"},
		{"20000000000000000000000000000", "3", "6666666666666666666666666666.6667"},
		{"2", "3000000000000000000000000000000", "0.0000"},
		{"3.32", "2", "1.660000"},
		{"0", "7", "0.0000"},
	}
	for _, c := range cases {
		a, b := dec(t, c.a), dec(t, c.b)
		q, ok := decDiv(a, b)
		if !ok {
			t.Fatalf("%s/%s: division by zero", c.a, c.b)
		}
		if got := q.format(divScale(a.scale)); got != c.want {
			t.Errorf("%s/%s = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	if _, ok := decDiv(dec(t, "1"), dec(t, "0.00")); ok {
		t.Error("division by zero not reported")
	}
}

func TestDecimalMod(t *testing.T) {
	// MariaDB 10.11: SELECT a % b.
	cases := []struct{ a, b, want string }{
		{"7.5", "2", "1.5"},
		{"-7.5", "2", "-1.5"},
		{"-7", "2.5", "-2.0"},
		{"7", "-2.5", "2.0"},
		{"5.5", "-2", "1.5"},
		{"-5.5", "-2", "-1.5"},
		{"-2.0", "2", "-0.0"}, // negative zero is printed
		{"-4", "2.0", "-0.0"},
		{"-0.01", "-0.01", "-0.00"},
		{"1.0", "-1", "0.0"},
		{"-0.5", "1", "-0.5"},
		{"-6", "3", "0"}, // scale 0: plain zero
	}
	for _, c := range cases {
		a, b := dec(t, c.a), dec(t, c.b)
		r, ok := decMod(a, b)
		if !ok {
			t.Fatalf("%s %% %s: zero divisor", c.a, c.b)
		}
		if got := r.format(max(a.scale, b.scale)); got != c.want {
			t.Errorf("%s %% %s = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	if _, ok := decMod(dec(t, "5"), dec(t, "0.0")); ok {
		t.Error("MOD by zero not reported")
	}
}

func TestDecimalMulAddCompare(t *testing.T) {
	// MariaDB 10.11: products rounded half up to at most 38 digits.
	cases := []struct {
		a, b  string
		scale int
		want  string
	}{
		{"1.99999999999999999999", "1.000000000000000000005", 38, "2.00000000000000000000000000000000000000"},
		{"1.9999999999999999999", "1.000000000000000000005", 38, "1.99999999999999999991000000000000000000"},
		{"1.0000000001", "1.00000000005", 21, "1.000000000150000000005"},
		{"3.32", "3.32", 4, "11.0224"},
		{"-0.00001", "1", 5, "-0.00001"},
	}
	for _, c := range cases {
		if got := decMul(dec(t, c.a), dec(t, c.b)).format(c.scale); got != c.want {
			t.Errorf("%s*%s = %q, want %q", c.a, c.b, got, c.want)
		}
	}
	// -0.00 - 0 keeps the sign (MariaDB do_add), -0.00 + 0 does not.
	negZero, _ := decMod(dec(t, "-0.01"), dec(t, "0.01"))
	if got := decSub(negZero, dec(t, "0")).format(2); got != "-0.00" {
		t.Errorf("-0.00 - 0 = %q", got)
	}
	if got := decAdd(negZero, dec(t, "0")).format(2); got != "0.00" {
		t.Errorf("-0.00 + 0 = %q", got)
	}
	// decimal_cmp: -0.00 < 0 (MariaDB: (sum(d) % min(d5)) <> 0 is 1 for -0.00000).
	if decCmp(negZero, dec(t, "0")) >= 0 {
		t.Error("-0.00 should compare below 0")
	}
	if decCmp(dec(t, "1.50"), dec(t, "1.5")) != 0 || decCmp(dec(t, "-2"), dec(t, "1")) >= 0 {
		t.Error("decCmp")
	}
}

func TestParseDecimal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1.50", "1.50"}, {"-0.001", "-0.001"}, {".5", "0.5"}, {"5.", "5"}, {"+7", "7"},
		{"1.5e3", "1500"}, {"1.25e-2", "0.0125"}, {"00012", "12"},
	} {
		d, ok := parseDecimal(c.in)
		if !ok || d.String() != c.want {
			t.Errorf("parseDecimal(%q) = %q %v, want %q", c.in, d.String(), ok, c.want)
		}
	}
	for _, bad := range []string{"", "-", "1.2.3", "abc", "1e", "--1"} {
		if _, ok := parseDecimal(bad); ok {
			t.Errorf("parseDecimal(%q) accepted", bad)
		}
	}
}
