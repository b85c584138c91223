package backend

import (
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
