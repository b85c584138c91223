package integration

import (
	"testing"
	"time"
)

// TestTextKeyInClientCharset: a text shard key is read in the session's
// character_set_client. 'k\xE9y' from a latin1 client is the 'kéy' a
// utf8mb4 client writes; the proxy placed it by its latin1 bytes, so
// utf8mb4 sessions did not find it and a second 'kéy' went in beside it
// (two rows with one primary key). A client character set the proxy does
// not read gets every shard for a read and a refused INSERT.
func TestTextKeyInClientCharset(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE sv (name VARCHAR(20) PRIMARY KEY, t VARCHAR(10))",
		"INSERT INTO sv VALUES ('a1', 'u'), ('b2', 'u'), ('c3', 'u'), ('d4', 'u')",
	)
	compareSessions(ctx, t, proxy, direct, 3, []scriptStep{
		{0, "SET NAMES latin1", nil},
		{0, "INSERT INTO sv VALUES ('k\xE9y', 'l1'), ('\x80uro', 'l1'), ('x\x81', 'l1')", nil},
		{0, "INSERT INTO sv VALUES ('z\xFC', 'l1')", nil},
		{1, "SELECT name, HEX(name), t FROM sv WHERE name = 'kéy'", nil},
		{1, "SELECT HEX(name) FROM sv WHERE name IN ('€uro', 'x\u0081', 'zü') ORDER BY 1", nil},
		{1, "INSERT INTO sv VALUES ('kéy', 'dup')", nil},
		{1, "INSERT INTO sv VALUES ('KÉY', 'dup')", nil},
		{1, "SELECT COUNT(*) FROM sv WHERE name LIKE 'k%y'", nil},
		{0, "SELECT HEX(name), t FROM sv WHERE name = 'k\xE9y'", nil},
		{0, "SELECT HEX(name), t FROM sv WHERE name = ?", []any{"z\xFC"}},
		{0, "UPDATE sv SET t = 'l2' WHERE name = 'k\xE9y'", nil},
		{1, "SELECT t FROM sv WHERE name = 'kéy'", nil},
		{1, "INSERT INTO sv VALUES ('ñu', 'u8')", nil},
		{0, "SELECT HEX(name), t FROM sv WHERE name = '\xF1u'", nil},
		{0, "DELETE FROM sv WHERE name = '\xF1u'", nil},
		// A binary string is not read in the client's character set.
		{0, "SELECT t FROM sv WHERE name = X'6BC3A979'", nil},
		{0, "INSERT INTO sv VALUES (X'C3B6', 'hx')", nil},
		{1, "SELECT HEX(name), t FROM sv WHERE name = 'ö'", nil},
		{1, "SELECT COUNT(*) FROM sv WHERE name = 'ñu'", nil},
		// cp1251, which the proxy does not read: a read by key still
		// finds the row (every shard compares it).
		{2, "SET NAMES cp1251", nil},
		{2, "SELECT HEX(name), t FROM sv WHERE name = 'k?y' OR name = 'a1'", nil},
		{2, "SELECT HEX(name), t FROM sv WHERE name = '\xE0\xE1'", nil},
		{2, "SELECT COUNT(*) FROM sv WHERE name IN ('\xE0', 'b2')", nil},
		{2, "INSERT INTO sv VALUES ('plain', 'cp')", nil},
	})
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustExec(t, c, "SET NAMES cp1251")
	_, err = c.ExecContext(ctx, "INSERT INTO sv VALUES ('\xE0\xE1', 'cp')")
	wantMySQLError(t, err, 1235, "42000")
}
