package proxy

import (
	"github.com/go-mysql-org/go-mysql/server"
	"github.com/xaproxy/xaproxy/conf"
)

// authProvider is go-mysql's password check with one case taken out of
// its hands: a client that answers a user with an empty password with a
// non-empty scramble. go-mysql decodes the stored hash of "" there and
// panics (mysql.DecodePasswordHex indexes an empty string; found by
// FuzzSession). The answer is simply wrong, as MariaDB says: 1045.
type authProvider struct {
	server.DefaultAuthenticationProvider
	users map[string]*conf.User
}

func (p *authProvider) Authenticate(c *server.Conn, plugin string, data []byte) error {
	if u := p.users[c.GetUser()]; u != nil && u.Password == "" && !isEmptyAuth(data) {
		return server.ErrAccessDenied
	}
	return p.DefaultAuthenticationProvider.Authenticate(c, plugin, data)
}
