package integration

import (
	"testing"
	"time"
)

// TestLastInsertIDExprOverShards: LAST_INSERT_ID(expr) in a statement that
// runs on several shards is refused (each shard would keep its own last
// row's value, one server the last row of its scan), and changes nothing;
// on one shard, or on a broadcast table's copies, it answers as MariaDB.
func TestLastInsertIDExprOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"CREATE TABLE regions_prepared (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 1), (2, 2), (3, 3)",
		"INSERT INTO regions_prepared VALUES (1, 1), (2, 2)",
	)
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SELECT LAST_INSERT_ID(5)", nil},
		{0, "UPDATE gitems SET v = LAST_INSERT_ID(v + 100) WHERE k = 2", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "UPDATE regions_prepared SET v = LAST_INSERT_ID(v + 200) WHERE k IN (1, 2)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "UPDATE gitems SET v = LAST_INSERT_ID(v + 300) WHERE k = ?", []any{3}},
		{0, "SELECT LAST_INSERT_ID()", nil},
	})
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{
		"UPDATE gitems SET v = LAST_INSERT_ID(v + 1000) WHERE k IN (1, 2)",
		"UPDATE gitems SET v = LAST_INSERT_ID(v + 1000)",
		"DELETE FROM gitems WHERE k > LAST_INSERT_ID(0)",
		"SELECT LAST_INSERT_ID(k) FROM gitems",
		"INSERT INTO gitems VALUES (4, LAST_INSERT_ID(7)), (5, LAST_INSERT_ID(8))",
	} {
		if _, err := c.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: ran, want 1235", q)
		} else {
			wantMySQLError(t, err, 1235, "42000")
		}
	}
	var last, sum, n int
	if err := c.QueryRowContext(ctx, "SELECT LAST_INSERT_ID()").Scan(&last); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRowContext(ctx, "SELECT SUM(v), COUNT(*) FROM gitems").Scan(&sum, &n); err != nil {
		t.Fatal(err)
	}
	if last != 0 || sum != 406 || n != 3 {
		t.Errorf("after the refused statements: LAST_INSERT_ID() %d, SUM(v) %d, COUNT(*) %d; want 0, 406, 3 (nothing changed)", last, sum, n)
	}
}

// TestLastInsertIDReadOverShards: a statement that reads LAST_INSERT_ID()
// on several shards reads the session's value on each, not what another
// session left on the pooled connections (a leak) or 0.
func TestLastInsertIDReadOverShards(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"CREATE TABLE su (id INT AUTO_INCREMENT PRIMARY KEY, v INT)",
		"INSERT INTO sw VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60), (7, 70), (8, 80), (9, 90)",
	)
	compareSessions(ctx, t, proxy, direct, 2, []scriptStep{
		{0, "SELECT LAST_INSERT_ID(424242)", nil},
		{0, "SELECT COUNT(*) FROM sw", nil},
		{0, "SELECT id, LAST_INSERT_ID() FROM sw WHERE k > 0 ORDER BY id", nil},
		{1, "SELECT MAX(LAST_INSERT_ID()) FROM sw", nil},
		{1, "SELECT id, LAST_INSERT_ID() FROM sw WHERE id < 4 ORDER BY id", nil},
		{0, "SELECT LAST_INSERT_ID(7)", nil},
		{0, "SELECT COUNT(*) FROM sw WHERE id < LAST_INSERT_ID()", nil},
		{1, "INSERT INTO su (v) VALUES (1)", nil},
		{1, "SELECT COUNT(*) FROM sw WHERE id <= LAST_INSERT_ID()", nil},
		{1, "SELECT id FROM sw WHERE id = LAST_INSERT_ID() - 1", nil},
		{0, "SELECT SUM(k) FROM sw WHERE id <= LAST_INSERT_ID()", nil},
		{0, "SELECT id, LAST_INSERT_ID() FROM sw WHERE id IN (1, 2, 3) ORDER BY id", nil},
		{0, "SELECT id, LAST_INSERT_ID() FROM sw WHERE id IN (?, ?) ORDER BY id", []any{4, 5}},
	})
}

// TestLastInsertIDAfterFailedInsert: an INSERT that fails before any row
// is written leaves LAST_INSERT_ID() as it was; the id the proxy gave its
// row (written as LAST_INSERT_ID(id), which the shard evaluated before a
// later value of the row failed) became the session's.
func TestLastInsertIDAfterFailedInsert(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE su (id INT AUTO_INCREMENT PRIMARY KEY, v TINYINT, s VARCHAR(2))",
		"CREATE TABLE sv (id INT AUTO_INCREMENT, name VARCHAR(10), s VARCHAR(2), PRIMARY KEY (name), KEY (id))")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "INSERT INTO su (v, s) VALUES (1, 'a')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO su (v, s) VALUES (2, 'toolong')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO su (v, s) VALUES (1000, 'b')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO su (v, s) VALUES (3, 'toolong')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "ROLLBACK", nil},
		{0, "INSERT INTO su (v, s) VALUES (?, ?)", []any{4, "toolong"}},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SELECT v, s FROM su ORDER BY v", nil},
		// The AUTO_INCREMENT column is not the shard key.
		{0, "INSERT INTO sv (name, s) VALUES ('a', 'x')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO sv (name, s) VALUES ('b', 'toolong')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO sv (name, s) VALUES ('a', 'y')", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
	})
}
