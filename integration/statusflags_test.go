package integration

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestStatusFlagsAsOneServer: the status flags of every answer follow the
// session as MariaDB's do: NO_BACKSLASH_ESCAPES (0x200) and ANSI_QUOTES
// (0x8000) from its sql_mode, IN_TRANS_READONLY (0x2000) in a READ ONLY
// transaction, also on answers the proxy makes itself (a merged read, a
// write over both shards, BEGIN, COMMIT). The index flags (0x10, 0x20)
// are left out: the proxy does not derive them.
func TestStatusFlagsAsOneServer(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))")
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	const indexFlags = gomysql.SERVER_STATUS_NO_GOOD_INDEX_USED | gomysql.SERVER_STATUS_NO_INDEX_USED
	for _, q := range []string{
		"SELECT 1",
		"SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
		"SELECT 1",
		"INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b')",
		"SELECT k FROM txitems ORDER BY k",
		// Over both shards in a transaction of the proxy's own, which
		// the client does not see.
		"SELECT k FROM txitems ORDER BY k FOR UPDATE",
		"SELECT k FROM txitems ORDER BY k LOCK IN SHARE MODE",
		"SET autocommit = 0",
		"SELECT k FROM txitems ORDER BY k FOR UPDATE",
		"COMMIT",
		"SET autocommit = 1",
		"BEGIN",
		"UPDATE txitems SET v = v + 1",
		"SELECT COUNT(*) FROM txitems",
		"COMMIT",
		"SET sql_mode = 'ANSI_QUOTES'",
		"SELECT k FROM txitems WHERE k = 1",
		"SET sql_mode = 'ANSI'",
		"START TRANSACTION READ ONLY",
		"SELECT k FROM txitems ORDER BY k",
		"COMMIT",
		"SET SESSION TRANSACTION READ ONLY",
		"BEGIN",
		"SELECT k FROM txitems WHERE k = 2",
		"COMMIT",
		"SET SESSION TRANSACTION READ WRITE",
		"SET TRANSACTION READ ONLY",
		"BEGIN",
		"SELECT k FROM txitems ORDER BY k",
		"COMMIT",
		"SET sql_mode = DEFAULT",
		"SELECT 1",
	} {
		sameStatus(t, proxy, direct, q, indexFlags)
	}
}

// sameStatus runs q through the proxy and on one server and compares the
// status flags of the answers but those in ignore.
func sameStatus(t *testing.T, proxy, direct *client.Conn, q string, ignore uint16) {
	t.Helper()
	got, err := proxy.Execute(q)
	if err != nil {
		t.Fatalf("%s through the proxy: %v", q, err)
	}
	want, err := direct.Execute(q)
	if err != nil {
		t.Fatalf("%s on one server: %v", q, err)
	}
	if g, w := got.Status&^ignore, want.Status&^ignore; g != w {
		t.Errorf("%s: status %#x through the proxy, %#x on one server", q, g, w)
	}
}

// TestIndexFlagsOfMergedReads: a read merged over shards ends with the
// index flags of the shards' plans, which run its conditions: one server's
// SERVER_STATUS_NO_INDEX_USED (0x20) after a scan without an index was
// missing (0x02 for 0x22), which PHP's MYSQLI_REPORT_INDEX reads. The
// same for a write over several shards, whose OK packets are summed.
func TestIndexFlagsOfMergedReads(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd')")
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	for _, q := range []string{
		"SELECT k, v FROM txitems ORDER BY k LIMIT 3",
		"SELECT COUNT(*) FROM txitems WHERE v = 2",
		"SELECT s FROM txitems ORDER BY s",
		"SELECT k FROM txitems WHERE k IN (1, 2, 3)",
		"SELECT k FROM txitems WHERE k = 4",
		// A write over several shards sums their OK packets, flags too.
		"UPDATE txitems SET v = v + 1 WHERE v > 0",
		"DELETE FROM txitems WHERE s = 'zz'",
		"UPDATE txitems SET v = v + 1 WHERE k = 4",
		"DELETE FROM txitems WHERE s = 'zz' RETURNING k",
	} {
		sameStatus(t, proxy, direct, q, 0)
	}
}

// TestNoBackslashEscapesInterpolated: a driver that escapes parameters
// itself reads NO_BACKSLASH_ESCAPES from the status flags; without the
// flag it doubled a backslash (stored x\\ for x\) and a quote after a
// backslash ended the string: one parameter wrote two rows.
func TestNoBackslashEscapesInterpolated(t *testing.T) {
	t.Parallel()
	ctx, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(40))")
	stored := func(db *sql.DB) string {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, q := range []string{"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"} {
			if _, err := c.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for _, args := range [][]any{{1, `x\`}, {3, `x'), (99, 0, 0x70776e) -- `}} {
			if _, err := c.ExecContext(ctx, "INSERT INTO txitems VALUES (?, 0, ?)", args...); err != nil {
				return fmt.Sprintf("INSERT %v: %v", args, err)
			}
		}
		rows, err := c.QueryContext(ctx, "SELECT k, HEX(s) FROM txitems ORDER BY k")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := ""
		for rows.Next() {
			var k int
			var h string
			if err := rows.Scan(&k, &h); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("%d:%s ", k, h)
		}
		return out
	}
	got := stored(f.p.DB(t, appUser, appPass, "shop", "interpolateParams=true"))
	direct, err := sql.Open("mysql", f.s0.DSN("direct")+"?interpolateParams=true")
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	want := stored(direct)
	if got != want {
		t.Errorf("rows stored through the proxy %s, on one server %s", got, want)
	}
}

// connectGoMySQL opens a go-mysql connection, closed at cleanup.
func connectGoMySQL(t *testing.T, addr, user, pass, db string) *client.Conn {
	t.Helper()
	c, err := client.Connect(addr, user, pass, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
