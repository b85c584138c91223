package router

import (
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	tmysql "github.com/pingcap/tidb/pkg/parser/mysql"
)

// CheckLexable refuses the texts the proxy's lexers (and the TiDB parser)
// would read otherwise than MariaDB, so that the statement planned would
// not be the one a shard runs: a review hid calls and whole statements in
// them. clientCharset is the session's character_set_client.
//   - Under ANSI_QUOTES a double-quoted name ends at its next quote, a
//     backslash in it being itself; the parser takes `\"` for an escaped
//     quote.
//   - In big5, cp932, gbk and sjis the second byte of a character may be
//     0x5C (a backslash to a byte-wise lexer) or 0x60 (a backquote).
func CheckLexable(sql string, mode Mode, clientCharset string) error {
	if mode&tmysql.ModeANSIQuotes != 0 && strings.IndexByte(sql, '"') >= 0 && strings.IndexByte(sql, '\\') >= 0 && quotedNameHasBackslash(sql, mode) {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"a double-quoted name with a backslash in it under sql_mode ANSI_QUOTES is not supported by xaproxy (its parser reads the backslash as an escape, MariaDB does not): quote the name with backquotes")
	}
	if asciiBackslashSecondBytes(clientCharset) && secondByteQuote(sql) {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"a character whose second byte is 0x5C or 0x60 under character set "+clientCharset+" is not supported by xaproxy (its lexers read the byte as a backslash or a backquote, as MariaDB does not): send the statement in utf8mb4")
	}
	return nil
}

// quotedNameHasBackslash: a double-quoted token of sql, read as MariaDB
// does, holds a backslash.
func quotedNameHasBackslash(sql string, mode Mode) bool {
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; c {
		case '\'', '"', '`':
			end := skipQuotedIn(sql, i, escapesIn(c, mode))
			if c == '"' && strings.IndexByte(sql[i:min(end, len(sql))], '\\') >= 0 {
				return true
			}
			i = end
		}
	}
	return false
}

// asciiBackslashSecondBytes: the character set has characters whose
// second byte is 0x5C or 0x60.
func asciiBackslashSecondBytes(charset string) bool {
	switch strings.ToLower(charset) {
	case "big5", "cp932", "gbk", "sjis":
		return true
	}
	return false
}

// secondByteQuote: a byte that may lead a two-byte character is followed
// by 0x5C or 0x60 (over-refusing where that byte is itself a second byte).
func secondByteQuote(sql string) bool {
	for i := 0; i+1 < len(sql); i++ {
		if sql[i] >= 0x81 && sql[i] <= 0xfe && (sql[i+1] == '\\' || sql[i+1] == '`') {
			return true
		}
	}
	return false
}
