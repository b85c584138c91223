package proxy

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/router"
)

// completion is how a COMMIT or ROLLBACK ends: its own AND CHAIN or
// RELEASE, or else the session's completion_type, which MariaDB applies
// unless the statement says AND NO CHAIN or NO RELEASE. The parser reads
// those as no clause at all, so the text tells them apart.
func (s *Session) completion(st *router.Statement, c ast.CompletionType) ast.CompletionType {
	if c != ast.CompletionTypeDefault {
		return c
	}
	v, ok := s.vars.Get("@@session.completion_type")
	if !ok {
		return c
	}
	switch strings.ToUpper(strings.Trim(v, "'")) {
	case "1", "CHAIN":
		if !saysNo(st.SQL, "CHAIN") {
			return ast.CompletionTypeChain
		}
	case "2", "RELEASE":
		if !saysNo(st.SQL, "RELEASE") {
			return ast.CompletionTypeRelease
		}
	}
	return c
}

// saysNo tells whether a COMMIT or ROLLBACK has the words NO word.
func saysNo(sql, word string) bool {
	f := strings.Fields(strings.ToUpper(strings.ReplaceAll(sql, ";", " ")))
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "NO" && f[i+1] == word {
			return true
		}
	}
	return false
}
