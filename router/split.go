package router

import (
	"regexp"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// SplitStatements cuts a multi-statement query into its statements at the
// semicolons outside string literals, quoted identifiers and comments, as
// the server does. Pieces that hold nothing but white space and comments
// after the last semicolon are dropped; a query without a semicolon is one
// statement. Executable comments (/*! ... */) stay inside their statement.
// A stored program's definition (CREATE PROCEDURE ... BEGIN ...; ...; END)
// has semicolons of its own: it runs to the end of the query. Under
// NO_BACKSLASH_ESCAPES (in mode) a backslash in a string is itself.
func SplitStatements(sql string, mode Mode) []string {
	var out []string
	start := 0
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuotedIn(sql, i, escapesIn(c, mode))
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			i = blockCommentEnd(sql, i)
		case c == '#' || (c == '-' && sqllex.IsDashComment(sql[i:])):
			i = lineEnd(sql, i)
		case c == ';':
			if compoundStart.MatchString(skipCommentsAndSpace(sql[start:i])) {
				return append(out, sql[start:])
			}
			out = append(out, sql[start:i+1])
			start = i + 1
		}
	}
	if rest := sql[start:]; len(out) == 0 || skipCommentsAndSpace(rest) != "" {
		out = append(out, rest)
	}
	return out
}

// lineEnd is the index of the line end after i, where a "#" or "--"
// comment at i stops (the text's end when there is none).
func lineEnd(sql string, i int) int {
	if end := strings.IndexByte(sql[i:], '\n'); end >= 0 {
		return i + end
	}
	return len(sql)
}

// blockCommentEnd is the index of the closing "/" of the comment opening
// ("/*") at i, or the text's end when it is not closed.
func blockCommentEnd(sql string, i int) int {
	if end := strings.Index(sql[i+2:], "*/"); end >= 0 {
		return i + end + 3
	}
	return len(sql)
}

// escapesIn tells whether a backslash escapes inside quotes q under mode:
// never in a backquoted name, nor in a double-quoted one under
// ANSI_QUOTES, nor anywhere under NO_BACKSLASH_ESCAPES.
func escapesIn(q byte, mode Mode) bool {
	return mode&mysql.ModeNoBackslashEscapes == 0 && q != '`' && (q != '"' || mode&mysql.ModeANSIQuotes == 0)
}

// skipQuoted returns the index of the quote that closes the literal or
// identifier opening at i (a doubled quote or, outside backticks, a
// backslash escapes), or the end of sql.
func skipQuoted(sql string, i int) int { return skipQuotedIn(sql, i, true) }

// skipQuotedIn is skipQuoted where escapes says whether a backslash
// escapes (false: NO_BACKSLASH_ESCAPES).
func skipQuotedIn(sql string, i int, escapes bool) int {
	end, ok := sqllex.QuoteEnd(sql, i, escapes && sql[i] != '`')
	if !ok {
		return len(sql)
	}
	return end - 1
}

// compoundStart matches the start of a statement with a body of
// statements: a stored program's definition or an anonymous block.
var compoundStart = regexp.MustCompile(`(?is)^(CREATE\b[^;(]*?\b(PROCEDURE|FUNCTION|TRIGGER|EVENT|PACKAGE)\b|BEGIN\s+NOT\s+ATOMIC\b)`)
