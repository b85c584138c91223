package router

import (
	"testing"

	tmysql "github.com/pingcap/tidb/pkg/parser/mysql"
)

func TestCheckLexable(t *testing.T) {
	tests := []struct {
		sql     string
		mode    Mode
		charset string
		refused bool
	}{
		{`SELECT COUNT(*) AS "x\"; UPDATE t SET v = 1; SELECT " -- "`, tmysql.ModeANSIQuotes, "utf8mb4", true},
		{`SELECT COUNT(*) AS "x\" /*M!, f(1) */, 1 AS " -- "`, tmysql.ModeANSIQuotes, "utf8mb4", true},
		{`SELECT COUNT(*) AS "x\"`, 0, "utf8mb4", false}, // a string: escapes as the parser reads it
		{`SELECT 'a\'b' AS "x"`, tmysql.ModeANSIQuotes, "utf8mb4", false},
		{`SELECT "x" FROM t WHERE a = 'b\\c'`, tmysql.ModeANSIQuotes, "utf8mb4", false},
		{"SELECT COUNT(*) AS '\xbf\x5c'; UPDATE t SET v = 1", 0, "gbk", true},
		{"SELECT '\x95\x5c'", 0, "sjis", true},
		{"SELECT '\x95\x60'", 0, "cp932", true},
		{"SELECT '\xbf\x5c'", 0, "utf8mb4", false},
		{"SELECT '\xc3\xa9'", 0, "gbk", false},
		{"SELECT 'plain' FROM t", 0, "big5", false},
		// A third review's cases: a backquoted name ending in a two-byte
		// character (its second byte, then the closing backquote).
		{"SELECT bal AS `\xc3\xfb` FROM t", 0, "gbk", false},
		{"SELECT bal AS `\xa4\xa4` FROM t", 0, "big5", false},
		{"SELECT bal AS `\x93\xfa` FROM t", 0, "sjis", false},
		// sjis's one-byte katakana (0xA1-0xDF) lead nothing.
		{"SELECT '\xb1\x5c'", 0, "sjis", false},
		// Comments: quotes in them are not read, and do not open strings.
		{"SELECT id FROM t -- see \"C:\\data\"\n", tmysql.ModeANSIQuotes, "utf8mb4", false},
		{"SELECT id FROM t # see \"C:\\data\"", tmysql.ModeANSIQuotes, "utf8mb4", false},
		{"SELECT id /* see \"C:\\data\" */ FROM t", tmysql.ModeANSIQuotes, "utf8mb4", false},
		{"SELECT 1 -- it's\n AS \"x\\\", 1 AS \" -- \"\n FROM t", tmysql.ModeANSIQuotes, "utf8mb4", true},
		{"SELECT 1 # it's\n AS \"x\\\", 1 AS \" -- \"\n FROM t", tmysql.ModeANSIQuotes, "utf8mb4", true},
		{"SELECT 1 /* it's */ AS \"x\\\", 1 AS \" -- \"\n FROM t", tmysql.ModeANSIQuotes, "utf8mb4", true},
		// "--" before a byte above 0x7F, outside strings.
		{"UPDATE a AS \xa0\xa1 SET v = 1 WHERE id = 1 --\xa0\xa1.id OR id = 2", 0, "gbk", true},
		{"UPDATE a SET v = 1 WHERE (id = 1 OR id = 2) --\x80 AND id = 1", 0, "cp1250", true},
		{"SELECT 1 --\xc2\xa0 x", 0, "utf8mb4", true},
		{"SELECT 'a--\xc3\xa9'", 0, "utf8mb4", false},
		{"SELECT 1 -- \xc3\xa9", 0, "utf8mb4", false},
	}
	for _, tt := range tests {
		err := CheckLexable(tt.sql, tt.mode, tt.charset)
		if (err != nil) != tt.refused {
			t.Errorf("%q (mode %d, %s): %v, want refused %v", tt.sql, tt.mode, tt.charset, err, tt.refused)
		}
	}
}
