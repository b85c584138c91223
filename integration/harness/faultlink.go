package harness

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// Link is a fault-injecting TCP forwarder: it listens on a free loopback
// port and forwards every connection to a target (e.g. a MariaDB shard), so
// that a test can put one Link between each proxy and each shard and break
// exactly that path:
//
//	l := harness.NewLink(t, shard.Addr())
//	cfg.Shards = append(cfg.Shards, harness.ShardSpec{Name: "s0", DSN: "root@tcp(" + l.Addr() + ")/"})
//	l.SetLatency(200 * time.Millisecond) // every chunk, both directions
//	l.Blackhole()                        // nothing flows, connections stay open
//	l.Heal()                             // held data flows again
//	l.Cut()                              // close everything, refuse new connections
//	l.Reset()                            // RST every connection, keep accepting
//	l.Vanish()                           // FIN to every client, then silence
//
// Why not github.com/Shopify/toxiproxy: it would be a new module dependency
// (plus its HTTP API server or its Go client and their dependencies) for
// four faults that fit in a few hundred lines here; toxiproxy's toxics
// model latency, bandwidth, slicing and timeouts but not "RST every open
// connection now" or "hold everything until told otherwise and then
// deliver it" directly; and a forwarder in the test process is
// controlled synchronously, by method calls that take effect before they
// return, with no admin port to start, poll or leak.
//
// Faults and what the two ends see:
//
//   - SetLatency(d): each chunk read from one side is written to the other
//     no earlier than d after it was read (both directions). 0 removes it.
//   - Cut(): every current connection is closed (FIN on both sides), and
//     until Heal new connections are accepted and reset at once (the
//     client's first read fails with ECONNRESET). The listening socket is
//     kept, so the port cannot be taken by anyone else meanwhile.
//   - Reset(): every current connection is aborted with an RST on both
//     sides (SO_LINGER 0, then close); new connections are forwarded as
//     usual.
//   - Blackhole(): nothing is forwarded, in either direction, on current
//     and new connections, and nothing is closed: like a network partition
//     under TCP, the peers see silence until their own timeouts fire. New
//     connections are accepted but the target is dialed only after Heal.
//     Data read before Heal is delivered after it (TCP would retransmit
//     it), unless an end gave up and closed its connection meanwhile.
//   - Vanish(): a target that closed its connections and then vanished
//     from the network (a container killed with its network namespace):
//     every current connection's target side is closed and its client
//     gets a FIN, and then silence: what the client writes is accepted
//     and never answered, and no reset comes. The link is black-holed
//     meanwhile. Heal resets (RST) the vanished connections, as a host
//     that is back would answer their next segment.
//   - Heal(): ends Cut, Blackhole and Vanish and removes the latency.
//
// Goroutines are bounded: one accept loop plus two per connection, with at
// most MaxLinkConns connections at a time (beyond that, new connections
// are reset at once). Close (also run at the test's cleanup) closes the
// listener and every connection and waits for all goroutines.
type Link struct {
	target string
	ln     net.Listener
	logf   func(format string, args ...any)

	mu       sync.Mutex
	conns    map[*linkConn]struct{}
	latency  time.Duration
	cutting  bool
	gate     chan struct{} // closed while data flows; open (blocks pumps) while black-holed
	closed   bool
	accepted int64
	refused  int64

	wg sync.WaitGroup
}

// MaxLinkConns bounds the connections one Link forwards at a time.
const MaxLinkConns = 512

const (
	linkDialTimeout = 5 * time.Second
	linkBufSize     = 32 << 10
	linkCloseWait   = 10 * time.Second
)

// linkConn is one forwarded connection: the accepted client side and the
// side dialed to the target (nil until dialed).
type linkConn struct {
	client net.Conn

	mu       sync.Mutex
	server   net.Conn
	closed   bool
	vanished bool          // Vanish: the client got a FIN, the target is gone
	done     chan struct{} // closed by close()
}

// NewLink starts a Link to target ("host:port") on a free 127.0.0.1 port.
// It is closed at the end of the test.
func NewLink(t testing.TB, target string) *Link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("harness: link to %s: listen: %v", target, err)
	}
	open := make(chan struct{})
	close(open)
	l := &Link{
		target: target,
		ln:     ln,
		logf:   t.Logf,
		conns:  map[*linkConn]struct{}{},
		gate:   open,
	}
	l.wg.Add(1)
	go l.acceptLoop()
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("harness: %v", err)
		}
	})
	return l
}

// Addr is the address clients connect to: "127.0.0.1:PORT".
func (l *Link) Addr() string { return l.ln.Addr().String() }

// Target is the address the Link forwards to.
func (l *Link) Target() string { return l.target }

// String names the link for messages.
func (l *Link) String() string { return l.Addr() + "->" + l.target }

// SetLatency delays every forwarded chunk by d (0: no delay).
func (l *Link) SetLatency(d time.Duration) {
	l.mu.Lock()
	l.latency = d
	l.mu.Unlock()
}

// Latency is the current added delay.
func (l *Link) Latency() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.latency
}

// Cut closes every current connection and refuses new ones until Heal.
func (l *Link) Cut() {
	l.mu.Lock()
	l.cutting = true
	conns := l.snapshotLocked()
	l.mu.Unlock()
	for _, c := range conns {
		c.close(false)
	}
}

// Reset aborts every current connection with an RST; new connections are
// forwarded as usual.
func (l *Link) Reset() {
	l.mu.Lock()
	conns := l.snapshotLocked()
	l.mu.Unlock()
	for _, c := range conns {
		c.close(true)
	}
}

// Blackhole stops forwarding on every connection, current and new, without
// closing any, until Heal.
func (l *Link) Blackhole() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if isClosed(l.gate) {
		l.gate = make(chan struct{})
	}
}

// Vanish closes every current connection's target side, sends its client
// a FIN and leaves it silent; new connections are held as by Blackhole.
// Until Heal.
func (l *Link) Vanish() {
	l.mu.Lock()
	if isClosed(l.gate) {
		l.gate = make(chan struct{})
	}
	conns := l.snapshotLocked()
	l.mu.Unlock()
	for _, c := range conns {
		c.vanish()
	}
}

// Heal ends Cut, Blackhole and Vanish and removes the latency.
func (l *Link) Heal() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		if c.isVanished() {
			c.close(true)
		}
	}
	l.cutting = false
	l.latency = 0
	if !isClosed(l.gate) {
		close(l.gate)
	}
}

// Faulty reports whether a fault is in effect (cut, black-holed or delayed).
func (l *Link) Faulty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cutting || l.latency > 0 || !isClosed(l.gate)
}

// Active is the number of connections currently held or forwarded.
func (l *Link) Active() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// Stats returns how many connections were accepted for forwarding and how
// many were refused (reset at once: Cut, or MaxLinkConns reached).
func (l *Link) Stats() (accepted, refused int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted, l.refused
}

// Close stops the Link: the listener and every connection are closed and
// its goroutines waited for (up to 10 s; an error says if they did not end).
// Calling it again is harmless.
func (l *Link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	conns := l.snapshotLocked()
	l.mu.Unlock()
	_ = l.ln.Close()
	for _, c := range conns {
		c.close(false)
	}
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(linkCloseWait):
		return fmt.Errorf("link %s: goroutines still running %s after Close", l, linkCloseWait)
	}
}

func (l *Link) snapshotLocked() []*linkConn {
	out := make([]*linkConn, 0, len(l.conns))
	for c := range l.conns {
		out = append(out, c)
	}
	return out
}

func (l *Link) acceptLoop() {
	defer l.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			l.mu.Lock()
			closed := l.closed
			l.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and the like: back off instead of spinning.
			l.logf("harness: link %s: accept: %v", l, err)
			time.Sleep(backoff)
			if backoff < time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = 5 * time.Millisecond
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			_ = nc.Close()
			return
		}
		if l.cutting || len(l.conns) >= MaxLinkConns {
			l.refused++
			l.mu.Unlock()
			abort(nc)
			continue
		}
		c := &linkConn{client: nc, done: make(chan struct{})}
		l.conns[c] = struct{}{}
		l.accepted++
		l.wg.Add(1)
		l.mu.Unlock()
		go l.serve(c)
	}
}

// serve dials the target (once the link is not black-holed) and forwards
// both directions until either side closes or a fault closes the pair.
func (l *Link) serve(c *linkConn) {
	defer l.wg.Done()
	defer func() {
		if c.isVanished() {
			<-c.done // silent until Heal or Close
		}
		c.close(false)
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
	}()
	if !l.waitFlowing(c) {
		return
	}
	sc, err := net.DialTimeout("tcp", l.target, linkDialTimeout)
	if err != nil {
		// The target is down: the client sees its connection reset, as it
		// would see a refused connection without the link.
		c.close(true)
		return
	}
	if !c.setServer(sc) {
		_ = sc.Close()
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.pump(c, c.client, sc) // target -> client
	}()
	l.pump(c, sc, c.client) // client -> target
}

// pump copies src to dst chunk by chunk, honouring Blackhole and the
// latency; on EOF or an error it closes the pair (MySQL has no use for
// half-closed connections).
func (l *Link) pump(c *linkConn, dst, src net.Conn) {
	buf := make([]byte, linkBufSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			readAt := time.Now()
			if !l.waitFlowing(c) {
				return
			}
			if d := l.Latency(); d > 0 {
				if wait := time.Until(readAt.Add(d)); wait > 0 {
					tm := time.NewTimer(wait)
					select {
					case <-tm.C:
					case <-c.done:
						tm.Stop()
						return
					}
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				c.closeUnlessVanished()
				return
			}
		}
		if err != nil {
			c.closeUnlessVanished()
			return
		}
	}
}

// waitFlowing blocks while the link is black-holed; false if the
// connection was closed meanwhile.
func (l *Link) waitFlowing(c *linkConn) bool {
	l.mu.Lock()
	gate := l.gate
	l.mu.Unlock()
	select {
	case <-gate:
		// A Blackhole right after this applies from the next chunk on.
		return true
	case <-c.done:
		return false
	}
}

func (c *linkConn) setServer(sc net.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.vanished { // vanished while dialing: the target is gone
		return false
	}
	c.server = sc
	return true
}

// vanish closes the target side and half-closes the client's: the client
// reads EOF, and what it writes stays unanswered.
func (c *linkConn) vanish() {
	c.mu.Lock()
	if c.closed || c.vanished {
		c.mu.Unlock()
		return
	}
	c.vanished = true
	sc := c.server
	c.mu.Unlock()
	if sc != nil {
		_ = sc.Close()
	}
	if tc, ok := c.client.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

func (c *linkConn) isVanished() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.vanished
}

// closeUnlessVanished ends a pump: the pair is closed, except a vanished
// one, whose client must see nothing more until Heal or Close.
func (c *linkConn) closeUnlessVanished() {
	if !c.isVanished() {
		c.close(false)
	}
}

// close closes both sides once; rst aborts them with an RST instead of a
// FIN.
func (c *linkConn) close(rst bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	sc := c.server
	close(c.done)
	c.mu.Unlock()
	if rst {
		abort(c.client)
		if sc != nil {
			abort(sc)
		}
		return
	}
	_ = c.client.Close()
	if sc != nil {
		_ = sc.Close()
	}
}

// abort closes a TCP connection with an RST (SO_LINGER 0).
func abort(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = nc.Close()
}
