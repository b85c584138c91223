package proxy

import (
	"net"
	"sync"
	"time"

	"github.com/xaproxy/xaproxy/conf"
)

// throttleLimits are frontend.login_throttle, taken from the settings
// current when a client connected.
type throttleLimits struct {
	maxFailures int // 0: no throttle
	window      time.Duration
	blockFor    time.Duration
	maxHosts    int
}

func newThrottleLimits(l conf.LoginThrottle) throttleLimits {
	return throttleLimits{maxFailures: l.MaxFailures, window: l.Window.Duration, blockFor: l.BlockFor.Duration, maxHosts: l.MaxHosts}
}

// loginThrottle counts failed logins per client address and blocks an
// address that fails too often, like MariaDB's host cache with
// max_connect_errors, except that a block ends by itself. It holds at most
// maxHosts addresses, so that a flood of addresses cannot exhaust memory.
// Times are passed in: the caller reads the clock.
type loginThrottle struct {
	mu    sync.Mutex
	hosts map[string]*hostLogins
}

// hostLogins is one address's recent failures.
type hostLogins struct {
	failures int       // in the window that started at since
	since    time.Time // first failure of the window
	last     time.Time // latest failure, for eviction
	// blockedUntil is when a block ends; zero: not blocked.
	blockedUntil time.Time
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{hosts: map[string]*hostLogins{}}
}

// blocked tells whether host is blocked at now, until when, and after how
// many failures. A block that has ended is forgotten with its failures.
func (t *loginThrottle) blocked(host string, now time.Time) (until time.Time, failures int, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hosts[host]
	switch {
	case h == nil || h.blockedUntil.IsZero():
		return time.Time{}, 0, false
	case !now.Before(h.blockedUntil):
		delete(t.hosts, host)
		return time.Time{}, 0, false
	}
	return h.blockedUntil, h.failures, true
}

// failed records a failed login from host at now. It returns the
// failures counted in the current window and, when this one blocked the
// host, the end of the block. Failures of logins that started before the
// block (still in flight) are counted but do not extend it.
func (t *loginThrottle) failed(host string, now time.Time, lim throttleLimits) (failures int, blockedUntil time.Time) {
	if lim.maxFailures <= 0 {
		return 0, time.Time{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hosts[host]
	if h == nil {
		t.makeRoom(now, lim)
		h = &hostLogins{since: now}
		t.hosts[host] = h
	}
	h.last = now
	if !h.blockedUntil.IsZero() {
		h.failures++
		return h.failures, time.Time{}
	}
	if now.Sub(h.since) > lim.window {
		h.failures, h.since = 0, now
	}
	h.failures++
	if h.failures >= lim.maxFailures {
		h.blockedUntil = now.Add(lim.blockFor)
		return h.failures, h.blockedUntil
	}
	return h.failures, time.Time{}
}

// succeeded forgets host's failures, as a successful login does in
// MariaDB. A blocked host cannot log in, so this never lifts a block.
func (t *loginThrottle) succeeded(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.hosts[host]; h != nil && h.blockedUntil.IsZero() {
		delete(t.hosts, host)
	}
}

// makeRoom drops entries until one more fits under lim.maxHosts: first
// those whose window and block are over, then the one whose latest failure
// is oldest. Called with t.mu held.
func (t *loginThrottle) makeRoom(now time.Time, lim throttleLimits) {
	if len(t.hosts) < lim.maxHosts {
		return
	}
	for k, h := range t.hosts {
		if now.Sub(h.since) > lim.window && !now.Before(h.blockedUntil) {
			delete(t.hosts, k)
		}
	}
	for len(t.hosts) >= lim.maxHosts {
		oldest := ""
		for k, h := range t.hosts {
			if oldest == "" || h.last.Before(t.hosts[oldest].last) {
				oldest = k
			}
		}
		delete(t.hosts, oldest)
	}
}

// size is the number of addresses tracked.
func (t *loginThrottle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.hosts)
}

// hostKey is what the throttle counts failures by: the client's IP
// address, the port left out, and for IPv6 its /64 network, which one
// machine usually holds whole.
func hostKey(a net.Addr) string {
	if ca, ok := a.(clientAddr); ok {
		a = ca.TCPAddr
	}
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	n := net.IPNet{IP: ta.IP.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}
	return n.String()
}
