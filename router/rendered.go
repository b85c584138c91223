package router

import (
	"regexp"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// CheckRenderedText refuses SQL the proxy wrote for a shard (a statement
// rewritten for several shards, prepared parameters inlined) that the
// shard would read otherwise than the client's statement:
//   - under a client character set whose characters may end in 0x5C or
//     0x60 (gbk, big5, sjis, cp932), a parameter's string is escaped byte
//     by byte, so the 0x5C ending a character is doubled and the shard
//     reads the character, then a backslash escape: other bytes stored,
//     or a quote that ends the string early;
//   - the parser drops a _utf8mb4 introducer when it writes a literal
//     back (utf8mb4 is its default): _utf8mb4 X'C3A9' becomes a binary
//     string, and _utf8mb4'é' a string in the client's character set;
//   - it writes a bit literal without its leading zero bits, and MariaDB
//     sizes a bit literal by its bits: b'000000001' (0x0001) becomes
//     b'1' (0x01), one byte stored for two; and a 0x literal whose first
//     byte is 00 is written x'00..', which MariaDB reads as a string
//     where 0x0041 is the number 65 (hexliteral.go).
//
// sql is the client's statement, rendered a text the proxy wrote from it.
func CheckRenderedText(sql, rendered, clientCharset string) error {
	if lead := leadBytes(clientCharset); lead != nil && secondByteQuote(rendered, lead) {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"a string with a character whose second byte is 0x5C or 0x60 under character set "+clientCharset+" is not supported by xaproxy in a statement it rewrites for its shards (a prepared statement's parameter, a statement over several shards): its rewriting would escape that byte as a backslash; send the statement in utf8mb4")
	}
	if lostIntroducer(sql, rendered, clientCharset) {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"a _utf8mb4 introducer is not supported by xaproxy in a statement it rewrites for its shards (over several shards, or with a hex or bit literal), where it cannot keep it: write the literal without it in a utf8mb4 session (SET NAMES utf8mb4), or use CONVERT(... USING utf8mb4)")
	}
	if lit, ok := lossyBinaryLiteral(sql); ok {
		return mysql.NewError(mysql.ER_NOT_SUPPORTED_YET,
			"the literal "+lit+" is not supported by xaproxy in a statement it rewrites for its shards (over several shards, or with a prepared parameter): written back, a bit literal loses its leading zero bytes and a 0x literal starting with a 00 byte reads as a string; write bytes as X'...' and numbers in decimal")
	}
	return nil
}

// lossyBinaryLiteral finds a bit literal (b'..', 0b..) with a leading
// zero byte, or a 0x literal whose first byte is 00: literals the parser
// writes back otherwise than MariaDB reads them (CheckRenderedText).
func lossyBinaryLiteral(sql string) (string, bool) {
	if !strings.ContainsAny(sql, "bBx") {
		return "", false
	}
	toks := sqllex.Tokens(sql, sqllex.Mode{}, 0)
	for i, t := range toks {
		if t.Kind != sqllex.Word {
			continue
		}
		switch {
		case (t.Text == "b" || t.Text == "B") && i+1 < len(toks) && toks[i+1].Kind == sqllex.String && t.End < len(sql) && sql[t.End] == '\'':
			if bitsLoseByte(toks[i+1].Text) {
				return t.Text + "'" + toks[i+1].Text + "'", true
			}
		case strings.HasPrefix(t.Text, "0b"):
			if bitsLoseByte(t.Text[2:]) {
				return t.Text, true
			}
		case strings.HasPrefix(t.Text, "0x") && len(t.Text) > 2:
			// MariaDB pads an odd count of digits with a leading 0.
			digits := t.Text[2:]
			if len(digits)%2 == 1 {
				digits = "0" + digits
			}
			if strings.HasPrefix(digits, "00") && isHexDigits(digits) {
				return t.Text, true
			}
		}
	}
	return "", false
}

// bitsLoseByte tells whether the bit string bits takes more bytes than it
// does without its leading zero bits.
func bitsLoseByte(bits string) bool {
	if strings.Trim(bits, "01") != "" {
		return false
	}
	kept := max(1, len(strings.TrimLeft(bits, "0")))
	return (len(bits)+7)/8 > (kept+7)/8
}

func isHexDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// utf8mb4Introducer finds a _utf8mb4 introducer and the start of its
// literal (a quote, or a hex or bit literal).
var utf8mb4Introducer = regexp.MustCompile(`(?i)(?:^|[^0-9a-z_$])_utf8mb4\s*(x'|0x|b'|0b|'|")`)

// lostIntroducer tells whether rendered lost a _utf8mb4 introducer of sql
// that says what its literal is: before a hex or bit literal always (it
// makes a string of bytes one of characters), before a quoted string
// unless the client's character set is utf8mb4 itself.
func lostIntroducer(sql, rendered, clientCharset string) bool {
	if !hasFold(sql, "_utf8mb4") {
		return false
	}
	matters := false
	for _, m := range utf8mb4Introducer.FindAllStringSubmatch(sql, -1) {
		quoted := m[1] == "'" || m[1] == `"`
		if !quoted || !strings.EqualFold(clientCharset, "utf8mb4") && clientCharset != "" {
			matters = true
		}
	}
	return matters && len(utf8mb4Introducer.FindAllStringIndex(rendered, -1)) < len(utf8mb4Introducer.FindAllStringIndex(sql, -1))
}

// hasFold: s holds word in any letter case (word in lower case).
func hasFold(s, word string) bool {
	for i := strings.IndexByte(s, word[0]); i >= 0 && i+len(word) <= len(s); {
		if strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
		j := strings.IndexByte(s[i+1:], word[0])
		if j < 0 {
			break
		}
		i += j + 1
	}
	return false
}
