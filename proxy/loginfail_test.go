package proxy

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// syncBuffer is a log destination the test reads while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// connectFrom is connect from a chosen local address (127.0.0.x).
func connectFrom(addr, local, user, pass string) (*client.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return client.ConnectWithDialer(ctx, "tcp", addr, user, pass, "", d.DialContext)
}

// Failed logins are logged and counted by reason; max_failures of them
// from one address block it (1129, before the greeting) while another
// address logs in; a success resets the count.
func TestLoginThrottleServer(t *testing.T) {
	var log syncBuffer
	srv, addr := startOpsLog(t, opsConfig(t, `[{name: app, password: app-pw}]`,
		`{login_throttle: {max_failures: 3, window: 1m, block_for: 1h}}`), &log)
	const a, b = "127.0.0.2", "127.0.0.3"

	// Two failures, then a success: the count starts again.
	for _, user := range []string{"app", "nobody"} {
		if _, err := connectFrom(addr, a, user, "wrong"); errCode(err) != mysql.ER_ACCESS_DENIED_ERROR {
			t.Fatalf("bad password: %v, want 1045", err)
		}
	}
	c, err := connectFrom(addr, a, "app", "app-pw")
	if err != nil {
		t.Fatalf("good password after 2 failures: %v", err)
	}
	c.Close()
	for i := 0; i < 3; i++ {
		if _, err := connectFrom(addr, a, "app", "wrong"); errCode(err) != mysql.ER_ACCESS_DENIED_ERROR {
			t.Fatalf("bad password %d: %v, want 1045", i+1, err)
		}
	}
	// Now blocked, even with the right password.
	_, err = connectFrom(addr, a, "app", "app-pw")
	if errCode(err) != erHostIsBlocked {
		t.Fatalf("login from a blocked address: %v, want 1129", err)
	}
	me := toMyError(err)
	for _, want := range []string{"Host '127.0.0.2' is blocked because of 3 failed logins within 1m0s", "frontend.login_throttle", "block_for 1h0m0s"} {
		if !strings.Contains(me.Message, want) {
			t.Errorf("1129 message %q lacks %q", me.Message, want)
		}
	}
	// Another address is not affected.
	c, err = connectFrom(addr, b, "app", "app-pw")
	if err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	c.Close()

	out := log.String()
	for _, want := range []string{
		`msg="login failed" user=app remote=127.0.0.2:`, `reason=wrong_password via=handshake failures=1 max_failures=3`,
		`msg="login failed" user=nobody remote=127.0.0.2:`, `reason=unknown_user`,
		`msg="login failed; address blocked by frontend.login_throttle"`, `blocked_for=1h0m0s`,
		`msg="connection refused: address blocked by frontend.login_throttle" remote=127.0.0.2:`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "app-pw") || strings.Contains(out, "wrong") && !strings.Contains(out, "wrong_password") {
		t.Errorf("log shows a password:\n%s", out)
	}
	m := srv.metrics
	if got := counterValue(t, m.loginFailures.WithLabelValues(loginWrongPassword)); got != 4 {
		t.Errorf("wrong_password failures %v, want 4", got)
	}
	if got := counterValue(t, m.loginFailures.WithLabelValues(loginUnknownUser)); got != 1 {
		t.Errorf("unknown_user failures %v, want 1", got)
	}
	if got := counterValue(t, m.loginBlocks); got != 1 {
		t.Errorf("blocks %v, want 1", got)
	}
	if got := counterValue(t, m.refused.WithLabelValues("login_throttle")); got != 1 {
		t.Errorf("refused by the throttle %v, want 1", got)
	}
}

// counterValue reads a counter.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// A flood of failed logins logs at most loginLogPerSecond lines a second;
// the first line logged after some were left out says how many.
func TestLoginLogRateLimited(t *testing.T) {
	var log syncBuffer
	_, addr := startOpsLog(t, opsConfig(t, `[{name: app, password: app-pw}]`, `{login_throttle: {max_failures: 0}}`), &log)
	const n = 25
	for i := 0; i < n; i++ {
		if _, err := connectFrom(addr, "127.0.0.4", "app", "wrong"); errCode(err) != mysql.ER_ACCESS_DENIED_ERROR {
			t.Fatalf("bad password %d: %v", i, err)
		}
	}
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	if _, err := connectFrom(addr, "127.0.0.4", "app", "wrong"); errCode(err) != mysql.ER_ACCESS_DENIED_ERROR {
		t.Fatalf("last bad password: %v", err)
	}
	perSecond := map[string]int{}
	lines, suppressed := 0, 0
	for _, l := range strings.Split(log.String(), "\n") {
		if !strings.Contains(l, `msg="login failed"`) {
			continue
		}
		lines++
		perSecond[l[len("time="):len("time=2006-01-02T15:04:05")]]++
		if i := strings.Index(l, " suppressed="); i >= 0 {
			var k int
			if _, err := fmt.Sscanf(l[i:], " suppressed=%d", &k); err != nil {
				t.Fatal(err)
			}
			suppressed += k
		}
	}
	if lines+suppressed != n+1 {
		t.Errorf("%d lines logged + %d suppressed, want %d failures:\n%s", lines, suppressed, n+1, log.String())
	}
	for sec, k := range perSecond {
		// +1: the limiter reads the clock a moment before slog does, so a
		// line can fall on the other side of a second boundary.
		if k > loginLogPerSecond+1 {
			t.Errorf("%d lines in second %s, at most %d", k, sec, loginLogPerSecond)
		}
	}
}
