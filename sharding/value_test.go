package sharding

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func mustKey(t *testing.T, v Value, ct ColType) Key {
	t.Helper()
	k, err := Normalize(v, ct)
	if err != nil {
		t.Fatalf("Normalize(%s, %v): %v", v, ct, err)
	}
	return k
}

func decKey(neg bool, digits string, exp int64) Key {
	return Key{kind: KeyDecimal, neg: neg, s: digits, exp: exp}
}

func strKey(s string) Key { return Key{kind: KeyString, s: s} }

func TestNormalize(t *testing.T) {
	maxU := UintKey(math.MaxUint64)
	tests := []struct {
		v    Value
		ct   ColType
		want Key
		err  error
	}{
		// Integer column: every spelling of an integer is that integer.
		{IntValue(5), Integer, IntKey(5), nil},
		{UintValue(5), Integer, IntKey(5), nil},
		{StringValue("5"), Integer, IntKey(5), nil},
		{NumberValue("5"), Integer, IntKey(5), nil},
		{StringValue("05"), Integer, IntKey(5), nil},
		{StringValue("+5"), Integer, IntKey(5), nil},
		{StringValue(" 5"), Integer, IntKey(5), nil},
		{StringValue("\t\n 5"), Integer, IntKey(5), nil},
		{StringValue("5  "), Integer, IntKey(5), nil},
		{StringValue("5."), Integer, IntKey(5), nil},
		{StringValue("5.0"), Integer, IntKey(5), nil},
		{NumberValue("5.000"), Integer, IntKey(5), nil},
		{StringValue("0.5e1"), Integer, IntKey(5), nil},
		{StringValue("50E-1"), Integer, IntKey(5), nil},
		{NumberValue("1e1"), Integer, IntKey(10), nil},
		{StringValue("1E+1"), Integer, IntKey(10), nil},
		{FloatValue(5), Integer, IntKey(5), nil},
		{FloatValue(1e1), Integer, IntKey(10), nil},
		{BytesValue([]byte("5")), Integer, IntKey(5), nil},
		{StringValue("-0"), Integer, IntKey(0), nil},
		{StringValue("-0.0e5"), Integer, IntKey(0), nil},
		{StringValue("0e99999999999"), Integer, IntKey(0), nil},
		{FloatValue(math.Copysign(0, -1)), Integer, IntKey(0), nil},
		{IntValue(-12), Integer, IntKey(-12), nil},
		{StringValue("-12"), Integer, IntKey(-12), nil},
		{NumberValue("-12.0"), Integer, IntKey(-12), nil},
		{IntValue(math.MinInt64), Integer, IntKey(math.MinInt64), nil},
		{StringValue("-9223372036854775808"), Integer, IntKey(math.MinInt64), nil},
		{StringValue("9223372036854775807"), Integer, IntKey(math.MaxInt64), nil},
		{UintValue(math.MaxUint64), Integer, maxU, nil},
		{NumberValue("18446744073709551615"), Integer, maxU, nil},
		{StringValue("1.8446744073709551615e19"), Integer, maxU, nil},
		{FloatValue(1<<53 - 1), Integer, IntKey(1<<53 - 1), nil},
		// Integer column: refusals.
		{StringValue("5abc"), Integer, Key{}, ErrNotNumber},
		{StringValue("5 6"), Integer, Key{}, ErrNotNumber},
		{StringValue(""), Integer, Key{}, ErrNotNumber},
		{StringValue("   "), Integer, Key{}, ErrNotNumber},
		{StringValue("0x5"), Integer, Key{}, ErrNotNumber},
		{StringValue("5e"), Integer, Key{}, ErrNotNumber},
		{StringValue("."), Integer, Key{}, ErrNotNumber},
		{StringValue("- 5"), Integer, Key{}, ErrNotNumber},
		{StringValue("5\t"), Integer, Key{}, ErrNotNumber}, // only spaces may trail
		{StringValue("abc"), Integer, Key{}, ErrNotNumber},
		{NumberValue("abc"), Unknown, Key{}, ErrNotNumber},
		{FloatValue(math.NaN()), Integer, Key{}, ErrNotNumber},
		{FloatValue(math.Inf(-1)), Unknown, Key{}, ErrNotNumber},
		{StringValue("5.5"), Integer, Key{}, ErrNotInteger},
		{NumberValue("5.5"), Integer, Key{}, ErrNotInteger},
		{FloatValue(5.5), Integer, Key{}, ErrNotInteger},
		{StringValue("1e-1"), Integer, Key{}, ErrNotInteger},
		{StringValue("18446744073709551616"), Integer, Key{}, ErrOutOfRange},
		{StringValue("-9223372036854775809"), Integer, Key{}, ErrOutOfRange},
		{StringValue("1e20"), Integer, Key{}, ErrOutOfRange},
		{StringValue("1e9999999999"), Integer, Key{}, ErrOutOfRange},
		{FloatValue(1 << 53), Integer, Key{}, ErrInexact},
		{FloatValue(-1e300), Unknown, Key{}, ErrInexact},
		{NullValue(), Integer, Key{}, ErrNullKey},
		{NullValue(), Unknown, Key{}, ErrNullKey},
		{NullValue(), String, Key{}, ErrNullKey},
		{Value{}, Decimal, Key{}, ErrNullKey},
		// Decimal column: integral values agree with Integer.
		{StringValue("5.00"), Decimal, IntKey(5), nil},
		{NumberValue("1.5"), Decimal, decKey(false, "15", -1), nil},
		{StringValue("1.50"), Decimal, decKey(false, "15", -1), nil},
		{StringValue("015e-1"), Decimal, decKey(false, "15", -1), nil},
		{FloatValue(1.5), Decimal, decKey(false, "15", -1), nil},
		{FloatValue(0.1), Decimal, decKey(false, "1", -1), nil},
		{StringValue("-0.001"), Decimal, decKey(true, "1", -3), nil},
		{StringValue("1e30"), Decimal, decKey(false, "1", 30), nil},
		{StringValue("-1e30"), Unknown, decKey(true, "1", 30), nil},
		{StringValue("5abc"), Decimal, Key{}, ErrNotNumber},
		{StringValue("1e9999999999"), Decimal, Key{}, ErrOutOfRange},
		// String column: case-insensitive, PAD SPACE.
		{StringValue("abc"), String, strKey("abc"), nil},
		{StringValue("ABC"), String, strKey("abc"), nil},
		{StringValue("abc  "), String, strKey("abc"), nil},
		{StringValue(" abc"), String, strKey(" abc"), nil},
		{StringValue("abc\t"), String, strKey("abc\t"), nil},
		{StringValue("5"), String, strKey("5"), nil},
		{StringValue("05"), String, strKey("05"), nil},
		{StringValue(""), String, strKey(""), nil},
		{StringValue("   "), String, strKey(""), nil},
		{StringValue("ÀÉÎ"), String, strKey("àéî"), nil},
		{StringValue("\u212a"), String, strKey("k"), nil}, // Kelvin sign
		{StringValue("\u017f"), String, strKey("s"), nil}, // long s
		{StringValue("ẞ"), String, strKey("ß"), nil},
		{StringValue("a\xffB"), String, strKey("a\xffb"), nil},
		{IntValue(5), String, Key{}, ErrNumberForString},
		{UintValue(5), String, Key{}, ErrNumberForString},
		{FloatValue(5), String, Key{}, ErrNumberForString},
		{NumberValue("5"), String, Key{}, ErrNumberForString},
		// Unknown: numbers when they read as numbers, else strings.
		{StringValue("5"), Unknown, IntKey(5), nil},
		{StringValue(" 05.0 "), Unknown, IntKey(5), nil},
		{StringValue("1.50"), Unknown, decKey(false, "15", -1), nil},
		{StringValue("5abc"), Unknown, strKey("5abc"), nil},
		{StringValue("ABC "), Unknown, strKey("abc"), nil},
		{StringValue("1e9999999999"), Unknown, strKey("1e9999999999"), nil},
		{StringValue("2024-01-05"), Unknown, strKey("2024-01-05"), nil},
		{IntValue(-7), Unknown, IntKey(-7), nil},
	}
	for _, tc := range tests {
		got, err := Normalize(tc.v, tc.ct)
		if tc.err != nil {
			var ve *ValueError
			if !errors.Is(err, tc.err) || !errors.As(err, &ve) {
				t.Errorf("Normalize(%s, %v) = %v, %v; want error %v", tc.v, tc.ct, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Normalize(%s, %v) = %#v, %v; want %#v", tc.v, tc.ct, got, err, tc.want)
		}
	}
}

// TestSpellingsAgree: each group holds spellings of one logical value; they
// must all get the same Key under each listed column type.
func TestSpellingsAgree(t *testing.T) {
	groups := []struct {
		types []ColType
		vals  []Value
	}{
		{[]ColType{Integer, Decimal, Unknown}, []Value{
			IntValue(5), UintValue(5), FloatValue(5), NumberValue("5"), NumberValue("5.0"), NumberValue("5e0"),
			StringValue("5"), StringValue("05"), StringValue("5.0"), StringValue(" 5 "), StringValue("+5"),
			StringValue("500e-2"), BytesValue([]byte("5")),
		}},
		{[]ColType{Integer, Decimal, Unknown}, []Value{
			IntValue(-12), FloatValue(-12), NumberValue("-12"), StringValue("-12"), StringValue("-012.00"), StringValue("-1.2E1"),
		}},
		{[]ColType{Integer, Decimal, Unknown}, []Value{
			UintValue(math.MaxUint64), NumberValue("18446744073709551615"), StringValue("18446744073709551615.0"),
		}},
		{[]ColType{Decimal, Unknown}, []Value{
			NumberValue("2.5"), StringValue("2.50"), FloatValue(2.5), StringValue("25e-1"), StringValue(" 0002.5000 "),
		}},
		{[]ColType{String, Unknown}, []Value{
			StringValue("abc"), StringValue("ABC"), StringValue("abc "), StringValue("aBc   "), BytesValue([]byte("Abc")),
		}},
		{[]ColType{String, Unknown}, []Value{
			StringValue("Straße"), StringValue("STRAẞE"), StringValue("straße "),
		}},
	}
	for gi, g := range groups {
		for _, ct := range g.types {
			first := mustKey(t, g.vals[0], ct)
			for _, v := range g.vals[1:] {
				if k := mustKey(t, v, ct); k != first {
					t.Errorf("group %d, %v column: %s gives %s, %s gives %s", gi, ct, g.vals[0], first, v, k)
				}
			}
		}
	}
}

// TestRefinement: where Integer or Decimal accept a value they agree with
// Unknown, so a hash table can be declared Integer later without moving rows.
func TestRefinement(t *testing.T) {
	vals := []Value{
		IntValue(3), UintValue(1 << 63), FloatValue(2.25), FloatValue(-4), NumberValue("1e3"), NumberValue("0.125"),
		StringValue(" 42 "), StringValue("4.20"), StringValue("x"), StringValue("1e400"), StringValue("-1e-400"),
	}
	for _, v := range vals {
		uk, uerr := Normalize(v, Unknown)
		for _, ct := range []ColType{Integer, Decimal} {
			k, err := Normalize(v, ct)
			if err == nil && (uerr != nil || k != uk) {
				t.Errorf("%s: %v gives %v, Unknown gives %v, %v", v, ct, k, uk, uerr)
			}
		}
	}
}

func TestValueErrorMessage(t *testing.T) {
	_, err := Normalize(StringValue("5abc"), Integer)
	if got, want := err.Error(), "shard key value '5abc' is not a number (integer column)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = Normalize(StringValue(strings.Repeat("x", 100)), Integer)
	if !strings.Contains(err.Error(), "...' is not a number") {
		t.Errorf("long value not clipped: %v", err)
	}
	if _, err := Normalize(IntValue(1), ColType(9)); err == nil {
		t.Error("unknown ColType accepted")
	}
}

func TestKeyString(t *testing.T) {
	tests := []struct {
		k    Key
		want string
	}{
		{IntKey(0), "0"},
		{IntKey(-12), "-12"},
		{IntKey(math.MinInt64), "-9223372036854775808"},
		{UintKey(math.MaxUint64), "18446744073709551615"},
		{decKey(false, "15", -1), "1.5"},
		{decKey(true, "1", -3), "-0.001"},
		{decKey(false, "1", 30), "1000000000000000000000000000000"},
		{decKey(false, "123", 40), "1.23e42"},
		{decKey(false, "5", -100), "5e-100"},
		{strKey("it's"), "'it''s'"},
		{Key{}, "<invalid key>"},
	}
	for _, tc := range tests {
		if got := tc.k.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.k, got, tc.want)
		}
	}
}

func TestKeyAccessors(t *testing.T) {
	if v, ok := IntKey(-3).Int64(); !ok || v != -3 {
		t.Errorf("Int64 of -3 = %d, %v", v, ok)
	}
	if _, ok := UintKey(math.MaxUint64).Int64(); ok {
		t.Error("Int64 of 2^64-1 succeeded")
	}
	if v, ok := UintKey(math.MaxUint64).Uint64(); !ok || v != math.MaxUint64 {
		t.Errorf("Uint64 of 2^64-1 = %d, %v", v, ok)
	}
	if _, ok := IntKey(-1).Uint64(); ok {
		t.Error("Uint64 of -1 succeeded")
	}
	if v, ok := IntKey(math.MinInt64).Int64(); !ok || v != math.MinInt64 {
		t.Errorf("Int64 of MinInt64 = %d, %v", v, ok)
	}
	if IntKey(7).Kind() != KeyInteger || strKey("a").Kind() != KeyString || decKey(false, "1", -1).Kind() != KeyDecimal {
		t.Error("Kind mismatch")
	}
}

func TestValueOf(t *testing.T) {
	tests := []struct {
		in   any
		want Key
	}{
		{int8(-5), IntKey(-5)},
		{int16(5), IntKey(5)},
		{int32(5), IntKey(5)},
		{int64(5), IntKey(5)},
		{5, IntKey(5)},
		{uint8(5), IntKey(5)},
		{uint16(5), IntKey(5)},
		{uint32(5), IntKey(5)},
		{uint(5), IntKey(5)},
		{uint64(math.MaxUint64), UintKey(math.MaxUint64)},
		{float32(5), IntKey(5)},
		{5.0, IntKey(5)},
		{"5", IntKey(5)},
		{[]byte("5.0"), IntKey(5)},
		{true, IntKey(1)},
		{StringValue("5"), IntKey(5)},
	}
	for _, tc := range tests {
		v, err := ValueOf(tc.in)
		if err != nil {
			t.Errorf("ValueOf(%#v): %v", tc.in, err)
			continue
		}
		if k := mustKey(t, v, Unknown); k != tc.want {
			t.Errorf("ValueOf(%#v) normalises to %s, want %s", tc.in, k, tc.want)
		}
	}
	if v, err := ValueOf(nil); err != nil || !v.IsNull() {
		t.Errorf("ValueOf(nil) = %v, %v", v, err)
	}
	if _, err := ValueOf(struct{}{}); err == nil {
		t.Error("ValueOf(struct{}{}) succeeded")
	}
}

// TestAsUnsigned: what MariaDB 10.11 makes of a LIMIT parameter of the
// binary protocol, as seen on 6 rows: DOUBLE 2.5 -> 2 rows, 3.5 -> 4, 2.7
// -> 3, -0.4 -> none, -1 and 1e300 -> all; DECIMAL 2.50 -> 3, 2.4 -> 2,
// -0.5 -> all; '3', ' 3', '+3' -> 3 and '-1' -> all without a warning;
// '2.7', '3 ', '1e1', 'abc' with one (not clean).
func TestAsUnsigned(t *testing.T) {
	for _, tc := range []struct {
		v     Value
		want  uint64
		clean bool
	}{
		{IntValue(3), 3, true},
		{IntValue(-1), math.MaxUint64, true},
		{IntValue(-2), math.MaxUint64 - 1, true},
		{UintValue(math.MaxUint64), math.MaxUint64, true},
		{FloatValue(2), 2, true},
		{FloatValue(2.5), 2, true},
		{FloatValue(3.5), 4, true},
		{FloatValue(2.7), 3, true},
		{FloatValue(2.4), 2, true},
		{FloatValue(-0.4), 0, true},
		{FloatValue(-1), math.MaxUint64, true},
		{FloatValue(1e20), math.MaxInt64, true},
		{FloatValue(-1e300), 1 << 63, true},
		{FloatValue(math.NaN()), 1 << 63, true},
		{NumberValue("10"), 10, true},
		{NumberValue("2.50"), 3, true},
		{NumberValue("2.4"), 2, true},
		{NumberValue("-0.5"), math.MaxUint64, true},
		{NumberValue("-0.4"), 0, true},
		{NumberValue("99999999999999999999.5"), math.MaxInt64, true},
		{NumberValue("-99999999999999999999"), 1 << 63, true},
		{StringValue("3"), 3, true},
		{StringValue(" 2"), 2, true},
		{StringValue("+3"), 3, true},
		{StringValue("-1"), math.MaxUint64, true},
		{StringValue("3.7"), 3, false},
		{StringValue("3 "), 3, false},
		{StringValue("2x"), 2, false},
		{StringValue("abc"), 0, false},
		{StringValue(""), 0, false},
		{StringValue("1e3"), 1000, false},
		{StringValue("18446744073709551616"), math.MaxInt64, false},
		{NullValue(), 0, true},
	} {
		if got, clean := tc.v.AsUnsigned(); got != tc.want || clean != tc.clean {
			t.Errorf("%s.AsUnsigned() = %d, %v, want %d, %v", tc.v, got, clean, tc.want, tc.clean)
		}
	}
}
