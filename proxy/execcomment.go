package proxy

import (
	"strings"

	"github.com/xaproxy/xaproxy/router"
)

// expandComments turns the client's text into what the shards run, its
// executable comments (/*! ... */, /*M! ... */) opened or removed by the
// shards' version (router.ExpandExecutableComments): the router plans that
// text and the shards receive it, so that both see the same statement.
func (s *Session) expandComments(sql string) (string, error) {
	if err := s.checkLexable(sql); err != nil {
		return "", err
	}
	if !strings.Contains(sql, "/*") {
		return sql, nil
	}
	return router.ExpandExecutableComments(sql, s.srv.shardVersion(), s.parseMode())
}

// checkLexable refuses a text the proxy would read otherwise than MariaDB
// (router.CheckLexable). Only a text with a backslash, a backquote or
// "--" can be one: the others cost three searches.
func (s *Session) checkLexable(sql string) error {
	if strings.IndexByte(sql, '\\') < 0 && strings.IndexByte(sql, '`') < 0 && !strings.Contains(sql, "--") {
		return nil
	}
	return router.CheckLexable(sql, s.parseMode(), s.vars.ClientCharset())
}

// shardVersion is the version executable comments are compared with: the
// lowest any shard's handshake gave (a comment runs only if every shard
// would run it), or router.AssumedServerVersion (10.11.0) before any
// connection to a shard was made.
func (s *Server) shardVersion() int {
	v := 0
	for _, p := range s.pools {
		if id, ok := p.ServerVersionID(); ok && (v == 0 || id < v) {
			v = id
		}
	}
	if v == 0 {
		return router.AssumedServerVersion
	}
	return v
}

// onlyComments tells a text that held nothing but comments, white space and
// semicolons before its executable comments were expanded (a comment for a
// later version), which MariaDB answers with OK, from an empty query.
func onlyComments(original, expanded string) bool {
	const blank = " \t\r\n;"
	return strings.Trim(expanded, blank) == "" && strings.Trim(original, blank) != ""
}
