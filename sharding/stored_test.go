package sharding

import (
	"math"
	"testing"
)

// TestStoredInteger: what MariaDB 10.11 stored for each value in an INT
// column under an empty sql_mode (checked with the mariadb client, and for the
// DOUBLE a prepared statement's parameter).
func TestStoredInteger(t *testing.T) {
	const lo, hi = math.MinInt32, math.MaxInt32
	tests := []struct {
		v    Value
		want int64
	}{
		{FloatValue(58.5), 58}, // DOUBLE: half to even
		{FloatValue(59.5), 60},
		{FloatValue(-58.5), -58},
		{FloatValue(2.5), 2},
		{NumberValue("50.5"), 51}, // decimal: half away from zero
		{NumberValue("-50.5"), -51},
		{StringValue("53.5"), 54}, // text: half away from zero
		{StringValue("2.5e0"), 3},
		{StringValue("55x"), 55},
		{StringValue("1e1"), 10},
		{StringValue("  7.5  "), 8},
		{StringValue("5.5e-1"), 1},
		{StringValue("0.5"), 1},
		{StringValue("-0.5"), -1},
		{StringValue("0.49"), 0},
		{StringValue("0.0000001"), 0},
		{StringValue("1.49999999999999999999"), 1},
		{StringValue(" +3.5"), 4},
		{StringValue("0x10"), 0},
		{StringValue(".5"), 1},
		{StringValue("5."), 5},
		{StringValue("abc"), 0},
		{StringValue(""), 0},
		{StringValue("1e400"), hi},
		{StringValue("-1e400"), lo},
		{StringValue("-7.5x"), -8},
		{StringValue("\f\v5"), 5}, // the white space Normalize skips too: where 5 was placed before
		{StringValue("99999999999"), hi},
		{NumberValue("99999999999"), hi},
		{IntValue(-3000000000), lo},
		{IntValue(42), 42},
		{UintValue(math.MaxUint64), hi},
	}
	for _, tt := range tests {
		got, ok := StoredInteger(tt.v, lo, hi)
		if !ok || got != IntValue(tt.want) {
			t.Errorf("StoredInteger(%v) = %v, %v; want %d", tt.v, got, ok, tt.want)
		}
	}
	for _, v := range []Value{NullValue(), FloatValue(math.NaN()), FloatValue(math.Inf(1))} {
		if got, ok := StoredInteger(v, lo, hi); ok {
			t.Errorf("StoredInteger(%v) = %v, want not ok", v, got)
		}
	}
	// Unsigned BIGINT: negatives are 0, the top of the range is kept.
	if got, _ := StoredInteger(IntValue(-1), 0, math.MaxUint64); got != IntValue(0) {
		t.Errorf("-1 into BIGINT UNSIGNED = %v, want 0", got)
	}
	if got, _ := StoredInteger(StringValue("18446744073709551616"), 0, math.MaxUint64); got != UintValue(math.MaxUint64) {
		t.Errorf("2^64 into BIGINT UNSIGNED = %v, want the maximum", got)
	}
	// Every stored value has a Key: the table's rule finds the row again.
	for _, tt := range tests {
		got, _ := StoredInteger(tt.v, lo, hi)
		if _, err := Normalize(got, Integer); err != nil {
			t.Errorf("Normalize(StoredInteger(%v)): %v", tt.v, err)
		}
	}
}

// TestStoredDecimal: what MariaDB 10.11 stored for each value in a
// DECIMAL(5,2) column under an empty sql_mode (checked with the mariadb client).
func TestStoredDecimal(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{FloatValue(2.675), "2.68"}, // from the shortest form, half away from zero
		{FloatValue(1.005), "1.01"},
		{FloatValue(0.125), "0.13"},
		{FloatValue(4.445), "4.45"},
		{StringValue("2.675"), "2.68"},
		{NumberValue("1.504"), "1.50"},
		{NumberValue("1.505"), "1.51"},
		{NumberValue("-1.505"), "-1.51"},
		{IntValue(1000), "999.99"},
		{IntValue(-1000), "-999.99"},
		{StringValue("3.335x"), "3.34"},
		{StringValue("1e2"), "100.00"},
		{IntValue(99999), "999.99"},
		{NumberValue("0.005"), "0.01"},
		{NumberValue("0.0049999"), "0.00"},
		{StringValue("abc"), "0.00"},
		{StringValue("1e400"), "999.99"},
	}
	for _, tt := range tests {
		got, ok := StoredDecimal(tt.v, 5, 2, false)
		if !ok || got != NumberValue(tt.want) {
			t.Errorf("StoredDecimal(%v) = %v, %v; want %s", tt.v, got, ok, tt.want)
		}
		// Its Key is the Key of the canonical spelling.
		a, err1 := Normalize(got, Decimal)
		b, err2 := Normalize(NumberValue(tt.want), Decimal)
		if err1 != nil || err2 != nil || a != b {
			t.Errorf("Key of %v: %v %v, want %v", got, a, err1, b)
		}
	}
	if got, _ := StoredDecimal(IntValue(-3), 10, 0, true); got != NumberValue("0") {
		t.Errorf("-3 into DECIMAL UNSIGNED = %v, want 0", got)
	}
	if got, _ := StoredDecimal(NumberValue("12.5"), 10, 0, false); got != NumberValue("13") {
		t.Errorf("12.5 into DECIMAL(10,0) = %v, want 13", got)
	}
	for _, tp := range []struct {
		tp       string
		p, s     int
		unsigned bool
		ok       bool
	}{
		{"decimal(5,2)", 5, 2, false, true},
		{"decimal(10,0) unsigned", 10, 0, true, true},
		{"decimal", 10, 0, false, true},
		{"int(11)", 0, 0, false, false},
	} {
		p, s, u, ok := DecimalShape(tp.tp)
		if p != tp.p || s != tp.s || u != tp.unsigned || ok != tp.ok {
			t.Errorf("DecimalShape(%q) = %d, %d, %v, %v", tp.tp, p, s, u, ok)
		}
	}
}

// BenchmarkStoredIntegerInRange: an INSERT's ordinary key costs no
// allocation.
func BenchmarkStoredIntegerInRange(b *testing.B) {
	v := IntValue(12345)
	b.ReportAllocs()
	for b.Loop() {
		if got, ok := StoredInteger(v, math.MinInt32, math.MaxInt32); !ok || got != v {
			b.Fatal(got)
		}
	}
}
