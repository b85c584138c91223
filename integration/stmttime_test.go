package integration

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestStatementTimeOverShards: one MariaDB gives every row of a statement
// the time the statement started, and so do the shards of a statement that
// runs on several of them: NOW(6) in a SELECT's rows, DEFAULT
// CURRENT_TIMESTAMP(6) in an INSERT's rows, ON UPDATE CURRENT_TIMESTAMP(6)
// and NOW(6) in an UPDATE's, a trigger's and a stored function's NOW(6). Each step is compared
// with a server holding all rows (how many times the rows show, and
// whether two columns of a row agree); the copies of a broadcast table
// hold one time; afterwards time moves on again on every shard
// connection, and a session's own SET timestamp is kept.
func TestStatementTimeOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, t DATETIME(6), tr DATETIME(6), u TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6))",
	)
	// The proxy cannot parse CREATE TRIGGER: created on the shards, then
	// DDL through the proxy has it read the catalog again.
	for _, db := range []*sql.DB{f.s0.DB(t, "shop"), f.s1.DB(t, "shop"), direct} {
		mustExec(t, db, "CREATE TRIGGER modeitems_tr BEFORE UPDATE ON modeitems FOR EACH ROW SET NEW.tr = NOW(6)")
		mustExec(t, db, "CREATE FUNCTION f_later(d INT) RETURNS DATETIME(6) NOT DETERMINISTIC RETURN NOW(6) + INTERVAL d DAY")
	}
	mustExec(t, proxy, "CREATE TABLE catalog_refresh (i INT)")
	steps := []scriptStep{
		{0, "INSERT INTO modeitems (k, v) VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6)", nil},
		{0, "SELECT COUNT(DISTINCT u), COUNT(*) FROM modeitems", nil},
		{0, "UPDATE modeitems SET v = v + 1", nil},
		{0, "SELECT COUNT(DISTINCT u), COUNT(DISTINCT tr), SUM(u = tr) FROM modeitems", nil},
		{0, "UPDATE modeitems SET t = NOW(6) WHERE k > 1", nil},
		{0, "SELECT COUNT(DISTINCT t), COUNT(DISTINCT u), SUM(t = u), SUM(t = tr) FROM modeitems", nil},
		{0, "UPDATE modeitems SET t = f_later(k) - INTERVAL k DAY WHERE k < 6", nil},
		{0, "SELECT COUNT(DISTINCT t), SUM(t = tr) FROM modeitems WHERE k < 6", nil},
		{1, "BEGIN", nil},
		{1, "UPDATE modeitems SET t = CURRENT_TIMESTAMP(6), v = ? WHERE k < 5", []any{7}}, // binary protocol
		{1, "SELECT COUNT(DISTINCT t), SUM(t = u) FROM modeitems WHERE k < 5", nil},
		{1, "COMMIT", nil},
		{0, "SET timestamp = 1700000000.5", nil},
		{0, "UPDATE modeitems SET t = NOW(6)", nil},
		{0, "SELECT COUNT(DISTINCT t), MIN(t), SUM(u = t) FROM modeitems", nil},
		{0, "SET timestamp = DEFAULT", nil},
		{0, "PREPARE pt FROM 'UPDATE modeitems SET t = NOW(6) WHERE k <> ?'", nil},
		{0, "SET @k = 0", nil},
		{0, "EXECUTE pt USING @k", nil},
		{0, "SELECT COUNT(DISTINCT t), SUM(t = u) FROM modeitems", nil},
		{0, "INSERT INTO modeitems (k, v) VALUES (7, 7), (8, 8) ON DUPLICATE KEY UPDATE v = 0", nil},
		{0, "SELECT COUNT(DISTINCT u) FROM modeitems WHERE k > 6", nil},
	}
	compareSessions(ctx, t, proxy, direct, 2, steps)

	// A SELECT's rows from both shards show one NOW(6), between the
	// shards' clocks read before and after (the proxy's clock, on the same
	// host).
	var before, after string
	if err := proxy.QueryRowContext(ctx, "SELECT NOW(6)").Scan(&before); err != nil {
		t.Fatal(err)
	}
	rows, err := proxy.QueryContext(ctx, "SELECT k, NOW(6) FROM modeitems ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var k int
	var n string
	for rows.Next() {
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		seen[n] = true
	}
	rows.Close()
	if err := proxy.QueryRowContext(ctx, "SELECT NOW(6)").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || n < before || n > after {
		t.Errorf("SELECT k, NOW(6) over shards gave %v; want one time between %s and %s", seen, before, after)
	}
	// And a stored function's, @@timestamp, and a view's.
	mustExec(t, proxy, "CREATE VIEW v_now AS SELECT k, NOW(6) AS n FROM modeitems")
	for _, q := range []string{"SELECT COUNT(DISTINCT f_later(0)) FROM modeitems", "SELECT COUNT(DISTINCT @@timestamp) FROM modeitems", "SELECT COUNT(DISTINCT n) FROM v_now"} {
		var times int
		if err := proxy.QueryRowContext(ctx, q).Scan(&times); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if times != 1 {
			t.Errorf("%s over shards: %d times", q, times)
		}
	}

	// The copies of a broadcast table hold one time.
	mustExec(t, proxy, "CREATE TABLE regions_prepared (id INT PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))")
	mustExec(t, proxy, "INSERT INTO regions_prepared (id) VALUES (1), (2)")
	compareCopies(ctx, t, f, "SELECT GROUP_CONCAT(at ORDER BY id) FROM regions_prepared")

	// DDL over both shards that fills a column with the time, run after
	// SET insert_id (the proxy reads insert_id back there after the
	// statement, and records the connection's state).
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SET insert_id = 500", "ALTER TABLE modeitems ADD COLUMN seen DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)"} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c.Close()
	var seenTimes int
	if err := proxy.QueryRowContext(ctx, "SELECT COUNT(DISTINCT seen) FROM modeitems").Scan(&seenTimes); err != nil {
		t.Fatal(err)
	}
	if seenTimes != 1 {
		t.Errorf("ALTER TABLE ... ADD COLUMN ... DEFAULT CURRENT_TIMESTAMP(6) over shards filled %d times", seenTimes)
	}

	// Time moves on afterwards, on every connection of the proxy's two
	// pools: the statements that follow read the shards' clocks.
	for i := 0; i < 3; i++ {
		for _, q := range []string{"SELECT NOW(6) FROM modeitems WHERE k = 1", "SELECT NOW(6) FROM modeitems WHERE k = 2"} {
			a, b := nowTwice(ctx, t, proxy, q)
			if a == b {
				t.Errorf("%s: the same time %s 5 ms apart: the shard connection kept a statement's time", q, a)
			}
		}
	}
}

// nowTwice reads q's single time value twice, 5 ms apart, on one
// connection.
func nowTwice(ctx context.Context, t *testing.T, db *sql.DB, q string) (string, string) {
	t.Helper()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var a, b string
	if err := c.QueryRowContext(ctx, q).Scan(&a); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := c.QueryRowContext(ctx, q).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return a, b
}
