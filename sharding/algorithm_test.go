package sharding

import (
	"errors"
	"hash/fnv"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/xaproxy/xaproxy/conf"
)

// TestHashVectors pins the hash algorithm: the canonical encoding, FNV-1a 64
// and jump hash. If this test fails, a change would move rows already stored
// by hash: do not update the table, revert the change.
func TestHashVectors(t *testing.T) {
	vectors := []struct {
		v      Value
		hash   uint64
		shards [4]int // for 2, 3, 4 and 10 shards
	}{
		{IntValue(0), 0xf91e3bab850ef2ff, [4]int{0, 0, 0, 0}},
		{IntValue(1), 0x72663cc02529c30e, [4]int{1, 1, 1, 8}},
		{IntValue(5), 0xda84ce1b664589e8, [4]int{1, 1, 1, 1}},
		{IntValue(-1), 0x16446363ed6064e5, [4]int{0, 0, 0, 4}},
		{IntValue(42), 0xe87ccfd170920535, [4]int{0, 0, 0, 6}},
		{IntValue(1000), 0x3a589185173552e3, [4]int{0, 2, 2, 2}},
		{IntValue(math.MaxInt64), 0x8b79392180ba25a6, [4]int{0, 0, 0, 0}},
		{IntValue(math.MinInt64), 0x1e984e1170b3a71c, [4]int{1, 2, 2, 4}},
		{UintValue(math.MaxUint64), 0x419d04b315571184, [4]int{0, 0, 0, 5}},
		{UintValue(1 << 63), 0x89d046c49102bdfc, [4]int{1, 1, 1, 8}},
		{StringValue("abc"), 0x8e7ef3ebb8fe177e, [4]int{0, 0, 3, 8}},
		{StringValue(""), 0xcc38350dbfbd2cea, [4]int{1, 1, 1, 6}},
		{StringValue("hello world"), 0xa2cd37b7d5420eef, [4]int{0, 0, 0, 0}},
		{StringValue("Ünïcödé"), 0xd7a03d6eb2738c21, [4]int{0, 2, 2, 2}},
		{NumberValue("1.5"), 0x892781e38a449993, [4]int{0, 0, 0, 7}},
		{NumberValue("-0.001"), 0x3b23803f0c95d959, [4]int{1, 1, 1, 1}},
		{NumberValue("1e30"), 0xed1966fb0cc87d94, [4]int{1, 1, 1, 1}},
	}
	for _, vec := range vectors {
		k := mustKey(t, vec.v, Unknown)
		if got := k.Hash(); got != vec.hash {
			t.Errorf("%s: hash %#x, want %#x", vec.v, got, vec.hash)
		}
		for i, n := range []int{2, 3, 4, 10} {
			tbl := &Table{Name: "t", Algorithm: conf.AlgorithmHash, Shards: shardNames(n)}
			got, err := tbl.Locate(k)
			if want := tbl.Shards[vec.shards[i]]; err != nil || got != want {
				t.Errorf("%s on %d shards: %s, %v; want %s", vec.v, n, got, err, want)
			}
		}
	}
}

func shardNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "s" + string(rune('0'+i%10)) + strings.Repeat("x", i/10)
	}
	return out
}

// TestHashSpellings: integer 5 and string '5' land together on a table of
// unknown or integer key type.
func TestHashSpellings(t *testing.T) {
	for n := 1; n <= 8; n++ {
		a := &hashAlgo{n: n}
		want, _ := a.Locate(IntKey(5))
		for _, v := range []Value{StringValue("5"), StringValue("05"), NumberValue("5.0"), FloatValue(5), UintValue(5)} {
			for _, ct := range []ColType{Unknown, Integer} {
				got, err := a.Locate(mustKey(t, v, ct))
				if err != nil || got != want {
					t.Errorf("%d shards, %v column: %s -> %d, %v; 5 -> %d", n, ct, v, got, err, want)
				}
			}
		}
	}
}

func TestCanonicalEncoding(t *testing.T) {
	tests := []struct {
		k    Key
		want string
	}{
		{IntKey(5), "i\x00\x00\x00\x00\x00\x00\x00\x05"},
		{IntKey(-1), "i\xff\xff\xff\xff\xff\xff\xff\xff"},
		{UintKey(1 << 63), "u\x80\x00\x00\x00\x00\x00\x00\x00"},
		{decKey(true, "15", -1), "d-15e-1"},
		{strKey("abc"), "sabc"},
	}
	for _, tc := range tests {
		enc := tc.k.AppendCanonical(nil)
		if string(enc) != tc.want {
			t.Errorf("%s: encoding %q, want %q", tc.k, enc, tc.want)
		}
		h := fnv.New64a()
		h.Write(enc)
		if fmix64(h.Sum64()) != tc.k.Hash() {
			t.Errorf("%s: Hash %#x differs from fmix64(hash/fnv) %#x", tc.k, tc.k.Hash(), fmix64(h.Sum64()))
		}
	}
}

// jumpFloat is the paper's floating-point jump hash.
func jumpFloat(key uint64, n int) int {
	var b, j int64 = -1, 0
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

func TestJump(t *testing.T) {
	const keys = 20000
	for n := 1; n <= 33; n++ {
		counts := make([]int, n)
		for i := uint64(0); i < keys; i++ {
			h := IntKey(int64(i)).Hash()
			b := jump(h, n)
			if b < 0 || b >= n {
				t.Fatalf("jump(%#x, %d) = %d", h, n, b)
			}
			if f := jumpFloat(h, n); f != b {
				t.Errorf("jump(%#x, %d) = %d, the paper's version says %d", h, n, b, f)
			}
			// Growing from n to n+1 shards moves keys only to the new one.
			if b2 := jump(h, n+1); b2 != b && b2 != n {
				t.Fatalf("key %d moved from %d to %d going from %d to %d shards", i, b, b2, n, n+1)
			}
			counts[b]++
		}
		for b, c := range counts {
			if want := keys / n; c < want*8/10 || c > want*12/10 {
				t.Errorf("%d shards: shard %d got %d of %d keys", n, b, c, keys)
			}
		}
	}
}

func TestMod(t *testing.T) {
	m := &modAlgo{table: "orders", n: 4}
	tests := []struct {
		k    Key
		want int
	}{
		{IntKey(0), 0},
		{IntKey(5), 1},
		{IntKey(-1), 3},
		{IntKey(-4), 0},
		{IntKey(-5), 3},
		{IntKey(math.MinInt64), 0},
		{IntKey(math.MaxInt64), 3},
		{UintKey(math.MaxUint64), 3},
		{UintKey(1<<63 + 2), 2},
	}
	for _, tc := range tests {
		if got, err := m.Locate(tc.k); err != nil || got != tc.want {
			t.Errorf("mod 4 of %s = %d, %v; want %d", tc.k, got, err, tc.want)
		}
	}
	m3 := &modAlgo{table: "orders", n: 3}
	for v := int64(-10); v <= 10; v++ {
		got, _ := m3.Locate(IntKey(v))
		if want := int(((v % 3) + 3) % 3); got != want {
			t.Errorf("mod 3 of %d = %d, want %d", v, got, want)
		}
	}
	_, err := m.Locate(strKey("abc"))
	if !errors.Is(err, ErrNeedInteger) || err.Error() != "mod sharding needs an integer key, got 'abc' in table orders" {
		t.Errorf("string key: %v", err)
	}
	if _, err := m.Locate(decKey(false, "15", -1)); !errors.Is(err, ErrNeedInteger) {
		t.Errorf("decimal key: %v", err)
	}
	if _, err := m.Locate(Key{}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("zero key: %v", err)
	}
}

func below(v int64) *int64 { return &v }

func testRange(t *testing.T, unbounded bool) *rangeAlgo {
	t.Helper()
	ranges := []conf.Range{{Shard: "a", Below: below(0)}, {Shard: "b", Below: below(100)}, {Shard: "a", Below: below(1000)}}
	if unbounded {
		ranges = append(ranges, conf.Range{Shard: "c"})
	}
	r, err := newRangeAlgo("t", []string{"a", "b", "c"}, ranges)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRange(t *testing.T) {
	r := testRange(t, false)
	ru := testRange(t, true)
	tests := []struct {
		k             Key
		want, wantUnb int // -1: error
	}{
		{IntKey(math.MinInt64), 0, 0},
		{IntKey(-1), 0, 0},
		{IntKey(0), 1, 1}, // exactly at Below goes to the next range
		{IntKey(99), 1, 1},
		{IntKey(100), 0, 0},
		{IntKey(999), 0, 0},
		{IntKey(1000), -1, 2},
		{IntKey(math.MaxInt64), -1, 2},
		{UintKey(math.MaxUint64), -1, 2},
	}
	for _, tc := range tests {
		for _, c := range []struct {
			a    *rangeAlgo
			want int
		}{{r, tc.want}, {ru, tc.wantUnb}} {
			got, err := c.a.Locate(tc.k)
			switch {
			case c.want < 0 && !errors.Is(err, ErrNoRange):
				t.Errorf("unbounded=%v, key %s: %d, %v; want ErrNoRange", c.a.unbounded, tc.k, got, err)
			case c.want >= 0 && (err != nil || got != c.want):
				t.Errorf("unbounded=%v, key %s: %d, %v; want %d", c.a.unbounded, tc.k, got, err, c.want)
			}
		}
	}
	if _, err := r.Locate(IntKey(1000)); err == nil || !strings.HasPrefix(err.Error(), "no range holds key 1000 in table t") {
		t.Errorf("error message: %v", err)
	}
	if _, err := r.Locate(strKey("x")); !errors.Is(err, ErrNeedInteger) || !strings.HasPrefix(err.Error(), "range sharding needs an integer key") {
		t.Errorf("string key: %v", err)
	}

	bad := [][]conf.Range{
		nil,
		{{Shard: "z"}},
		{{Shard: "a"}, {Shard: "b", Below: below(1)}},
		{{Shard: "a", Below: below(5)}, {Shard: "b", Below: below(5)}},
	}
	for _, rs := range bad {
		if _, err := newRangeAlgo("t", []string{"a", "b"}, rs); err == nil {
			t.Errorf("ranges %v accepted", rs)
		}
	}
}

func keyp(k Key) *Key { return &k }

func TestLocateRange(t *testing.T) {
	type bounds struct {
		lo, hi         *Key
		loIncl, hiIncl bool
	}
	all4 := []int{0, 1, 2, 3}
	mod4 := &modAlgo{table: "t", n: 4}
	rng := testRange(t, false)
	rngU := testRange(t, true)
	hashInt := &hashAlgo{n: 4, intKeys: true}
	hashAny := &hashAlgo{n: 4}
	tests := []struct {
		name string
		a    Algorithm
		b    bounds
		want []int
	}{
		{"mod point", mod4, bounds{keyp(IntKey(5)), keyp(IntKey(5)), true, true}, []int{1}},
		{"mod two", mod4, bounds{keyp(IntKey(5)), keyp(IntKey(6)), true, true}, []int{1, 2}},
		{"mod exclusive", mod4, bounds{keyp(IntKey(4)), keyp(IntKey(7)), false, false}, []int{1, 2}},
		{"mod wraps negative", mod4, bounds{keyp(IntKey(-1)), keyp(IntKey(0)), true, true}, []int{0, 3}},
		{"mod decimal bounds", mod4, bounds{keyp(decKey(false, "45", -1)), keyp(decKey(false, "55", -1)), true, true}, []int{1}},
		{"mod decimal exclusive", mod4, bounds{keyp(decKey(false, "45", -1)), keyp(decKey(false, "65", -1)), false, false}, []int{1, 2}},
		{"mod negative decimal", mod4, bounds{keyp(decKey(true, "15", -1)), keyp(decKey(true, "5", -1)), true, true}, []int{3}},
		{"mod fraction only", mod4, bounds{keyp(decKey(false, "1", -1)), keyp(decKey(false, "9", -1)), true, true}, []int{}},
		{"mod empty", mod4, bounds{keyp(IntKey(6)), keyp(IntKey(5)), true, true}, []int{}},
		{"mod empty exclusive", mod4, bounds{keyp(IntKey(5)), keyp(IntKey(5)), true, false}, []int{}},
		{"mod 64 values", mod4, bounds{keyp(IntKey(0)), keyp(IntKey(63)), true, true}, all4},
		{"mod 65 values", mod4, bounds{keyp(IntKey(0)), keyp(IntKey(64)), true, true}, all4},
		{"mod unbounded", mod4, bounds{nil, keyp(IntKey(3)), true, true}, all4},
		{"mod at top of domain", mod4, bounds{keyp(UintKey(math.MaxUint64 - 1)), nil, true, true}, all4},
		{"mod top clamp", mod4, bounds{keyp(UintKey(math.MaxUint64 - 1)), keyp(decKey(false, "1", 30)), true, true}, []int{2, 3}},
		{"mod bottom clamp", mod4, bounds{keyp(decKey(true, "1", 30)), keyp(IntKey(math.MinInt64)), true, true}, []int{0}},
		{"mod above domain", mod4, bounds{keyp(decKey(false, "1", 30)), nil, true, true}, []int{}},
		{"mod below domain", mod4, bounds{nil, keyp(decKey(true, "1", 9999)), true, true}, []int{}},
		{"range all", rng, bounds{nil, nil, true, true}, []int{0, 1}},
		{"range below 0", rng, bounds{nil, keyp(IntKey(-1)), true, true}, []int{0}},
		{"range at boundary", rng, bounds{keyp(IntKey(0)), keyp(IntKey(0)), true, true}, []int{1}},
		{"range upto boundary excl", rng, bounds{keyp(IntKey(-5)), keyp(IntKey(0)), true, false}, []int{0}},
		{"range upto boundary incl", rng, bounds{keyp(IntKey(-5)), keyp(IntKey(0)), true, true}, []int{0, 1}},
		{"range middle", rng, bounds{keyp(IntKey(10)), keyp(IntKey(99)), true, true}, []int{1}},
		{"range wide", rng, bounds{keyp(IntKey(10)), keyp(IntKey(500)), true, true}, []int{0, 1}},
		{"range beyond last", rng, bounds{keyp(IntKey(1000)), nil, true, true}, []int{}},
		{"range beyond last excl", rng, bounds{keyp(IntKey(999)), nil, false, true}, []int{}},
		{"range last bounded", rng, bounds{keyp(IntKey(999)), nil, true, true}, []int{0}},
		{"range unbounded tail", rngU, bounds{keyp(IntKey(999)), nil, true, true}, []int{0, 2}},
		{"range unbounded tail only", rngU, bounds{keyp(IntKey(1000)), keyp(UintKey(math.MaxUint64)), true, true}, []int{2}},
		{"range decimal", rngU, bounds{keyp(decKey(false, "995", -1)), keyp(decKey(false, "10005", -1)), true, true}, []int{0, 2}}, // 100..999 on a, 1000 on c
		{"range empty", rngU, bounds{keyp(IntKey(50)), keyp(IntKey(10)), true, true}, []int{}},
		{"hash any type", hashAny, bounds{keyp(IntKey(5)), keyp(IntKey(5)), true, true}, all4},
		{"hash int point", hashInt, bounds{keyp(IntKey(5)), keyp(IntKey(5)), true, true}, []int{1}},
		{"hash int 0..1", hashInt, bounds{keyp(IntKey(0)), keyp(IntKey(1)), true, true}, []int{0, 1}},
		{"hash int string bound", hashInt, bounds{keyp(strKey("a")), nil, true, true}, all4},
		{"hash int wide", hashInt, bounds{keyp(IntKey(0)), keyp(IntKey(1000)), true, true}, all4},
		{"hash int empty", hashInt, bounds{keyp(IntKey(1)), keyp(IntKey(0)), true, true}, []int{}},
	}
	for _, tc := range tests {
		got, err := tc.a.LocateRange(tc.b.lo, tc.b.hi, tc.b.loIncl, tc.b.hiIncl)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := mod4.LocateRange(keyp(strKey("a")), nil, true, true); !errors.Is(err, ErrNeedInteger) {
		t.Errorf("mod string bound: %v", err)
	}
	if _, err := rng.LocateRange(nil, keyp(strKey("a")), true, true); !errors.Is(err, ErrNeedInteger) {
		t.Errorf("range string bound: %v", err)
	}
	if _, err := hashAny.LocateRange(&Key{}, nil, true, true); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("zero bound: %v", err)
	}
}

// TestLocateRangeEnumerates checks enumeration against Locate for every
// small interval of a window of integers.
func TestLocateRangeEnumerates(t *testing.T) {
	algos := []Algorithm{&modAlgo{table: "t", n: 5}, &hashAlgo{n: 5, intKeys: true}, testRange(t, true)}
	for _, a := range algos {
		for lo := int64(-20); lo <= 120; lo += 7 {
			for width := int64(0); width <= MaxEnumerate+1; width += 3 {
				got, err := a.LocateRange(keyp(IntKey(lo)), keyp(IntKey(lo+width)), true, true)
				if err != nil {
					t.Fatal(err)
				}
				seen := map[int]bool{}
				for v := lo; v <= lo+width; v++ {
					i, _ := a.Locate(IntKey(v))
					seen[i] = true
				}
				for _, i := range got {
					delete(seen, i)
				}
				if len(seen) > 0 {
					t.Errorf("%T [%d, %d]: %v misses %v", a, lo, lo+width, got, seen)
				}
				if _, isRange := a.(*rangeAlgo); (isRange || width < MaxEnumerate) && len(got) > 0 {
					// Exact: nothing beyond what the keys need.
					seen2 := map[int]bool{}
					for v := lo; v <= lo+width; v++ {
						i, _ := a.Locate(IntKey(v))
						seen2[i] = true
					}
					if len(seen2) != len(got) {
						t.Errorf("%T [%d, %d]: %v, keys need %v", a, lo, lo+width, got, seen2)
					}
				}
			}
		}
	}
}
