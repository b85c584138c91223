package router

import (
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	tmysql "github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// CheckLexable refuses the texts the proxy's lexers (and the TiDB parser)
// would read otherwise than MariaDB, so that the statement planned would
// not be the one a shard runs: reviews hid calls and whole statements in
// them. clientCharset is the session's character_set_client.
//   - Under ANSI_QUOTES a double-quoted name ends at its next quote, a
//     backslash in it being itself; the parser takes `\"` for an escaped
//     quote.
//   - In big5, cp932, gbk and sjis the second byte of a character may be
//     0x5C (a backslash to a byte-wise lexer) or 0x60 (a backquote).
//   - "--" before a byte above 0x7F: whether MariaDB starts a comment
//     depends on the character set (latin1's 0xA0 and cp1250's 0x80 are
//     blanks, gbk's 0xA0 leads a character), while the parser calls 0x85
//     and 0xA0 blanks in every one.
func CheckLexable(sql string, mode Mode, clientCharset string) error {
	if lead := leadBytes(clientCharset); lead != nil && secondByteQuote(sql, lead) {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"a character whose second byte is 0x5C or 0x60 under character set "+clientCharset+" is not supported by xaproxy (its lexers read the byte as a backslash or a backquote, as MariaDB does not): send the statement in utf8mb4")
	}
	switch lexHazard(sql, mode) {
	case hazardQuotedBackslash:
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"a double-quoted name with a backslash in it under sql_mode ANSI_QUOTES is not supported by xaproxy (its parser reads the backslash as an escape, MariaDB does not): quote the name with backquotes")
	case hazardDashHighByte:
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"'--' followed by a byte above 0x7F is not supported by xaproxy (whether MariaDB reads a comment there depends on the character set): write a space after '--'")
	}
	return nil
}

type hazard int

const (
	hazardNone hazard = iota
	hazardQuotedBackslash
	hazardDashHighByte
)

// lexHazard walks sql as MariaDB lexes it (quotes as mode reads them,
// plain comments skipped, executable ones read as code) and tells the
// first hazard outside strings and comments, or in a double-quoted name.
func lexHazard(sql string, mode Mode) hazard {
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"' || c == '`':
			end := min(skipQuotedIn(sql, i, escapesIn(c, mode)), len(sql))
			if c == '"' && mode&tmysql.ModeANSIQuotes != 0 && strings.IndexByte(sql[i:end], '\\') >= 0 {
				return hazardQuotedBackslash
			}
			i = end
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if i+2 < len(sql) && sql[i+2] > 0x7f {
				return hazardDashHighByte
			}
			if sqllex.IsDashComment(sql[i:]) {
				i = lineEnd(sql, i)
			} else {
				i++
			}
		case c == '#':
			i = lineEnd(sql, i)
		case c == '/' && strings.HasPrefix(sql[i:], "/*") && !strings.HasPrefix(sql[i:], "/*!") && !strings.HasPrefix(sql[i:], "/*M!"):
			i = blockCommentEnd(sql, i)
		}
	}
	return hazardNone
}

// leadBytes tells, for a character set whose characters' second byte may
// be 0x5C or 0x60, the bytes that lead a two-byte character (MariaDB's
// ismbhead); nil for other character sets.
func leadBytes(charset string) func(byte) bool {
	switch strings.ToLower(charset) {
	case "gbk":
		return func(c byte) bool { return c >= 0x81 && c <= 0xfe }
	case "big5":
		return func(c byte) bool { return c >= 0xa1 && c <= 0xf9 }
	case "sjis", "cp932":
		return func(c byte) bool { return c >= 0x81 && c <= 0x9f || c >= 0xe0 && c <= 0xfc }
	}
	return nil
}

// secondByteQuote: walking sql by characters, one of two bytes ends in
// 0x5C or 0x60.
func secondByteQuote(sql string, lead func(byte) bool) bool {
	for i := 0; i+1 < len(sql); i++ {
		if !lead(sql[i]) {
			continue
		}
		if next := sql[i+1]; next == '\\' || next == '`' {
			return true
		} else if next >= 0x40 && next != 0x7f {
			i++ // the character's second byte
		}
	}
	return false
}
