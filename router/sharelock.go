package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// lockShare is the clause a locking read (BindOptions.LockReads) ends with.
const lockShare = " LOCK IN SHARE MODE"

// ShareLocked is sql, a SELECT as the client wrote it, with LOCK IN SHARE
// MODE at its end: the text a single shard runs for a locking read
// (Exec.OwnLocked). The client's text keeps what the router's rendering of
// the tree loses: the names MariaDB gives unaliased expressions (f / 3,
// not `f`/3) and the ? markers, so that a prepared statement stays one on
// the shard, whose binary rows carry every digit of a DOUBLE. ok is false
// when the end is unclear: text other than comments after a semicolon,
// an unclosed string or comment, or a string whose end depends on
// NO_BACKSLASH_ESCAPES.
func ShareLocked(sql string) (string, bool) {
	end, ok := statementEnd(sql, true)
	if other, ok2 := statementEnd(sql, false); !ok || !ok2 || other != end {
		return "", false
	}
	return sql[:end] + lockShare, true
}

// statementEnd is the index after the last character of sql that is not
// white space, a comment or a semicolon; escapes says whether a backslash
// escapes in strings. Executable comments (/*! */, /*M! */) are code.
func statementEnd(sql string, escapes bool) (int, bool) {
	end, semicolon := 0, false
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		case c == ';':
			semicolon = true
			continue
		case c == '#' || (c == '-' && sqllex.IsDashComment(sql[i:])):
			nl := strings.IndexByte(sql[i:], '\n')
			if nl < 0 {
				i = len(sql)
			} else {
				i += nl
			}
			continue
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			close := strings.Index(sql[i+2:], "*/")
			if close < 0 {
				return 0, false
			}
			code := strings.HasPrefix(sql[i:], "/*!") || strings.HasPrefix(sql[i:], "/*M!")
			i += close + 3
			if !code {
				continue
			}
		case c == '\'' || c == '"' || c == '`':
			if i = skipQuotedIn(sql, i, escapes); i == len(sql) {
				return 0, false
			}
		}
		if semicolon {
			return 0, false
		}
		end = i + 1
	}
	return end, end > 0
}
