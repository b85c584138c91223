package router

import (
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// Executable comments: MariaDB runs the text of /*! ... */ and /*M! ... */
// as SQL depending on its version, and the TiDB parser does not (it ignores
// /*M!, always runs /*!, and runs TiDB's own /*T! that MariaDB ignores).
// The router would then plan a statement other than the one a shard runs
// (other rows, an INSERT row on the wrong shard). So the proxy first turns
// the client's text into what MariaDB runs, ExpandExecutableComments, plans
// that text and sends that same text to the shards.
//
// The rules, as MariaDB 10.11's lexer applies them (checked on 10.11.19):
//
//   - "/*!" or "/*M!" (upper-case M only) followed by five digits is a
//     versioned comment; a sixth digit belongs to the version (/*M!1000000
//     is version 100000 followed by "0"). Its text runs when the version is
//     at most the server's; /*! with a version from 50700 to 99999 (MySQL
//     5.7+) never runs, /*M! with such a version does.
//   - "/*!" or "/*M!" followed by anything else (no digits, or fewer than
//     five: /*!1234 runs "1234 ...") always runs.
//   - Inside a running comment the text is ordinary SQL: strings, quoted
//     names, "--" and "#" comments (which can hide the closing "*/"), plain
//     comments, and the first "*/" outside them ends it. A nested running
//     comment is opened too, and the first "*/" ends both.
//   - A comment that does not run ends at the first "*/" (strings are not
//     looked at), allowing one level of nested /* ... */ inside.
//   - The markers of a running comment and the whole of one that does not
//     run vanish from the statement text (column names show "1+1" for
//     "1/*!+1*/"), yet they separate tokens: "1/*!*/2" is two numbers.
//   - An unclosed executable comment is a syntax error.
//
// Plain comments, hints (/*+ ... */, plain comments to MariaDB 10.11) and
// "--"/"#" comments stay as they are: they are part of column names and of
// stored program bodies.

// AssumedServerVersion is the shard version used to decide which versioned
// comments run when no shard connection has told its version yet (MariaDB
// 10.11.0, the version xaproxy is built against): 10.11 point releases
// differ only for /*!1011NN comments, which no known tool writes.
const AssumedServerVersion = 101100

// ExpandExecutableComments returns the text that a MariaDB server of the
// given version (major*10000 + minor*100 + patch: 101106 for 10.11.6) runs for sql: the executable comments
// it runs are opened, those it skips are removed, the rest is unchanged. A
// text without "/*" is returned as it is. The error is MariaDB's syntax
// error for an unclosed executable comment, and a refusal for the one case
// no text can express (a removed marker right after "--" that a blank
// follows).
func ExpandExecutableComments(sql string, version int, mode Mode) (string, error) {
	if !strings.Contains(sql, "/*") {
		return sql, nil
	}
	x := expander{in: sql, version: version, mode: mode}
	if err := x.run(); err != nil {
		return "", err
	}
	return x.out.String(), nil
}

type expander struct {
	in      string
	version int
	mode    Mode // the session's sql_mode: how quotes read
	out     strings.Builder
	open    bool // inside a running executable comment
	gap     bool // something was removed since the last byte written
}

func (x *expander) run() error {
	s := x.in
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			end := skipQuotedIn(s, i, escapesIn(c, x.mode)) + 1
			if end > len(s) {
				end = len(s)
			}
			if err := x.emit(s[i:end]); err != nil {
				return err
			}
			i = end
		case c == '#' || (c == '-' && sqllex.IsDashComment(s[i:])):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			if err := x.emit(s[i : i+end]); err != nil {
				return err
			}
			i += end
		case c == '*' && x.open && strings.HasPrefix(s[i:], "*/"):
			x.open, x.gap = false, true
			i += 2
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			next, err := x.comment(i)
			if err != nil {
				return err
			}
			i = next
		default:
			if err := x.emit(s[i : i+1]); err != nil {
				return err
			}
			i++
		}
	}
	if x.open {
		return errUnclosedComment()
	}
	return nil
}

// comment handles the comment starting at i and returns where scanning
// goes on.
func (x *expander) comment(i int) (int, error) {
	s := x.in
	j := i + 2
	maria := strings.HasPrefix(s[j:], "M!")
	if !maria && !strings.HasPrefix(s[j:], "!") {
		end := strings.Index(s[j:], "*/")
		if end < 0 {
			// MariaDB's syntax error, from the shard.
			return len(s), x.emit(s[i:])
		}
		return j + end + 2, x.emit(s[i : j+end+2])
	}
	j++
	if maria {
		j++
	}
	version, digits := commentVersion(s[j:])
	if digits == 0 || version <= x.version && (maria || version < 50700 || version > 99999) {
		x.open, x.gap = true, true
		return j + digits, nil
	}
	end, ok := skippedCommentEnd(s, j+digits)
	if !ok {
		return 0, errUnclosedComment()
	}
	x.gap = true
	return end, nil
}

// commentVersion reads the version of a versioned comment: five digits and
// an optional sixth; digits is 0 when fewer than five digits follow.
func commentVersion(s string) (version, digits int) {
	for digits < 6 && digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		version = version*10 + int(s[digits]-'0')
		digits++
	}
	if digits < 5 {
		return 0, 0
	}
	return version, digits
}

// skippedCommentEnd finds the end of a versioned comment that does not run,
// from its text at i: the first "*/", one level of /* ... */ nested in it
// skipped. ok is false when it is not closed.
func skippedCommentEnd(s string, i int) (int, bool) {
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return 0, false
			}
			i += 2 + end + 2
		case strings.HasPrefix(s[i:], "*/"):
			return i + 2, true
		default:
			i++
		}
	}
	return 0, false
}

// emit writes text, first separating it from what precedes a removed piece
// when joining them would make other tokens.
func (x *expander) emit(text string) error {
	if x.gap && x.out.Len() > 0 && text != "" {
		x.gap = false
		out := x.out.String()
		prev, next := out[len(out)-1], text[0]
		if prev == '-' && len(out) >= 2 && sqllex.IsDashComment(out[len(out)-2:]+string(next)) {
			// "--/*!*/ 1": two minus signs for MariaDB, a comment once
			// the marker is gone, whatever separator is written.
			return mysql.NewError(mysql.ER_PARSE_ERROR,
				"You have an error in your SQL syntax: xaproxy does not support an executable comment right after '--' with a blank after it; write '- -'")
		}
		if joins(prev, next) {
			x.out.WriteByte(' ')
		}
	}
	x.gap = false
	x.out.WriteString(text)
	return nil
}

// joins tells whether bytes a and b, once adjacent, could lex as one token
// (a longer name or number, a doubled quote, a hex or charset literal, a
// variable, a two-character operator, a comment opener or closer).
func joins(a, b byte) bool {
	switch {
	case sqllex.IsWordByte(a) && (sqllex.IsWordByte(b) || b == '.' || isQuote(b)):
		return true
	case a == '.' && sqllex.IsWordByte(b):
		return true
	case isQuote(a) && a == b:
		return true
	case a == '@' && (sqllex.IsWordByte(b) || b == '@' || isQuote(b)):
		return true
	}
	return strings.IndexByte("<>!|&:-*/=", a) >= 0 && strings.IndexByte("<>=|&-*/", b) >= 0
}

func isQuote(c byte) bool { return c == '\'' || c == '"' || c == '`' }

func isBlankOrControl(c byte) bool { return c <= ' ' }

func errUnclosedComment() error {
	return mysql.NewError(mysql.ER_PARSE_ERROR,
		"You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '' at line 1 (an executable comment /*! ... */ is not closed)")
}

// hideTiDBComments turns TiDB's own executable comments (/*T! ... */),
// plain comments to MariaDB, into plain comments for the TiDB parser too,
// keeping every offset. It expects ExpandExecutableComments' output.
func hideTiDBComments(sql string, mode Mode) string {
	if !strings.Contains(sql, "/*T!") {
		return sql
	}
	b := []byte(sql)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\'' || c == '"' || c == '`':
			i = skipQuotedIn(sql, i, escapesIn(c, mode))
		case c == '#' || (c == '-' && sqllex.IsDashComment(sql[i:])):
			i = lineEnd(sql, i)
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			if strings.HasPrefix(sql[i:], "/*T!") {
				b[i+3] = ' '
			}
			i = blockCommentEnd(sql, i)
		}
	}
	return string(b)
}
