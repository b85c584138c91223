package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// PoolConfig bounds a shard's pool.
type PoolConfig struct {
	MaxOpen        int
	MaxIdle        int
	ConnectTimeout time.Duration
	IdleTimeout    time.Duration
	WaitTimeout    time.Duration
	// PingAfter: an idle connection unused for longer is pinged before use,
	// so that a restarted shard's dead connections are dropped, not handed out.
	PingAfter time.Duration
	// Dialer opens connections to the shard; nil: NetDialer (TCP or a
	// unix socket, as the Target says).
	Dialer Dialer
}

// ErrPoolClosed is returned after Close.
var ErrPoolClosed = errors.New("backend pool closed")

// Pool holds connections to one shard. Idle connections are a stack: the
// most recently used is handed out first, so that connections beyond what
// the load needs stay idle and are closed after IdleTimeout (a queue would
// cycle through all of them and keep every one alive), and the shard's
// threads that serve the busy ones stay warm.
type Pool struct {
	target Target
	cfg    PoolConfig
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

	mu   sync.Mutex
	open int     // connections open or being dialled, at most MaxOpen
	idle []*Conn // the stack
	// waiters are the acquirers waiting, oldest first. Each gets a released
	// connection, or nil: a slot freed, which it may dial.
	waiters []chan *Conn

	versionID atomic.Int64 // ServerVersionID
	extMeta   atomic.Int32 // ExtendedMetadata: 0 unknown, 1 yes, 2 no
}

// NewPool creates an empty pool; connections are dialled on demand.
func NewPool(t Target, cfg PoolConfig) *Pool {
	if cfg.MaxOpen <= 0 {
		cfg.MaxOpen = 64
	}
	if cfg.MaxIdle < 0 || cfg.MaxIdle > cfg.MaxOpen {
		cfg.MaxIdle = cfg.MaxOpen
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = 10 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 5 * time.Minute
	}
	if cfg.PingAfter <= 0 {
		cfg.PingAfter = 5 * time.Second
	}
	p := &Pool{
		target: t,
		cfg:    cfg,
		done:   make(chan struct{}),
	}
	p.wg.Add(1)
	go p.reapIdle()
	return p
}

// Shard names the pool's shard.
func (p *Pool) Shard() string { return p.target.Shard }

// Target returns where the pool connects.
func (p *Pool) Target() Target { return p.target }

// Acquire returns a connection for exclusive use until Release.
func (p *Pool) Acquire(ctx context.Context) (*Conn, error) { return p.acquire(ctx, false) }

// AcquireDB returns a connection that can be brought to database db. For a
// session without a database that must be a connection that never selected
// one: MySQL has no way to deselect a database.
func (p *Pool) AcquireDB(ctx context.Context, db string) (*Conn, error) {
	return p.acquire(ctx, db == "")
}

func (p *Pool) acquire(ctx context.Context, noDB bool) (*Conn, error) {
	for {
		c, dialSlot, w, err := p.take()
		if err != nil {
			return nil, err
		}
		if w != nil {
			if c, dialSlot, err = p.wait(ctx, w); err != nil {
				return nil, err
			}
		}
		if dialSlot {
			return p.dial(ctx)
		}
		if noDB && c.db != "" {
			p.discard(c)
			continue
		}
		if c = p.check(ctx, c); c != nil {
			return c, nil
		}
	}
}

// take pops the most recent idle connection, or reserves a slot to dial,
// or queues a waiter when MaxOpen are open.
func (p *Pool) take() (c *Conn, dialSlot bool, w chan *Conn, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed() {
		return nil, false, nil, ErrPoolClosed
	}
	if n := len(p.idle); n > 0 {
		c = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		return c, false, nil, nil
	}
	if p.open < p.cfg.MaxOpen {
		p.open++
		return nil, true, nil, nil
	}
	w = make(chan *Conn, 1)
	p.waiters = append(p.waiters, w)
	return nil, false, w, nil
}

// wait waits for what w is handed: a connection, or a slot to dial.
func (p *Pool) wait(ctx context.Context, w chan *Conn) (*Conn, bool, error) {
	timer := time.NewTimer(p.cfg.WaitTimeout)
	defer timer.Stop()
	var err error
	select {
	case c := <-w:
		return c, c == nil, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = mysql.NewError(mysql.ER_CON_COUNT_ERROR,
			fmt.Sprintf("no free connection to shard %s within %s (backend.max_open=%d in use)", p.target.Shard, p.cfg.WaitTimeout, p.cfg.MaxOpen))
	case <-p.done:
		err = ErrPoolClosed
	}
	if !p.dropWaiter(w) {
		// Handed something as it gave up: pass it on.
		if c := <-w; c != nil {
			p.Release(c)
		} else {
			p.freeSlot()
		}
	}
	return nil, false, err
}

// dropWaiter removes w from the queue; false if it was handed something.
func (p *Pool) dropWaiter(w chan *Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// dial opens a connection in a slot take reserved.
func (p *Pool) dial(ctx context.Context) (*Conn, error) {
	c, err := dial(ctx, p.target, p.cfg.ConnectTimeout, p.cfg.Dialer)
	if err != nil {
		p.freeSlot()
		return nil, err
	}
	p.noteVersion(c)
	p.noteExtMeta(c)
	return c, nil
}

// freeSlot gives up an open connection's slot: to the oldest waiter, which
// may dial, or back to the pool.
func (p *Pool) freeSlot() {
	p.mu.Lock()
	if p.closed() {
		// Waiters end with ErrPoolClosed: none may dial after Close.
		p.open--
		p.mu.Unlock()
		return
	}
	if w := p.popWaiter(); w != nil {
		p.mu.Unlock()
		w <- nil
		return
	}
	p.open--
	p.mu.Unlock()
}

// closed tells whether Close was called.
func (p *Pool) closed() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// popWaiter dequeues the oldest waiter (nil: none); p.mu is held.
func (p *Pool) popWaiter() chan *Conn {
	if len(p.waiters) == 0 {
		return nil
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	return w
}

// check pings a connection that sat idle long enough to have gone stale.
func (p *Pool) check(ctx context.Context, c *Conn) *Conn {
	if time.Since(c.lastUsed) < p.cfg.PingAfter {
		return c
	}
	pctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	defer cancel()
	if err := c.Ping(pctx); err != nil {
		p.discard(c)
		return nil
	}
	return c
}

// Suspect makes every idle connection be pinged before its next use: one
// connection failed, so the shard may have restarted and the others may be
// dead too.
func (p *Pool) Suspect() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		c.lastUsed = time.Time{}
	}
}

// Release returns a connection; broken ones are closed.
func (p *Pool) Release(c *Conn) {
	if c == nil {
		return
	}
	if c.Broken() || c.Dirty() {
		p.discard(c)
		if c.lostIO {
			p.Suspect()
		}
		return
	}
	p.mu.Lock()
	// Stamped under the lock: the stack stays ordered by lastUsed, which
	// takeStale relies on, even when two connections are released at once.
	c.lastUsed = time.Now()
	if p.closed() {
		p.mu.Unlock()
		p.discard(c)
		return
	}
	if w := p.popWaiter(); w != nil {
		p.mu.Unlock()
		w <- c
		return
	}
	if len(p.idle) >= p.cfg.MaxIdle {
		p.mu.Unlock()
		p.discard(c)
		return
	}
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

func (p *Pool) discard(c *Conn) {
	c.close()
	p.freeSlot()
}

// Stats reports open and idle connection counts.
func (p *Pool) Stats() (open, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open, len(p.idle)
}

func (p *Pool) reapIdle() {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.IdleTimeout / 4)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
		}
		for _, c := range p.takeStale() {
			p.discard(c)
		}
	}
}

// takeStale removes the connections idle longer than IdleTimeout: the
// bottom of the stack.
func (p *Pool) takeStale() []*Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for n < len(p.idle) && time.Since(p.idle[n].lastUsed) > p.cfg.IdleTimeout {
		n++
	}
	stale := slices.Clone(p.idle[:n])
	p.idle = append(p.idle[:0], p.idle[n:]...)
	return stale
}

// Close closes idle connections and makes later Acquires fail; connections
// in use are closed when released.
func (p *Pool) Close() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		p.discard(c)
	}
}
