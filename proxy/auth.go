package proxy

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/server"
	"github.com/xaproxy/xaproxy/conf"
)

// authHandler checks clients against the users in the configuration.
type authHandler struct {
	users *conf.Config
}

// GetCredential returns the configured password and plugin; a client that
// started with another plugin is switched to the user's by the handshake.
func (a *authHandler) GetCredential(username string) (server.Credential, bool, error) {
	u := a.users.User(username)
	if u == nil {
		// An unknown user gets the same 1045 as a wrong password, as MySQL
		// does, instead of telling which user names exist.
		return server.Credential{Passwords: []string{unguessable()}, AuthPluginName: mysql.AUTH_NATIVE_PASSWORD}, true, nil
	}
	return server.Credential{Passwords: []string{u.Password}, AuthPluginName: u.AuthPlugin}, true, nil
}

func (a *authHandler) OnAuthSuccess(*server.Conn) error { return nil }

func (a *authHandler) OnAuthFailure(*server.Conn, error) {}

func unguessable() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
