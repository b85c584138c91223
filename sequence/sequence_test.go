package sequence

import (
	"context"
	"sync"
	"testing"
)

func TestAllocator(t *testing.T) {
	ctx := context.Background()
	type step struct {
		n         int
		seen      uint64
		wantFirst uint64
		wantStore uint64 // the counter in the store afterwards
	}
	tests := []struct {
		name  string
		block uint64
		floor uint64
		steps []step
	}{
		{name: "blocks", block: 10, steps: []step{
			{n: 1, wantFirst: 1, wantStore: 10},
			{n: 3, wantFirst: 2, wantStore: 10},
			{n: 6, wantFirst: 5, wantStore: 10},
			{n: 1, wantFirst: 11, wantStore: 20},
		}},
		{name: "a statement's ids are consecutive: a block too short is left", block: 10, steps: []step{
			{n: 8, wantFirst: 1, wantStore: 10},
			{n: 5, wantFirst: 11, wantStore: 20},
			{n: 25, wantFirst: 21, wantStore: 45},
		}},
		{name: "starts above the table's highest id", block: 10, floor: 41, steps: []step{
			{n: 1, wantFirst: 42, wantStore: 51},
		}},
		{name: "explicit ids move the sequence", block: 10, steps: []step{
			{n: 1, wantFirst: 1, wantStore: 10},
			{n: 0, seen: 5, wantStore: 10}, // inside the block: local
			{n: 1, wantFirst: 6, wantStore: 10},
			{n: 0, seen: 30, wantStore: 30}, // past it: the store moves
			{n: 1, wantFirst: 31, wantStore: 40},
			{n: 2, seen: 100, wantFirst: 101, wantStore: 110},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := NewMemKV()
			a := New(kv, "/p/", tt.block)
			floor := func(context.Context) (uint64, error) { return tt.floor, nil }
			for i, s := range tt.steps {
				first, err := a.Next(ctx, "db", "t", s.n, s.seen, floor)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if first != s.wantFirst {
					t.Errorf("step %d: first = %d, want %d", i, first, s.wantFirst)
				}
				if v, _, _, _ := kv.Get(ctx, "/p/db/t"); v != s.wantStore {
					t.Errorf("step %d: store holds %d, want %d", i, v, s.wantStore)
				}
			}
		})
	}
}

// TestAllocatorsShareTheStore: several proxies (allocators on one store)
// under concurrent use never give an id twice.
func TestAllocatorsShareTheStore(t *testing.T) {
	checkUnique(t, NewMemKV())
}

// checkUnique runs 4 allocators × 8 goroutines on kv and checks that every
// id was given once and that each allocator's ids increase.
func checkUnique(t *testing.T, kv KV) {
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	for p := 0; p < 4; p++ {
		a := New(kv, "/seq/", 7)
		var amu sync.Mutex
		var last uint64
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 40; i++ {
					n := 1 + i%3
					amu.Lock()
					first, err := a.Next(ctx, "db", "t", n, 0, nil)
					if err == nil && first <= last {
						t.Errorf("allocator %d gave %d after %d", p, first, last)
					}
					last = first + uint64(n) - 1
					amu.Unlock()
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for id := first; id < first+uint64(n); id++ {
						if seen[id] {
							t.Errorf("id %d given twice", id)
						}
						seen[id] = true
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
}

func TestAllocatorPeek(t *testing.T) {
	ctx := context.Background()
	a := New(NewMemKV(), "", 10)
	floor := func(context.Context) (uint64, error) { return 0, nil }
	if _, ok := a.Peek("shop", "t"); ok {
		t.Error("a table given no id: peeked")
	}
	for _, st := range []struct {
		n         int
		seen      uint64
		wantNext  uint64
		wantFirst uint64
	}{
		{n: 2, wantNext: 3, wantFirst: 1},
		{n: 0, seen: 50, wantNext: 51},                   // an explicit id: later ids above it
		{n: 2, seen: 100, wantNext: 103, wantFirst: 101}, // ids reserved past an explicit one
	} {
		first, err := a.Next(ctx, "shop", "t", st.n, st.seen, floor)
		if err != nil || first != st.wantFirst {
			t.Fatalf("Next(%d, %d) = %d, %v; want %d", st.n, st.seen, first, err, st.wantFirst)
		}
		if next, ok := a.Peek("shop", "t"); !ok || next != st.wantNext {
			t.Errorf("after Next(%d, %d): Peek = %d, %v; want %d", st.n, st.seen, next, ok, st.wantNext)
		}
	}
	if next, _ := a.Peek("shop", "t"); next != 103 {
		t.Errorf("Peek gave an id: next %d, want 103 again", next)
	}
}
