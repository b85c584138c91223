package router

import "testing"

func TestCheckRenderedText(t *testing.T) {
	tests := []struct {
		sql, rendered, charset string
		refused                bool
	}{
		{"SELECT 1", "SELECT 1", "utf8mb4", false},
		{"INSERT INTO t VALUES (?)", "INSERT INTO t VALUES ('\xbf\\\\n')", "gbk", true},
		{"INSERT INTO t VALUES (?)", "INSERT INTO t VALUES ('\xbf\\\\n')", "utf8mb4", false},
		{"INSERT INTO t VALUES (?)", "INSERT INTO t VALUES ('abc')", "gbk", false},
		{"SELECT _utf8mb4'a' FROM t", "SELECT 'a' FROM `t`", "latin1", true},
		{"SELECT _utf8mb4'a' FROM t", "SELECT 'a' FROM `t`", "utf8mb4", false},
		{"SELECT _utf8mb4'a' FROM t", "SELECT 'a' FROM `t`", "", false},
		{"SELECT _UTF8MB4 x'61' FROM t", "SELECT x'61' FROM `t`", "utf8mb4", true},
		{"SELECT _utf8mb4 0x61 FROM t", "SELECT _utf8mb4 0x61 FROM `t`", "utf8mb4", false},
		{"SELECT a_utf8mb4 FROM t", "SELECT `a_utf8mb4` FROM `t`", "latin1", false},
		{"SELECT '_utf8mb4' FROM t", "SELECT '_utf8mb4' FROM `t`", "latin1", false},
	}
	for _, tt := range tests {
		err := CheckRenderedText(tt.sql, tt.rendered, tt.charset)
		if (err != nil) != tt.refused {
			t.Errorf("%q -> %q under %s: %v, refused %v", tt.sql, tt.rendered, tt.charset, err, tt.refused)
		}
	}
}
