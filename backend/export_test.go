package backend

// Waiting is how many acquirers wait in the queue (for tests that must
// know a waiter is queued before they release).
func (p *Pool) Waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiters)
}
