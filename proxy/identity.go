package proxy

import (
	"context"
	"net"

	"github.com/xaproxy/xaproxy/router"
)

// The session's identity is the proxy's (docs/session-state.md): its id,
// its user, its client's connection attributes. router/identity.go says how
// statements calling the identity functions are rewritten; here the
// session supplies the values.
//
// USER() is user@client-address as MariaDB gives it with
// skip_name_resolve (no DNS lookups: the address as text). CURRENT_USER()
// is user@%: a proxy user is defined by name alone, like a MariaDB account
// created as 'app'@'%'.

// identity is what the identity functions answer for the session.
func (s *Session) identity() router.Identity {
	host := s.remote
	if h, _, err := net.SplitHostPort(s.remote); err == nil {
		host = h
	}
	return router.Identity{
		ConnID:      s.id,
		User:        s.user + "@" + host,
		CurrentUser: s.user + "@%",
		Attrs:       s.attrs,
		HaveSSL:     s.haveSSL(),
	}
}

// haveSSL is @@have_ssl: whether the frontend serves TLS now (a reload
// can turn it on or off), as MariaDB's says whether it serves TLS.
func (s *Session) haveSSL() string {
	if s.srv.live.Load().certLeaf != nil {
		return "YES"
	}
	return "DISABLED"
}

// rewriteIdentity gives st's identity calls the session's values and
// returns the text to run; the client's text when it calls none.
func (s *Session) rewriteIdentity(st *router.Statement, sql string) (string, error) {
	if st.Identity == 0 {
		return sql, nil
	}
	if st.Kind == router.KindUnparsed {
		return "", errNotSupported("xaproxy cannot parse this statement (%v), and it mentions CONNECTION_ID(), USER(), CURRENT_USER(), @@have_ssl or the connect-attribute tables, whose values are the proxy session's, not a shard connection's", st.ParseErr)
	}
	text, err := router.RewriteIdentity(st, s.identity())
	if err != nil {
		return "", err
	}
	st.SQL = text
	return text, nil
}

// answerConnectAttrs answers a query over the connect-attribute tables
// (router/connattrs.go): column definitions from the client's text run on
// a shard, rows from the same query over the session's attributes.
func (s *Session) answerConnectAttrs(ctx context.Context, st *router.Statement, sql string) error {
	if st.Kind == router.KindUnparsed {
		_, err := s.rewriteIdentity(st, sql)
		return s.writeErr(err)
	}
	text, err := router.RewriteConnectAttrs(st, s.identity())
	if err != nil {
		return s.writeErr(err)
	}
	return s.answerRewritten(ctx, st, sql, text, false)
}
