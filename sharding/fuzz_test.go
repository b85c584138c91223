package sharding

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xaproxy/xaproxy/conf"
)

// FuzzNormalizeLocate: normalisation never panics, equal values get equal
// Keys whatever the spelling, and every algorithm maps a Key to a valid,
// stable shard index.
func FuzzNormalizeLocate(f *testing.F) {
	seeds := []struct {
		s  string
		i  int64
		n  uint8
		ct uint8
	}{
		{"5", 5, 3, 0}, {"'5'", -5, 2, 1}, {"05", 12, 4, 1}, {" 5 ", math.MinInt64, 7, 2}, {"5abc", math.MaxInt64, 1, 0},
		{"5.0", 0, 3, 1}, {"1e1", 10, 5, 2}, {"ABC  ", 99, 8, 3}, {"Straße", 100, 3, 3}, {"-0.001", -1, 2, 2},
		{"18446744073709551615", 999, 4, 1}, {"1e9999999999", 1000, 6, 0}, {"\xff\xfe", 1 << 53, 9, 3},
		{"\u212a", -(1 << 53), 2, 0}, {"", 64, 10, 1}, {".5e1", 63, 16, 2},
	}
	for _, s := range seeds {
		f.Add(s.s, s.i, s.n, s.ct)
	}
	f.Fuzz(func(t *testing.T, s string, i int64, nb uint8, ctb uint8) {
		ct := ColType(ctb % 4)
		n := int(nb%16) + 1
		algos := fuzzAlgos(t, n)

		// Any string: no panic, errors are ValueErrors, results are stable.
		k, err := Normalize(StringValue(s), ct)
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Fatalf("Normalize(%q, %v): %v is not a *ValueError", s, ct, err)
			}
			if ct == Unknown || ct == String {
				t.Fatalf("Normalize(%q, %v) failed: %v", s, ct, err)
			}
		} else {
			if k.Kind() == KeyInvalid {
				t.Fatalf("Normalize(%q, %v) gave the zero Key", s, ct)
			}
			checkLocate(t, algos, n, k)
			if k2, _ := Normalize(StringValue(s), ct); k2 != k {
				t.Fatalf("Normalize(%q, %v) not deterministic: %#v, %#v", s, ct, k, k2)
			}
			if ct == Integer || ct == Decimal {
				if uk, err := Normalize(StringValue(s), Unknown); err != nil || uk != k {
					t.Fatalf("%q: %v gives %#v, Unknown gives %#v, %v", s, ct, k, uk, err)
				}
			}
			roundTrip(t, k)
		}

		// Trailing spaces never matter (PAD SPACE, and numbers ignore them).
		sameKey(t, ct, s, s+"   ")
		// Case never matters for valid UTF-8 (case-insensitive collations,
		// and '1e1' = '1E1').
		if utf8.ValidString(s) {
			for _, v := range []string{strings.ToUpper(s), strings.ToLower(s)} {
				if strings.EqualFold(s, v) {
					sameKey(t, ct, s, v)
				}
			}
		}

		// Every spelling of the integer i gives the Key and shard of i.
		want := IntKey(i)
		text := strconv.FormatInt(i, 10)
		spellings := []Value{
			IntValue(i), StringValue(text), NumberValue(text), StringValue(" " + text + " "),
			StringValue(text + ".0"), NumberValue(text + "e0"), BytesValue([]byte(text)),
		}
		if i >= 0 {
			spellings = append(spellings, UintValue(uint64(i)), StringValue("+0"+text))
		}
		if i > -(1<<53) && i < 1<<53 {
			spellings = append(spellings, FloatValue(float64(i)))
		}
		wantIdx := checkLocate(t, algos, n, want)
		for _, ct := range []ColType{Integer, Decimal, Unknown} {
			for _, v := range spellings {
				got, err := Normalize(v, ct)
				if err != nil || got != want {
					t.Fatalf("%v column: %s gives %v, %v; want %v", ct, v, got, err, want)
				}
				if idx := checkLocate(t, algos, n, got); !slices.Equal(idx, wantIdx) {
					t.Fatalf("%s lands on %v, %d on %v", v, idx, i, wantIdx)
				}
			}
		}
		u := uint64(i) | 1<<63 // also exercise keys above 2^63-1
		if got, err := Normalize(StringValue(strconv.FormatUint(u, 10)), Integer); err != nil || got != UintKey(u) {
			t.Fatalf("%d: %v, %v", u, got, err)
		}

		// Ranges starting at i hold the shards of their keys.
		w := int64(nb) % (MaxEnumerate + 8)
		if i <= math.MaxInt64-w {
			lo, hi := IntKey(i), IntKey(i+w)
			for _, a := range algos {
				got, err := a.LocateRange(&lo, &hi, true, true)
				if err != nil {
					t.Fatalf("%T.LocateRange(%d, %d): %v", a, i, i+w, err)
				}
				for _, x := range []int64{i, i + w/2, i + w} {
					if j, err := a.Locate(IntKey(x)); err == nil && !slices.Contains(got, j) {
						t.Fatalf("%T.LocateRange(%d, %d) = %v misses %d on %d", a, i, i+w, got, x, j)
					}
				}
			}
		}
	})
}

// fuzzAlgos returns hash (both kinds), mod and range algorithms over n shards.
func fuzzAlgos(t *testing.T, n int) []Algorithm {
	shards := shardNames(n)
	var ranges []conf.Range
	for j := range n - 1 {
		ranges = append(ranges, conf.Range{Shard: shards[j], Below: below(int64(j)*100 - 100)})
	}
	ranges = append(ranges, conf.Range{Shard: shards[n-1]})
	r, err := newRangeAlgo("t", shards, ranges)
	if err != nil {
		t.Fatal(err)
	}
	return []Algorithm{&hashAlgo{n: n}, &hashAlgo{n: n, intKeys: true}, &modAlgo{table: "t", n: n}, r}
}

// checkLocate locates k with every algorithm over n shards, twice, and
// returns the indexes (-1 where the algorithm refuses the key).
func checkLocate(t *testing.T, algos []Algorithm, n int, k Key) []int {
	t.Helper()
	out := make([]int, len(algos))
	for ai, a := range algos {
		i, err := a.Locate(k)
		i2, err2 := a.Locate(k)
		if i != i2 || (err == nil) != (err2 == nil) {
			t.Fatalf("%T.Locate(%v) not stable: %d/%v, %d/%v", a, k, i, err, i2, err2)
		}
		switch {
		case err != nil && k.Kind() == KeyInteger:
			t.Fatalf("%T.Locate(%v): %v", a, k, err)
		case err != nil:
			out[ai] = -1
		case i < 0 || i >= n:
			t.Fatalf("%T.Locate(%v) = %d, outside [0, %d)", a, k, i, n)
		default:
			out[ai] = i
		}
	}
	return out
}

func sameKey(t *testing.T, ct ColType, a, b string) {
	t.Helper()
	ka, erra := Normalize(StringValue(a), ct)
	kb, errb := Normalize(StringValue(b), ct)
	if (erra == nil) != (errb == nil) || ka != kb {
		t.Fatalf("%v column: %q gives %#v, %v but %q gives %#v, %v", ct, a, ka, erra, b, kb, errb)
	}
}

// roundTrip: a numeric Key's text reads back as the same Key.
func roundTrip(t *testing.T, k Key) {
	t.Helper()
	if k.Kind() == KeyString || len(k.s) > 60 {
		return
	}
	back, err := Normalize(NumberValue(k.String()), Decimal)
	if err != nil || back != k {
		t.Fatalf("%#v prints as %s, which reads back as %#v, %v", k, k, back, err)
	}
}
