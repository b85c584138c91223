package integration

import (
	"testing"
	"time"
)

// TestRenderedTextKeepsTheLiterals: text the proxy writes for its shards
// must read as the client's statement did. Under SET NAMES gbk a string
// parameter's bytes BF 5C 6E (a character ending in 0x5C, then 'n') were
// escaped byte by byte into BF 5C 5C 6E, which gbk reads as the character
// and a newline: BF5C0A stored for BF5C6E. And the parser drops a
// _utf8mb4 introducer when it writes a literal back: under latin1,
// WHERE v = _utf8mb4'é' counted 0 rows for 3, and _utf8mb4 X'C3A9' became
// bytes in any session. Both are refused where the proxy rewrites.
func TestRenderedTextKeepsTheLiterals(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE sw (id INT PRIMARY KEY, v VARCHAR(20), l VARCHAR(20) CHARACTER SET latin1, g VARCHAR(20) CHARACTER SET gbk, vb VARBINARY(20))",
		"INSERT INTO sw (id, v, l) VALUES (1, 'é', 'é'), (2, 'é', 'é'), (5, 'é', 'é')")
	conn, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mustExec(t, conn, "SET NAMES gbk")
	gbk := string([]byte{0xbf, 0x5c, 0x6e})
	_, err = conn.ExecContext(ctx, "INSERT INTO sw (id, g) VALUES (?, ?), (?, ?), (?, ?)", 11, gbk, 12, gbk, 13, gbk)
	if mysqlErrNumber(err) != 1235 {
		t.Errorf("gbk parameter ending a character in 0x5C, split INSERT: %v, want 1235", err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM sw WHERE id IN (11, 12, 13)").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows stored by the refused INSERT: %d, %v", n, err)
	}
	mustExec(t, conn, "SET NAMES latin1")
	for _, q := range []string{
		"SELECT COUNT(*) FROM sw WHERE v = _utf8mb4'\xc3\xa9'",
		"SELECT COUNT(*) FROM sw WHERE l = _utf8mb4 X'C3A9'",
	} {
		err := conn.QueryRowContext(ctx, q).Scan(&n)
		if mysqlErrNumber(err) != 1235 {
			t.Errorf("%q under latin1: %d, %v, want 1235", q, n, err)
		}
	}
	// In a utf8mb4 session a quoted _utf8mb4 literal reads the same without
	// its introducer: it runs, and answers as MariaDB.
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SELECT COUNT(*) FROM sw WHERE v = _utf8mb4'é'", nil},
		{0, "SELECT COUNT(*) FROM sw WHERE v = _UTF8MB4'é' AND id > 0", nil},
		// Relayed as the client wrote it (one shard, or the same text on
		// each shard): the introducer stays, the statement runs.
		{0, "SET NAMES latin1", nil},
		{0, "SELECT COUNT(*) FROM sw WHERE id = 1 AND l = _utf8mb4 X'C3A9'", nil},
		{0, "UPDATE sw SET l = _utf8mb4 X'C3A9' WHERE id IN (1, 2, 5)", nil},
		{0, "SET NAMES utf8mb4", nil},
		{0, "SELECT id, HEX(l) FROM sw WHERE id = 2", nil},
		// Narrowed to each shard's keys, the UPDATE would lose the bit
		// literal's leading zero byte (b'1' stores 0x01): the shards run
		// the client's own statement, which keeps 0x0001.
		{0, "UPDATE sw SET vb = b'000000001' WHERE id IN (1, 2, 5)", nil},
		{0, "SELECT id, HEX(vb) FROM sw WHERE id IN (1, 2, 5) ORDER BY id", nil},
	})
	wantUnsupported(ctx, t, proxy, nil, "SELECT COUNT(*) FROM sw WHERE l = _utf8mb4 X'C3A9'",
		// Rewritten, these would lose it (a split INSERT stored 0x01 for
		// 0x0001, a merged read answered '01' for '0001').
		"INSERT INTO sw (id, vb) VALUES (20, b'000000001'), (21, b'1'), (22, b'1'), (23, b'1'), (24, b'1'), (25, b'1')",
		"SELECT id, HEX(b'000000001') FROM sw",
		"SELECT id FROM sw WHERE id IN (1, 2, 5) AND vb <> 0b0000000000000001")
}
