package proxy

import (
	"strings"
	"unicode"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/router"
)

// completion is how a COMMIT or ROLLBACK ends: its own AND CHAIN or
// RELEASE, and the session's completion_type, which MariaDB applies
// unless the statement says AND NO CHAIN or NO RELEASE (the parser reads
// those as no clause at all, so the text tells them apart). MariaDB
// decides chain and release apart and releases last, so a RELEASE from
// completion_type also ends a COMMIT AND CHAIN's session.
func (s *Session) completion(st *router.Statement, c ast.CompletionType) ast.CompletionType {
	v, ok := s.sessionVar("completion_type")
	if !ok || c == ast.CompletionTypeRelease {
		return c
	}
	switch strings.ToUpper(v) {
	case "1", "CHAIN":
		if c == ast.CompletionTypeDefault && !saysNo(st.SQL, "CHAIN") {
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
func saysNo(sql, word string) bool { return hasWords(sql, "NO", word) }

// hasWords tells whether sql has the word first followed by the word
// second, not counting comments (MariaDB ignores a NO CHAIN inside /* */
// or after --).
func hasWords(sql, first, second string) bool {
	prev := ""
	for rest := router.SkipComments(sql); rest != ""; rest = router.SkipComments(rest) {
		n := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) })
		switch {
		case n < 0:
			n = len(rest)
		case n == 0:
			n = 1 // not a word: a comment's start is skipped by SkipComments
		}
		w := rest[:n]
		if strings.EqualFold(prev, first) && strings.EqualFold(w, second) {
			return true
		}
		prev, rest = w, rest[n:]
	}
	return false
}
