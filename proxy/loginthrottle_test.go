package proxy

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

func TestLoginThrottle(t *testing.T) {
	lim := throttleLimits{maxFailures: 3, window: time.Minute, blockFor: 5 * time.Minute, maxHosts: 100}
	t0 := time.Unix(1_000_000, 0)
	type step struct {
		at   time.Duration // after t0
		op   string        // fail, ok, check
		host string
		// fail: the failures counted; fail and check: blocked after it
		want    int
		blocked bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"blocked at the third failure", []step{
			{0, "fail", "a", 1, false}, {time.Second, "fail", "a", 2, false}, {2 * time.Second, "fail", "a", 3, true},
			{3 * time.Second, "check", "a", 0, true},
		}},
		{"other addresses unaffected", []step{
			{0, "fail", "a", 1, false}, {0, "fail", "a", 2, false}, {0, "fail", "a", 3, true},
			{0, "check", "b", 0, false}, {0, "fail", "b", 1, false},
		}},
		{"the block ends after block_for and starts a new count", []step{
			{0, "fail", "a", 1, false}, {0, "fail", "a", 2, false}, {0, "fail", "a", 3, true},
			{5*time.Minute - time.Second, "check", "a", 0, true},
			{5 * time.Minute, "check", "a", 0, false},
			{5 * time.Minute, "fail", "a", 1, false},
		}},
		{"failures older than the window are forgotten", []step{
			{0, "fail", "a", 1, false}, {time.Second, "fail", "a", 2, false},
			{time.Minute + time.Second, "fail", "a", 1, false}, {time.Minute + 2*time.Second, "fail", "a", 2, false},
			{time.Minute + 3*time.Second, "check", "a", 0, false},
		}},
		{"a successful login resets the count", []step{
			{0, "fail", "a", 1, false}, {0, "fail", "a", 2, false}, {0, "ok", "a", 0, false},
			{0, "fail", "a", 1, false}, {0, "fail", "a", 2, false}, {0, "check", "a", 0, false},
		}},
		{"a login in flight at the block neither lifts nor extends it", []step{
			{0, "fail", "a", 1, false}, {0, "fail", "a", 2, false}, {0, "fail", "a", 3, true},
			{time.Minute, "ok", "a", 0, true}, {time.Minute, "fail", "a", 4, true},
			{5 * time.Minute, "check", "a", 0, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := newLoginThrottle()
			for i, s := range tt.steps {
				now := t0.Add(s.at)
				switch s.op {
				case "fail":
					n, _ := th.failed(s.host, now, lim)
					if n != s.want {
						t.Fatalf("step %d: %d failures, want %d", i, n, s.want)
					}
				case "ok":
					th.succeeded(s.host)
				}
				if s.op != "ok" || s.blocked {
					until, _, blocked := th.blocked(s.host, now)
					if blocked != s.blocked {
						t.Fatalf("step %d (%s %s at %v): blocked %v (until %v), want %v", i, s.op, s.host, s.at, blocked, until, s.blocked)
					}
				}
			}
		})
	}
}

func TestLoginThrottleBlockEnd(t *testing.T) {
	lim := throttleLimits{maxFailures: 2, window: time.Minute, blockFor: time.Hour, maxHosts: 10}
	th := newLoginThrottle()
	t0 := time.Unix(1_000_000, 0)
	if _, until := th.failed("a", t0, lim); !until.IsZero() {
		t.Fatalf("blocked at the first failure")
	}
	_, until := th.failed("a", t0.Add(time.Second), lim)
	if want := t0.Add(time.Second + time.Hour); !until.Equal(want) {
		t.Fatalf("blocked until %v, want %v", until, want)
	}
	if got, failures, _ := th.blocked("a", t0.Add(time.Minute)); !got.Equal(until) || failures != 2 {
		t.Errorf("blocked() = %v after %d failures, want %v after 2", got, failures, until)
	}
}

func TestLoginThrottleOff(t *testing.T) {
	th := newLoginThrottle()
	lim := throttleLimits{maxFailures: 0, window: time.Minute, blockFor: time.Minute, maxHosts: 10}
	for i := 0; i < 100; i++ {
		th.failed("a", time.Unix(0, 0), lim)
	}
	if _, _, blocked := th.blocked("a", time.Unix(0, 0)); blocked || th.size() != 0 {
		t.Errorf("max_failures 0 blocked or tracked: blocked %v, %d hosts", blocked, th.size())
	}
}

// The number of addresses tracked stays under max_hosts: ended windows go
// first, then the address whose latest failure is oldest; blocks survive
// while there are older failures to drop.
func TestLoginThrottleMaxHosts(t *testing.T) {
	lim := throttleLimits{maxFailures: 2, window: time.Minute, blockFor: time.Hour, maxHosts: 3}
	th := newLoginThrottle()
	t0 := time.Unix(1_000_000, 0)
	th.failed("blocked", t0, lim)
	th.failed("blocked", t0, lim)
	for i := 0; i < 1000; i++ {
		th.failed(fmt.Sprintf("h%d", i), t0.Add(time.Duration(i+1)*time.Millisecond), lim)
		if n := th.size(); n > lim.maxHosts {
			t.Fatalf("%d hosts tracked, max %d", n, lim.maxHosts)
		}
	}
	// "blocked" had the oldest failure, so it went first.
	if _, _, b := th.blocked("blocked", t0.Add(time.Second)); b {
		t.Errorf("the oldest entry survived 1000 newer addresses")
	}
	// Expired windows make room before anything recent is dropped.
	th2 := newLoginThrottle()
	th2.failed("old", t0, lim)
	th2.failed("blocked", t0.Add(time.Second), lim)
	th2.failed("blocked", t0.Add(time.Second), lim)
	th2.failed("recent", t0.Add(2*time.Minute), lim)
	th2.failed("new", t0.Add(2*time.Minute), lim)
	if _, _, b := th2.blocked("blocked", t0.Add(2*time.Minute)); !b {
		t.Errorf("a blocked address was dropped while an expired one was tracked")
	}
	if th2.size() != 3 {
		t.Errorf("%d hosts, want 3", th2.size())
	}
}

func TestHostKey(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.2"), Port: 5555}, "127.0.0.2"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.0.0.1"), Port: 1}, "10.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:3:4:5:6"), Port: 1}, "2001:db8:1:2::/64"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:ffff::1"), Port: 2}, "2001:db8:1:2::/64"},
		{&net.UnixAddr{Name: "/tmp/x.sock", Net: "unix"}, "/tmp/x.sock"},
	}
	for _, tt := range tests {
		if got := hostKey(tt.addr); got != tt.want {
			t.Errorf("hostKey(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestLogLimiter(t *testing.T) {
	l := &logLimiter{perSecond: 3}
	t0 := time.Unix(1_000_000, 0)
	var got []string
	for i := 0; i < 10; i++ {
		ok, sup := l.allow(t0.Add(time.Duration(i) * 50 * time.Millisecond))
		got = append(got, fmt.Sprint(ok, sup))
	}
	ok, sup := l.allow(t0.Add(1100 * time.Millisecond))
	got = append(got, fmt.Sprint(ok, sup))
	want := "[true 0 true 0 true 0 false 0 false 0 false 0 false 0 false 0 false 0 false 0 true 7]"
	if fmt.Sprint(got) != want {
		t.Errorf("allow() = %v, want %v", got, want)
	}
}

func TestAuthFailureReason(t *testing.T) {
	denied := mysql.NewDefaultError(mysql.ER_ACCESS_DENIED_ERROR, "u", "h", "YES")
	tests := []struct {
		name    string
		err     error
		unknown bool
		want    string
	}{
		{"wrong password", denied, false, loginWrongPassword},
		{"unknown user", denied, true, loginUnknownUser},
		{"wrapped", fmt.Errorf("x: %w", denied), false, loginWrongPassword},
		{"client left", errors.New("EOF"), false, ""},
		{"malformed", mysql.NewDefaultError(mysql.ER_HANDSHAKE_ERROR), true, ""},
		{"go-mysql's own, unconverted", server.ErrAccessDenied, false, loginWrongPassword},
	}
	for _, tt := range tests {
		if got := authFailureReason(tt.err, tt.unknown); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A session's address is written as its host (clientAddr); the throttle
// keys it as the plain address.
func TestHostKeyOfClientAddr(t *testing.T) {
	ta := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 50123}
	if got, want := hostKey(clientAddr{ta}), hostKey(ta); got != want {
		t.Errorf("hostKey(clientAddr) = %q, want %q", got, want)
	}
	if got := (clientAddr{ta}).String(); got != "192.0.2.7" {
		t.Errorf("clientAddr text %q, want the host", got)
	}
	if got := fullAddr(clientAddr{ta}); got != "192.0.2.7:50123" {
		t.Errorf("fullAddr %q, want host and port", got)
	}
	if got := clientHost("[::1]:3306"); got != "::1" {
		t.Errorf("clientHost %q", got)
	}
}
