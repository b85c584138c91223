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
		// Bit and 0x literals the rewrite cannot keep.
		{"UPDATE t SET v = b'000000001' WHERE id IN (1, 2)", "UPDATE `t` SET `v`=b'1' WHERE `id` IN (1)", "utf8mb4", true},
		{"UPDATE t SET v = B'0000000000000000' WHERE id IN (1, 2)", "", "utf8mb4", true},
		{"SELECT 0b000000001 FROM t", "", "utf8mb4", true},
		{"UPDATE t SET k = 0x0041 WHERE id IN (1, 2)", "", "utf8mb4", true},
		{"UPDATE t SET k = 0x041 WHERE id IN (1, 2)", "", "utf8mb4", true},
		{"UPDATE t SET v = b'00000001' WHERE id IN (1, 2)", "", "utf8mb4", false},
		{"UPDATE t SET v = b'0' WHERE id IN (1, 2)", "", "utf8mb4", false},
		{"UPDATE t SET v = b'100000001' WHERE id IN (1, 2)", "", "utf8mb4", false},
		{"UPDATE t SET k = 0x4100 WHERE id IN (1, 2)", "", "utf8mb4", false},
		{"UPDATE t SET v = x'0041' WHERE id IN (1, 2)", "", "utf8mb4", false},
		{"UPDATE t SET v = 'b''000000001''' WHERE id IN (1, 2)", "", "utf8mb4", false},
		{"SELECT 0x00zz, b00000001 FROM t", "", "utf8mb4", false},
	}
	for _, tt := range tests {
		err := CheckRenderedText(tt.sql, tt.rendered, tt.charset)
		if (err != nil) != tt.refused {
			t.Errorf("%q -> %q under %s: %v, refused %v", tt.sql, tt.rendered, tt.charset, err, tt.refused)
		}
	}
}
