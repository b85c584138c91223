// Package sequence hands out AUTO_INCREMENT ids for sharded tables.
//
// Each logical table has one counter in a shared key-value store (etcd in
// production): the highest id any proxy has reserved. A proxy reserves a
// block of ids by moving that counter forward with a compare-and-swap, and
// only then hands ids of the block out, from memory. So an id is never
// given twice, also across proxies and after a crash: a block is durable
// before its first id is used, and a crashed proxy's unused ids are
// skipped, never reused.
//
// Guarantees: ids are unique; the ids one proxy gives a table increase;
// a statement's ids are consecutive; ids from different proxies interleave
// by block (not globally ordered), and gaps are normal (unused ends of
// blocks, crashes, failed statements).
package sequence

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
)

// KV is the store of the counters: one key per table, its value the
// highest id reserved, in decimal.
type KV interface {
	// Get returns the key's value and a version for CompareAndSwap; found
	// is false for a key that does not exist yet.
	Get(ctx context.Context, key string) (value uint64, version int64, found bool, err error)
	// CreateIfAbsent stores value unless the key exists; ok says whether
	// it did.
	CreateIfAbsent(ctx context.Context, key string, value uint64) (ok bool, err error)
	// CompareAndSwap stores value if the key is still at version; ok says
	// whether it did.
	CompareAndSwap(ctx context.Context, key string, version int64, value uint64) (ok bool, err error)
}

// Floor returns the highest id a table already holds, used when its
// counter is created (a table filled before the proxy managed its ids).
type Floor func(ctx context.Context) (uint64, error)

// ErrExhausted: the table's ids would pass the largest BIGINT UNSIGNED.
var ErrExhausted = errors.New("sequence: AUTO_INCREMENT ids exhausted")

// DefaultBlock is the number of ids reserved at a time when none is
// configured.
const DefaultBlock = 100

// Allocator hands out ids for many tables. Safe for concurrent use.
type Allocator struct {
	kv     KV
	prefix string
	block  uint64

	mu     sync.Mutex
	tables map[string]*table
}

// table is one table's block in memory: ids next..end are reserved for
// this proxy and not yet given.
type table struct {
	mu        sync.Mutex
	next, end uint64 // next > end: no block
}

// New returns an allocator whose counters are kv keys under prefix,
// reserving block ids at a time (DefaultBlock if block is 0).
func New(kv KV, prefix string, block uint64) *Allocator {
	if block == 0 {
		block = DefaultBlock
	}
	return &Allocator{kv: kv, prefix: prefix, block: block, tables: map[string]*table{}}
}

// Key is the store key of a table's counter.
func (a *Allocator) Key(schema, name string) string {
	return a.prefix + schema + "/" + name
}

func (a *Allocator) table(key string) *table {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tables[key]
	if t == nil {
		t = &table{next: 1, end: 0}
		a.tables[key] = t
	}
	return t
}

// Peek returns the next id this allocator would give the table, without
// giving it; ok is false when it has given the table none since it was
// made (another proxy's, or the store's, counter is not read).
func (a *Allocator) Peek(schema, name string) (next uint64, ok bool) {
	a.mu.Lock()
	t := a.tables[a.Key(schema, name)]
	a.mu.Unlock()
	if t == nil {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.end == 0 && t.next == 1 {
		return 0, false
	}
	return t.next, true
}

// Next returns the first of n consecutive new ids for the table (n > 0),
// all above seen (the highest explicit id of the statement, 0 if none),
// and makes sure later ids are above seen too. With n == 0 it only does
// the latter and returns 0.
func (a *Allocator) Next(ctx context.Context, schema, name string, n int, seen uint64, floor Floor) (uint64, error) {
	key := a.Key(schema, name)
	t := a.table(key)
	t.mu.Lock()
	defer t.mu.Unlock()
	if seen >= t.next {
		// Like MariaDB's counter after an explicit id: later ids go above.
		if seen == math.MaxUint64 {
			t.next, t.end = 1, 0
			if n > 0 {
				return 0, ErrExhausted
			}
		} else {
			t.next = seen + 1
		}
	}
	if n == 0 {
		if t.next > t.end && seen > 0 {
			// Past this proxy's block: move the shared counter past seen
			// so that no proxy's next block holds it.
			return 0, a.raise(ctx, key, seen, floor)
		}
		return 0, nil
	}
	need := uint64(n)
	if t.next > t.end || t.end-t.next+1 < need {
		first, end, err := a.reserve(ctx, key, max(need, a.block), seen, floor)
		if err != nil {
			return 0, err
		}
		t.next, t.end = first, end
	}
	first := t.next
	t.next += need
	return first, nil
}

// reserve moves the table's counter forward by size ids (above at least
// seen) and returns the reserved range.
func (a *Allocator) reserve(ctx context.Context, key string, size, seen uint64, floor Floor) (first, end uint64, err error) {
	for {
		cur, ver, found, err := a.kv.Get(ctx, key)
		if err != nil {
			return 0, 0, fmt.Errorf("sequence %s: %w", key, err)
		}
		if !found {
			if err := a.create(ctx, key, floor); err != nil {
				return 0, 0, err
			}
			continue
		}
		base := max(cur, seen)
		if base > math.MaxUint64-size {
			return 0, 0, ErrExhausted
		}
		ok, err := a.kv.CompareAndSwap(ctx, key, ver, base+size)
		if err != nil {
			return 0, 0, fmt.Errorf("sequence %s: %w", key, err)
		}
		if ok {
			return base + 1, base + size, nil
		}
		// Another proxy reserved a block meanwhile: read again.
	}
}

// raise moves the table's counter to at least seen.
func (a *Allocator) raise(ctx context.Context, key string, seen uint64, floor Floor) error {
	for {
		cur, ver, found, err := a.kv.Get(ctx, key)
		if err != nil {
			return fmt.Errorf("sequence %s: %w", key, err)
		}
		if !found {
			if err := a.create(ctx, key, floor); err != nil {
				return err
			}
			continue
		}
		if cur >= seen {
			return nil
		}
		ok, err := a.kv.CompareAndSwap(ctx, key, ver, seen)
		if err != nil {
			return fmt.Errorf("sequence %s: %w", key, err)
		}
		if ok {
			return nil
		}
	}
}

// create makes the table's counter, starting above the ids the table
// holds already. Losing the race to another proxy is fine.
func (a *Allocator) create(ctx context.Context, key string, floor Floor) error {
	var start uint64
	if floor != nil {
		f, err := floor(ctx)
		if err != nil {
			return fmt.Errorf("sequence %s: highest existing id: %w", key, err)
		}
		start = f
	}
	if _, err := a.kv.CreateIfAbsent(ctx, key, start); err != nil {
		return fmt.Errorf("sequence %s: %w", key, err)
	}
	return nil
}
