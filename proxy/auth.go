package proxy

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
)

// MySQL error codes go-mysql has no constant for.
const (
	erSecureTransportRequired = 3159 // ER_SECURE_TRANSPORT_REQUIRED, HY000
	erQueryTimeout            = 3024 // ER_QUERY_TIMEOUT, HY000
	erStatementTimeout        = 1969 // MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time), 70100
)

// authHandler checks one client against the users of the settings that
// were current when it connected.
type authHandler struct {
	sess *Session
	live *settings
	// unknownUser: the client named no configured user, for the log.
	unknownUser bool
}

// GetCredential returns the configured password and plugin; a client that
// started with another plugin is switched to the user's by the handshake.
func (a *authHandler) GetCredential(username string) (server.Credential, bool, error) {
	u := a.live.users[username]
	if u == nil {
		a.unknownUser = true
		// An unknown user gets the same 1045 as a wrong password, as MySQL
		// does, instead of telling which user names exist.
		return server.Credential{Passwords: []string{unguessable()}, AuthPluginName: mysql.AUTH_NATIVE_PASSWORD}, true, nil
	}
	return server.Credential{Passwords: []string{u.Password}, AuthPluginName: u.AuthPlugin}, true, nil
}

// OnAuthSuccess runs after the password checked out, before the OK packet:
// an error here is sent to the client instead.
func (a *authHandler) OnAuthSuccess(c *server.Conn) error {
	a.sess.srv.loginSucceeded(c.RemoteAddr())
	return a.sess.admit(c, a.live)
}

// OnAuthFailure runs when the handshake failed, before the error packet:
// a wrong password or an unknown user is logged, counted and throttled.
func (a *authHandler) OnAuthFailure(c *server.Conn, err error) {
	if reason := authFailureReason(err, a.unknownUser); reason != "" {
		a.sess.srv.loginFailed(c.RemoteAddr(), c.GetUser(), reason, "handshake", a.live.throttle)
	}
}

func unguessable() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// admit decides whether an authenticated client may have a session: TLS
// when required, the database it named, its user's connection limit. The
// per-user slot is taken last, so that a refusal has nothing to undo.
func (s *Session) admit(c *server.Conn, live *settings) error {
	if live.requireTLS && !isTLS(c) {
		s.srv.metrics.refused.WithLabelValues("insecure_transport").Inc()
		return mysql.NewError(erSecureTransportRequired,
			"Connections using insecure transport are prohibited while xaproxy frontend.tls.require is on: connect with TLS (e.g. --ssl-mode=REQUIRED, tls=true)")
	}
	u := live.users[c.GetUser()]
	if u == nil {
		return mysql.NewDefaultError(mysql.ER_ACCESS_DENIED_ERROR, c.GetUser(), c.RemoteAddr().String(), "YES")
	}
	s.user, s.grant = u.Name, u
	if s.pendingDB != "" {
		if err := s.useDB(s.pendingDB); err != nil {
			s.srv.metrics.refused.WithLabelValues("database").Inc()
			return err
		}
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if u.MaxConnections > 0 && s.srv.userConns[u.Name] >= u.MaxConnections {
		s.srv.metrics.refused.WithLabelValues("user_max_connections").Inc()
		return mysql.NewError(mysql.ER_TOO_MANY_USER_CONNECTIONS, fmt.Sprintf(
			"User '%s' has exceeded the 'max_connections' resource (current value: %d): xaproxy users[].max_connections", u.Name, u.MaxConnections))
	}
	s.srv.userConns[u.Name]++
	s.userSlot = u.Name
	return nil
}

// releaseUserSlot gives back the per-user connection slot taken by admit.
func (s *Session) releaseUserSlot() {
	if s.userSlot == "" {
		return
	}
	s.srv.mu.Lock()
	if s.srv.userConns[s.userSlot]--; s.srv.userConns[s.userSlot] <= 0 {
		delete(s.srv.userConns, s.userSlot)
	}
	s.srv.mu.Unlock()
	s.userSlot = ""
}

// isTLS tells whether the client switched the connection to TLS.
func isTLS(c *server.Conn) bool {
	_, ok := c.Conn.Conn.(*tls.Conn)
	return ok
}

// tlsStateOf is the client's TLS session; nil for a plain connection.
func tlsStateOf(c *server.Conn) *tls.ConnectionState {
	tc, ok := c.Conn.Conn.(*tls.Conn)
	if !ok {
		return nil
	}
	st := tc.ConnectionState()
	return &st
}
