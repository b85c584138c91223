package proxy

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

// Failed logins are logged, counted (xaproxy_login_failures_total) and fed
// to the throttle (loginthrottle.go); logins from a blocked address are
// refused before the greeting with 1129, as MariaDB refuses a host blocked
// by max_connect_errors.

// Reasons a login failed, the label of xaproxy_login_failures_total. The
// client gets the same 1045 for both.
const (
	loginWrongPassword = "wrong_password"
	loginUnknownUser   = "unknown_user"
)

// loginLogPerSecond bounds the log lines about failed and refused logins,
// so that a password-guessing flood cannot flood the log too.
const loginLogPerSecond = 10

// erHostIsBlocked is MariaDB's ER_HOST_IS_BLOCKED (SQLSTATE HY000).
const erHostIsBlocked = 1129

// logLimiter lets at most perSecond lines through in each second of the
// clock and counts the others, reported with the next line let through.
type logLimiter struct {
	perSecond int

	mu         sync.Mutex
	second     int64 // Unix second of lines
	lines      int
	suppressed int
}

// allow tells whether a line may be logged at now and, if so, how many
// were suppressed since the last one logged.
func (l *logLimiter) allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec := now.Unix(); sec != l.second {
		l.second, l.lines = sec, 0
	}
	if l.lines >= l.perSecond {
		l.suppressed++
		return false, 0
	}
	l.lines++
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}

// logLogin logs a line about a login through the limiter.
func (s *Server) logLogin(now time.Time, msg string, attrs ...any) {
	ok, suppressed := s.loginLog.allow(now)
	if !ok {
		return
	}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	s.log.Warn(msg, attrs...)
}

// loginFailed records a failed login of user from remote (handshake or
// COM_CHANGE_USER, named by via) under the throttle limits lim.
func (s *Server) loginFailed(remote net.Addr, user, reason, via string, lim throttleLimits) {
	now := time.Now()
	s.metrics.loginFailures.WithLabelValues(reason).Inc()
	failures, until := s.logins.failed(hostKey(remote), now, lim)
	attrs := []any{"user", user, "remote", fullAddr(remote), "reason", reason, "via", via}
	if lim.maxFailures > 0 {
		attrs = append(attrs, "failures", failures, "max_failures", lim.maxFailures)
	}
	if !until.IsZero() {
		s.metrics.loginBlocks.Inc()
		s.logLogin(now, "login failed; address blocked by frontend.login_throttle", append(attrs, "blocked_for", lim.blockFor.String())...)
		return
	}
	s.logLogin(now, "login failed", attrs...)
}

// loginSucceeded forgets remote's failures: the password was right.
func (s *Server) loginSucceeded(remote net.Addr) { s.logins.succeeded(hostKey(remote)) }

// loginBlocked returns the 1129 error for a client whose address is
// blocked, or nil.
func (s *Server) loginBlocked(remote net.Addr, lim throttleLimits) error {
	host := hostKey(remote)
	now := time.Now()
	until, failures, blocked := s.logins.blocked(host, now)
	if !blocked {
		return nil
	}
	s.metrics.refused.WithLabelValues("login_throttle").Inc()
	left := until.Sub(now).Round(time.Second)
	s.logLogin(now, "connection refused: address blocked by frontend.login_throttle", "remote", remote.String(), "failures", failures, "remaining", left.String())
	return mysql.NewError(erHostIsBlocked, fmt.Sprintf(
		"Host '%s' is blocked because of %d failed logins within %s: xaproxy frontend.login_throttle refuses its connections for %s more (block_for %s)",
		host, failures, lim.window, max(left, time.Second), lim.blockFor))
}

// authFailureReason classifies the error a handshake failed with: a
// reason for a failed login (1045), or "" for anything else (a client
// that left, a malformed packet, a TLS error), which is not a guess at a
// password and is not throttled.
func authFailureReason(err error, unknownUser bool) string {
	var me *mysql.MyError
	denied := errors.Is(err, server.ErrAccessDenied) || (errors.As(err, &me) && me.Code == mysql.ER_ACCESS_DENIED_ERROR)
	if !denied {
		return ""
	}
	if unknownUser {
		return loginUnknownUser
	}
	return loginWrongPassword
}

// changeUserAuthed records the outcome of COM_CHANGE_USER's
// authentication (refused: its error, nil when the password was right)
// like a login's. A blocked address is not checked here: its sessions
// began before the block, and MariaDB's three failures per connection
// with a pause each (changeuser.go) bound guessing on them.
func (s *Session) changeUserAuthed(user string, refused error) {
	live := s.srv.live.Load()
	if refused == nil {
		s.srv.loginSucceeded(s.nc.RemoteAddr())
		return
	}
	if reason := authFailureReason(refused, live.users[user] == nil); reason != "" {
		s.srv.loginFailed(s.nc.RemoteAddr(), user, reason, "change_user", live.throttle)
	}
}

// newLoginLog is the limiter of login log lines.
func newLoginLog() *logLimiter { return &logLimiter{perSecond: loginLogPerSecond} }
