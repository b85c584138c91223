package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestChangeUser runs COM_CHANGE_USER through the proxy and directly on
// MariaDB, whose users mirror the proxy's (shopper may use shop only), and
// compares each step: the session is reset (transaction rolled back,
// temporary table, user variable and autocommit gone), takes the new
// database and character set, and a refused change (wrong password,
// database not granted) keeps the old user and database; after three
// refusals MariaDB answers 1047.
func TestChangeUser(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `
		- {name: app, password: app-secret}
		- {name: other, password: other-secret}
		- {name: shopper, password: shop-secret, schemas: [shop]}
	`, "")
	root := f.s0.DB(t, "")
	for _, q := range []string{
		"CREATE USER app@'%' IDENTIFIED BY 'app-secret'",
		"GRANT ALL ON shop.* TO app@'%'", "GRANT ALL ON crm.* TO app@'%'",
		"CREATE USER other@'%' IDENTIFIED BY 'other-secret'",
		"GRANT ALL ON shop.* TO other@'%'", "GRANT ALL ON crm.* TO other@'%'",
		"CREATE USER shopper@'%' IDENTIFIED BY 'shop-secret'", "GRANT ALL ON shop.* TO shopper@'%'",
		"CREATE TABLE shop.t (id INT PRIMARY KEY)",
	} {
		mustExec(t, root, q)
	}
	const state = "SELECT DATABASE(), @@character_set_client, @@collation_connection, @@character_set_results, @v, @@autocommit, @@in_transaction"
	type step struct {
		name string
		run  func(c *wireConn, side int) wireResult
	}
	query := func(q string) func(c *wireConn, _ int) wireResult {
		return func(c *wireConn, _ int) wireResult { return c.query(q) }
	}
	change := func(user, pass, db, plugin string, collation uint16) func(c *wireConn, _ int) wireResult {
		return func(c *wireConn, _ int) wireResult { return c.changeUser(user, pass, db, plugin, collation) }
	}
	steps := []step{
		{"set @v", query("SET @v = 5")},
		{"begin", query("BEGIN")},
		// Each side its own row: the two transactions are open together.
		{"insert", func(c *wireConn, side int) wireResult { return c.query(fmt.Sprintf("INSERT INTO t VALUES (%d)", side)) }},
		{"temporary table", query("CREATE TEMPORARY TABLE tmp1 (a INT)")},
		{"autocommit off", query("SET autocommit = 0")},
		{"state before", query(state)},
		{"change to other in crm, latin1", change("other", "other-secret", "crm", "mysql_native_password", 8)},
		{"state after", query(state)},
		{"rolled back", query("SELECT COUNT(*) FROM shop.t")},
		{"temporary table gone", query("SELECT COUNT(*) FROM shop.tmp1")},
		{"change via auth switch, no database, utf8mb3", change("app", "app-secret", "", "client_ed25519", 33)},
		{"state after switch", query(state)},
		{"set @v again", query("SET @v = 6")},
		{"wrong password", change("other", "wrong", "shop", "mysql_native_password", 8)},
		{"state after wrong password", query(state)},
		{"database not granted", change("shopper", "shop-secret", "crm", "mysql_native_password", 45)},
		{"state after refused database", query(state)},
		{"empty password", change("other", "", "shop", "mysql_native_password", 45)},
		{"fourth change refused", change("app", "app-secret", "shop", "mysql_native_password", 45)},
		{"state at the end", query(state)},
		{"reset connection", func(c *wireConn, _ int) wireResult { return wireResult{errCode: uint16(c.command(0x1f, nil)[0])} }},
		{"after a reset, the last packet's collation", query(state)},
	}
	proxy := dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)
	direct := dialWire(t, f.s0.Addr(), appUser, appPass, "shop", 0)
	for _, s := range steps {
		start := time.Now()
		got, want := s.run(proxy, 1), s.run(direct, 2)
		if got.String() != want.String() {
			t.Errorf("%s: proxy %v (%s), MariaDB %v (%s)", s.name, got, got.errMsg, want, want.errMsg)
		}
		if got.errCode != 0 {
			t.Logf("%s: proxy error %d %s (%v)", s.name, got.errCode, got.errMsg, time.Since(start).Round(time.Millisecond))
		}
	}

	// A login that went through an auth switch (go-mysql draws a new
	// scramble for it): COM_CHANGE_USER answers the switch's scramble.
	switched := dialWirePlugin(t, f.p.Addr(), appUser, appPass, "shop", 0, "client_ed25519")
	if r := switched.changeUser("other", "other-secret", "crm", "mysql_native_password", 45); r.errCode != 0 {
		t.Errorf("change user after a login with an auth switch: %d %s", r.errCode, r.errMsg)
	}

	// The proxy's user is the one it checks grants for: shopper may use
	// shop only, after a change user as after a login.
	shop := dialWire(t, f.p.Addr(), appUser, appPass, "crm", 0)
	if r := shop.changeUser("shopper", "shop-secret", "shop", "mysql_native_password", 45); r.errCode != 0 {
		t.Fatalf("change to shopper: %d %s", r.errCode, r.errMsg)
	}
	if r := shop.query("SELECT COUNT(*) FROM crm.x"); r.errCode != 1044 || !strings.Contains(r.errMsg, "shopper") {
		t.Errorf("shopper reading crm: %v %s, want 1044 for shopper", r, r.errMsg)
	}
	if r := shop.query("SELECT COUNT(*) FROM t"); fmt.Sprint(r.rows) != "[[0]]" {
		t.Errorf("shopper reading shop.t: %v %s", r, r.errMsg)
	}
	if r := shop.query("SELECT 1"); fmt.Sprint(r.rows) != "[[1]]" {
		t.Errorf("SELECT 1 after the checks: %v %s", r, r.errMsg)
	}
}

// TestResetConnectionState: COM_RESET_CONNECTION gives the session a new
// connection's state, as MariaDB 10.11 does: a pending SET TRANSACTION READ
// ONLY, user variables, autocommit=0, SQL prepared statements, temporary
// tables and LAST_INSERT_ID() end; FOUND_ROWS() is kept, ROW_COUNT() is
// 0. Compared step by step with a direct connection (the proxy's app user
// has the same name on the shard).
func TestResetConnectionState(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `
		- {name: app, password: app-secret}
	`, "")
	root := f.s0.DB(t, "")
	for _, q := range []string{
		"CREATE USER app@'%' IDENTIFIED BY 'app-secret'", "GRANT ALL ON shop.* TO app@'%'",
		"CREATE TABLE shop.r (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
		"INSERT INTO shop.r (v) VALUES (1), (2), (3), (4), (5)",
	} {
		mustExec(t, root, q)
	}
	steps := []string{
		"SET @v = 5",
		"SET autocommit = 0",
		"PREPARE ps FROM 'SELECT 1'",
		"CREATE TEMPORARY TABLE tmp (a INT)",
		"INSERT INTO r (v) VALUES (6)",
		"COMMIT",
		"SELECT SQL_CALC_FOUND_ROWS id FROM r ORDER BY id LIMIT 2",
		"SET TRANSACTION READ ONLY",
		"reset",
		"SELECT FOUND_ROWS(), ROW_COUNT()",
		"SET TRANSACTION READ ONLY",
		"SELECT SQL_CALC_FOUND_ROWS id FROM r ORDER BY id LIMIT 3",
		"reset", // no transaction open this time
		"SELECT FOUND_ROWS(), ROW_COUNT()",
		"SET TRANSACTION READ ONLY",
		"reset", // characteristics pending
		"SELECT FOUND_ROWS(), ROW_COUNT()",
		"SELECT @v, @@autocommit, LAST_INSERT_ID()",
		"EXECUTE ps",
		"SELECT COUNT(*) FROM tmp",
		"INSERT INTO r (v) VALUES (7)", // no longer READ ONLY
		"DELETE FROM r WHERE v >= 6",
	}
	proxy := dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)
	direct := dialWire(t, f.s0.Addr(), appUser, appPass, "shop", 0)
	run := func(c *wireConn, q string) string {
		if q == "reset" {
			return fmt.Sprint(c.command(0x1f, nil)[0])
		}
		r := c.query(q)
		return fmt.Sprintf("%v %s", r, r.errMsg)
	}
	for _, q := range steps {
		if got, want := run(proxy, q), run(direct, q); got != want {
			t.Errorf("%s: proxy %s, MariaDB %s", q, got, want)
		}
	}
}
