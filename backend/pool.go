package backend

import (
	"context"
	"errors"
	"fmt"
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

// Pool holds connections to one shard.
type Pool struct {
	target Target
	cfg    PoolConfig
	sem    chan struct{} // one token per open connection
	idle   chan *Conn
	done   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup

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
		sem:    make(chan struct{}, cfg.MaxOpen),
		idle:   make(chan *Conn, cfg.MaxOpen),
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
		select {
		case <-p.done:
			return nil, ErrPoolClosed
		default:
		}
		// Warm idle connections first, then a new one, then wait.
		select {
		case c := <-p.idle:
			if noDB && c.db != "" {
				p.discard(c)
				continue
			}
			if c = p.check(ctx, c); c != nil {
				return c, nil
			}
			continue
		default:
		}
		timer := time.NewTimer(p.cfg.WaitTimeout)
		select {
		case c := <-p.idle:
			timer.Stop()
			if noDB && c.db != "" {
				p.discard(c)
				continue
			}
			if c = p.check(ctx, c); c != nil {
				return c, nil
			}
			continue
		case p.sem <- struct{}{}:
			timer.Stop()
			c, err := dial(ctx, p.target, p.cfg.ConnectTimeout, p.cfg.Dialer)
			if err != nil {
				<-p.sem
				return nil, err
			}
			p.noteVersion(c)
			p.noteExtMeta(c)
			return c, nil
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
			return nil, mysql.NewError(mysql.ER_CON_COUNT_ERROR,
				fmt.Sprintf("no free connection to shard %s within %s (backend.max_open=%d in use)", p.target.Shard, p.cfg.WaitTimeout, p.cfg.MaxOpen))
		case <-p.done:
			timer.Stop()
			return nil, ErrPoolClosed
		}
	}
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
	n := len(p.idle)
	for i := 0; i < n; i++ {
		select {
		case c := <-p.idle:
			c.lastUsed = time.Time{}
			select {
			case p.idle <- c:
			default:
				p.discard(c)
			}
		default:
			return
		}
	}
}

// Release returns a connection; broken ones are closed.
func (p *Pool) Release(c *Conn) {
	if c == nil {
		return
	}
	if c.broken || c.Dirty() {
		p.discard(c)
		if c.lostIO {
			p.Suspect()
		}
		return
	}
	c.lastUsed = time.Now()
	select {
	case <-p.done:
		p.discard(c)
		return
	default:
	}
	if len(p.idle) >= p.cfg.MaxIdle {
		p.discard(c)
		return
	}
	select {
	case p.idle <- c:
	default:
		p.discard(c)
	}
}

func (p *Pool) discard(c *Conn) {
	c.close()
	<-p.sem
}

// Stats reports open and idle connection counts.
func (p *Pool) Stats() (open, idle int) { return len(p.sem), len(p.idle) }

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
		n := len(p.idle)
		for i := 0; i < n; i++ {
			select {
			case c := <-p.idle:
				if time.Since(c.lastUsed) > p.cfg.IdleTimeout {
					p.discard(c)
				} else {
					p.idle <- c
				}
			default:
			}
		}
	}
}

// Close closes idle connections and makes later Acquires fail; connections
// in use are closed when released.
func (p *Pool) Close() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
	for {
		select {
		case c := <-p.idle:
			p.discard(c)
		default:
			return
		}
	}
}
