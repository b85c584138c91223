package backend

import "testing"

// TestFreeSlotAfterClose: a slot freed after Close (a connection in use
// released then) is not handed to a waiter still queued, which would dial
// a connection of a closed pool; the waiter ends with ErrPoolClosed.
func TestFreeSlotAfterClose(t *testing.T) {
	p := NewPool(Target{Shard: "s0", Addr: "unused:0"}, PoolConfig{MaxOpen: 1})
	w := make(chan *Conn, 1)
	p.mu.Lock()
	p.open = 1 // a connection in use
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()
	p.Close()
	p.freeSlot() // Release discards the connection after Close
	if len(w) != 0 {
		t.Fatal("a waiter was handed a slot to dial after Close")
	}
	if open, _ := p.Stats(); open != 0 {
		t.Fatalf("%d open after the last connection closed, want 0", open)
	}
}
