package backend

import (
	"context"
	"sync"
	"testing"
)

// Abort runs on a context's AfterFunc goroutine while the connection's
// owner may be between two I/O calls, reading whether it is broken (the
// pool's Release). Under the race detector this fails if Abort writes
// what Broken reads without synchronisation.
func TestAbortWhileOwnerChecksBroken(t *testing.T) {
	b := fakeBackend(newFake(nil))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.Abort()
	}()
	for range 1000 {
		_ = b.Broken()
	}
	wg.Wait()
	if !b.Broken() {
		t.Fatal("an aborted connection is not broken: the pool would reuse it with its deadline in the past")
	}
}

// A watched call whose context ends as the call finishes: Abort is about
// to put a deadline in the past on the socket, so the connection must
// already count as broken when the call returns, before Release looks.
func TestWatchEndedAsTheCallFinished(t *testing.T) {
	b := fakeBackend(newFake(nil))
	ctx, cancel := context.WithCancel(context.Background())
	stop := b.watch(ctx)
	cancel() // starts Abort in its own goroutine
	stop()
	if !b.Broken() {
		t.Fatal("the connection is not broken after its watch fired: the pool would hand it out with a deadline about to pass")
	}
}
