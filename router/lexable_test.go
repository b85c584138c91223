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
	}
	for _, tt := range tests {
		err := CheckLexable(tt.sql, tt.mode, tt.charset)
		if (err != nil) != tt.refused {
			t.Errorf("%q (mode %d, %s): %v, want refused %v", tt.sql, tt.mode, tt.charset, err, tt.refused)
		}
	}
}
