package sharding

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"

	"github.com/xaproxy/xaproxy/conf"
)

// Algorithm maps shard keys to indexes into a table's shard list.
type Algorithm interface {
	// Locate returns the index into the table's shard list for a key.
	Locate(k Key) (int, error)
	// LocateRange returns the shard indexes, ascending and without
	// duplicates, that may hold keys in the interval from lo to hi (a nil
	// bound is unbounded; loIncl and hiIncl tell whether the bounds
	// themselves belong to it). An interval that holds no possible key
	// gives an empty, non-nil slice. For hash and mod this is every shard
	// unless the interval holds at most MaxEnumerate integers and the keys
	// are known to be integers; those are then located one by one.
	LocateRange(lo, hi *Key, loIncl, hiIncl bool) ([]int, error)
}

// MaxEnumerate is the largest number of integers in a key interval that
// LocateRange locates one by one for hash and mod tables.
const MaxEnumerate = 64

// Errors of the algorithms, wrapped with the table name; test with
// errors.Is.
var (
	ErrNeedInteger = errors.New("sharding needs an integer key")
	ErrNoRange     = errors.New("no range holds key")
	ErrInvalidKey  = errors.New("invalid key: the zero Key; build keys with Normalize")
)

// newAlgorithm builds the algorithm named by a table's rule. intKeys tells
// hash that the column holds only integers, so small integer intervals can
// be enumerated.
func newAlgorithm(table, name string, shards []string, ranges []conf.Range, intKeys bool) (Algorithm, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("sharding: table %s has no shards", table)
	}
	if len(shards) > math.MaxInt32 {
		return nil, fmt.Errorf("sharding: table %s has too many shards", table)
	}
	switch name {
	case conf.AlgorithmHash:
		return &hashAlgo{n: len(shards), intKeys: intKeys}, nil
	case conf.AlgorithmMod:
		return &modAlgo{table: table, n: len(shards)}, nil
	case conf.AlgorithmRange:
		return newRangeAlgo(table, shards, ranges)
	}
	return nil, fmt.Errorf("sharding: table %s has unknown algorithm %q; supported: %s, %s, %s",
		table, name, conf.AlgorithmHash, conf.AlgorithmMod, conf.AlgorithmRange)
}

// jump is Lamping & Veach's jump consistent hash ("A Fast, Minimal Memory,
// Consistent Hash Algorithm", 2014) for n buckets, with the paper's
// floating-point step j = (b+1) * (2^31 / ((key>>33)+1)) computed exactly as
// floor((b+1) * 2^31 / ((key>>33)+1)) in integers, so that the result can
// never depend on floating-point rounding or contraction. n must be in
// [1, 2^31].
func jump(key uint64, n int) int {
	var b, j uint64 = 0, 0
	for j < uint64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = ((b + 1) << 31) / ((key >> 33) + 1)
	}
	return int(b)
}

type hashAlgo struct {
	n       int
	intKeys bool
}

func (h *hashAlgo) Locate(k Key) (int, error) {
	if k.kind == KeyInvalid {
		return 0, ErrInvalidKey
	}
	return jump(k.Hash(), h.n), nil
}

func (h *hashAlgo) LocateRange(lo, hi *Key, loIncl, hiIncl bool) ([]int, error) {
	if err := checkBounds(lo, hi); err != nil {
		return nil, err
	}
	if !h.intKeys {
		// The column may hold decimals or strings, whose order is the
		// collation's: no interval can be enumerated.
		return allIndexes(h.n), nil
	}
	sp, ok := integerSpan(lo, hi, loIncl, hiIncl)
	if !ok {
		return allIndexes(h.n), nil
	}
	return sp.locate(h.n, h.Locate)
}

type modAlgo struct {
	table string
	n     int
}

func (m *modAlgo) Locate(k Key) (int, error) {
	if k.kind != KeyInteger {
		return 0, needInteger(conf.AlgorithmMod, m.table, k)
	}
	n := uint64(m.n)
	r := k.u % n
	if k.neg && r != 0 {
		r = n - r // ((k mod n) + n) mod n for k = -u
	}
	return int(r), nil
}

func (m *modAlgo) LocateRange(lo, hi *Key, loIncl, hiIncl bool) ([]int, error) {
	if err := checkBounds(lo, hi); err != nil {
		return nil, err
	}
	sp, ok := integerSpan(lo, hi, loIncl, hiIncl)
	if !ok {
		return nil, needInteger(conf.AlgorithmMod, m.table, *firstString(lo, hi))
	}
	return sp.locate(m.n, m.Locate)
}

// rangeAlgo: range i holds the keys k with below[i-1] <= k < below[i]; the
// last range is unbounded above if unbounded.
type rangeAlgo struct {
	table     string
	below     []int64 // the bounded ranges' boundaries, strictly ascending
	shard     []int   // per range, the shard index; len(shard) = len(below) (+1 if unbounded)
	unbounded bool
}

func newRangeAlgo(table string, shards []string, ranges []conf.Range) (*rangeAlgo, error) {
	if len(ranges) == 0 {
		return nil, fmt.Errorf("sharding: table %s uses algorithm range but lists no ranges", table)
	}
	r := &rangeAlgo{table: table}
	for i, rg := range ranges {
		idx := -1
		for j, s := range shards {
			if s == rg.Shard {
				idx = j
				break
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("sharding: table %s: range %d names shard %q, which is not one of the table's shards", table, i, rg.Shard)
		}
		r.shard = append(r.shard, idx)
		switch {
		case rg.Below == nil && i != len(ranges)-1:
			return nil, fmt.Errorf("sharding: table %s: only the last range may be unbounded", table)
		case rg.Below == nil:
			r.unbounded = true
		case i > 0 && *rg.Below <= r.below[i-1]:
			return nil, fmt.Errorf("sharding: table %s: range boundaries must be strictly ascending", table)
		default:
			r.below = append(r.below, *rg.Below)
		}
	}
	return r, nil
}

func (r *rangeAlgo) Locate(k Key) (int, error) {
	if k.kind != KeyInteger {
		return 0, needInteger(conf.AlgorithmRange, r.table, k)
	}
	i := len(r.below) // keys above MaxInt64 are above every boundary
	if v, ok := k.Int64(); ok {
		i = sort.Search(len(r.below), func(i int) bool { return v < r.below[i] })
	}
	if i == len(r.shard) {
		return 0, fmt.Errorf("%w %s in table %s: the last range ends below %d", ErrNoRange, k, r.table, r.below[len(r.below)-1])
	}
	return r.shard[i], nil
}

func (r *rangeAlgo) LocateRange(lo, hi *Key, loIncl, hiIncl bool) ([]int, error) {
	if err := checkBounds(lo, hi); err != nil {
		return nil, err
	}
	sp, ok := integerSpan(lo, hi, loIncl, hiIncl)
	if !ok {
		return nil, needInteger(conf.AlgorithmRange, r.table, *firstString(lo, hi))
	}
	seen := make([]bool, max(len(r.shard), 1+slicesMax(r.shard)))
	if !sp.empty {
		var start, end big.Int // range i is [start, end]
		for i, idx := range r.shard {
			bounded := i < len(r.below)
			if bounded {
				end.SetInt64(r.below[i])
				end.Sub(&end, big.NewInt(1))
			}
			if (sp.lo == nil || !bounded || sp.lo.Cmp(&end) <= 0) && (sp.hi == nil || i == 0 || start.Cmp(sp.hi) <= 0) {
				seen[idx] = true
			}
			if bounded {
				start.SetInt64(r.below[i])
			}
		}
	}
	out := []int{}
	for i, ok := range seen {
		if ok {
			out = append(out, i)
		}
	}
	return out, nil
}

func slicesMax(s []int) int {
	m := 0
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

func needInteger(algorithm, table string, k Key) error {
	if k.kind == KeyInvalid {
		return ErrInvalidKey
	}
	return fmt.Errorf("%s %w, got %s in table %s", algorithm, ErrNeedInteger, k, table)
}

func checkBounds(lo, hi *Key) error {
	if lo != nil && lo.kind == KeyInvalid || hi != nil && hi.kind == KeyInvalid {
		return ErrInvalidKey
	}
	return nil
}

// firstString returns the bound that is not numeric.
func firstString(lo, hi *Key) *Key {
	if lo != nil && lo.kind == KeyString {
		return lo
	}
	return hi
}

func allIndexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// The integer key domain.
var (
	minKey = big.NewInt(math.MinInt64)
	maxKey = new(big.Int).SetUint64(math.MaxUint64)
	// outside stands for magnitudes far beyond the domain.
	outside = new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil)
)

// span is an inclusive interval of integer keys within the domain; a nil
// bound is unbounded.
type span struct {
	lo, hi *big.Int
	empty  bool
}

// integerSpan turns numeric bounds into the integers between them: a
// decimal lower bound rounds up, a decimal upper bound down. It fails if a
// bound is a string.
func integerSpan(lo, hi *Key, loIncl, hiIncl bool) (span, bool) {
	var sp span
	if lo != nil {
		fl, ce, ok := lo.floorCeil()
		if !ok {
			return span{}, false
		}
		if loIncl {
			sp.lo = ce
		} else {
			sp.lo = fl.Add(fl, big.NewInt(1))
		}
	}
	if hi != nil {
		fl, ce, ok := hi.floorCeil()
		if !ok {
			return span{}, false
		}
		if hiIncl {
			sp.hi = fl
		} else {
			sp.hi = ce.Sub(ce, big.NewInt(1))
		}
	}
	switch {
	case sp.lo != nil && sp.lo.Cmp(maxKey) > 0, sp.hi != nil && sp.hi.Cmp(minKey) < 0:
		sp.empty = true
	case sp.lo != nil && sp.hi != nil && sp.lo.Cmp(sp.hi) > 0:
		sp.empty = true
	}
	if sp.lo != nil && sp.lo.Cmp(minKey) < 0 {
		sp.lo = new(big.Int).Set(minKey)
	}
	if sp.hi != nil && sp.hi.Cmp(maxKey) > 0 {
		sp.hi = new(big.Int).Set(maxKey)
	}
	return sp, true
}

// locate returns the shards of the span's keys if there are at most
// MaxEnumerate of them, else all n shards.
func (sp span) locate(n int, locate func(Key) (int, error)) ([]int, error) {
	if sp.empty {
		return []int{}, nil
	}
	if sp.lo == nil || sp.hi == nil {
		return allIndexes(n), nil
	}
	count := new(big.Int).Sub(sp.hi, sp.lo)
	if count.Cmp(big.NewInt(MaxEnumerate-1)) > 0 {
		return allIndexes(n), nil
	}
	seen := make([]bool, n)
	found := 0
	x := new(big.Int).Set(sp.lo)
	for ; x.Cmp(sp.hi) <= 0 && found < n; x.Add(x, big.NewInt(1)) {
		k := UintKey(x.Uint64())
		if x.Sign() < 0 {
			k = IntKey(x.Int64())
		}
		i, err := locate(k)
		if err != nil {
			return nil, err
		}
		if !seen[i] {
			seen[i] = true
			found++
		}
	}
	out := make([]int, 0, found)
	for i, ok := range seen {
		if ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// floorCeil returns the integers just below and above a numeric key (the
// key itself twice if it is an integer). Magnitudes far outside the integer
// domain come back as ±10^40. It fails for strings.
func (k Key) floorCeil() (floor, ceil *big.Int, ok bool) {
	switch k.kind {
	case KeyInteger:
		v := new(big.Int).SetUint64(k.u)
		if k.neg {
			v.Neg(v)
		}
		return v, new(big.Int).Set(v), true
	case KeyDecimal:
	default:
		return nil, nil, false
	}
	nd := int64(len(k.s))
	var fl, ce *big.Int
	switch {
	case nd+k.exp > 40: // |k| >= 10^40
		fl, ce = new(big.Int).Set(outside), new(big.Int).Set(outside)
	case k.exp >= 0: // integral, outside the domain but representable
		fl, _ = new(big.Int).SetString(k.s, 10)
		fl.Mul(fl, new(big.Int).Exp(big.NewInt(10), big.NewInt(k.exp), nil))
		ce = new(big.Int).Set(fl)
	case nd+k.exp <= 0: // 0 < |k| < 1
		fl, ce = big.NewInt(0), big.NewInt(1)
	default: // digits before and after the point; the fraction is non-zero
		fl, _ = new(big.Int).SetString(k.s[:nd+k.exp], 10)
		ce = new(big.Int).Add(fl, big.NewInt(1))
	}
	if k.neg {
		// floor(-x) = -ceil(x), ceil(-x) = -floor(x)
		fl, ce = ce.Neg(ce), fl.Neg(fl)
	}
	return fl, ce, true
}
