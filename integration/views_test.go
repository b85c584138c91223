package integration

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestViews: views over one sharded table, over co-located sharded tables
// joined on their keys with a broadcast table, over a broadcast table and
// over an unsharded table are created through the proxy (on every shard
// of their tables) and on a reference MariaDB holding all the rows; then
// point reads by the view's key column, scattered reads with ORDER BY and
// LIMIT, aggregates over the views, joins of a view with a table, ALTER
// and DROP VIEW give the reference's answers (rows and column metadata).
// Views the proxy cannot serve exactly are refused with 1235, at CREATE
// or at read.
func TestViews(t *testing.T) {
	t.Parallel()
	shards, ref, p := startThreeShards(t, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: users, shard_key: user_id, algorithm: hash}
			    - {name: orders, shard_key: user_id, algorithm: hash}
			    - {name: items, shard_key: item_id, algorithm: mod}
			    - {name: regions, broadcast: true}
		`)
	ctx := testCtx(t, 3*time.Minute)
	proxy := openSessions(ctx, t, p.DB(t, appUser, appPass, "shop", ""), 1)
	direct := openSessions(ctx, t, ref.DB(t, "shop"), 1)
	var setup []scriptStep
	add := func(qs ...string) {
		for _, q := range qs {
			setup = append(setup, scriptStep{0, q, nil})
		}
	}
	add("CREATE TABLE users (user_id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, region INT)",
		"CREATE TABLE orders (id INT PRIMARY KEY, user_id INT NOT NULL, total DECIMAL(8,2), note VARCHAR(20))",
		"CREATE TABLE items (item_id INT PRIMARY KEY, label VARCHAR(20))",
		"CREATE TABLE regions (id INT PRIMARY KEY, rname VARCHAR(20))",
		"CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)",
		"INSERT INTO regions VALUES (1, 'north'), (2, 'south'), (3, 'east')",
		"INSERT INTO notes VALUES (1, 'a'), (2, 'b')",
		"INSERT INTO items VALUES (1, 'x'), (2, 'y'), (3, 'z')")
	for u := 1; u <= 12; u++ {
		add(fmt.Sprintf("INSERT INTO users VALUES (%d, 'user%d', %d)", u, u, u%3+1))
	}
	for o := 1; o <= 40; o++ {
		add(fmt.Sprintf("INSERT INTO orders VALUES (%d, %d, %d.%02d, %s)", o, o%12+1, (o*37)%90, o%100, map[bool]string{true: "NULL", false: fmt.Sprintf("'n%d'", o%5)}[o%7 == 0]))
	}
	add("CREATE VIEW v_orders AS SELECT id, user_id AS uid, total, note FROM orders WHERE total > 5",
		"CREATE VIEW v_nokey (oid, amount) AS SELECT id, total * 2 FROM orders",
		"CREATE OR REPLACE VIEW v_user_orders AS SELECT o.id, u.user_id, u.name, r.rname, o.total FROM orders o JOIN users u ON o.user_id = u.user_id JOIN regions r ON r.id = u.region",
		"CREATE VIEW v_per_user AS SELECT user_id, COUNT(*) AS n, SUM(total) AS s FROM orders GROUP BY user_id",
		"CREATE VIEW v_regions AS SELECT id, UPPER(rname) AS r FROM regions",
		"CREATE VIEW v_notes AS SELECT id, body FROM notes",
		"CREATE VIEW v_top AS SELECT id, user_id FROM orders ORDER BY total DESC LIMIT 3",
		"CREATE VIEW v_over_view AS SELECT uid, total FROM v_orders WHERE note IS NOT NULL")
	steps := []scriptStep{
		{0, "SELECT * FROM v_orders WHERE uid = 7 ORDER BY id", nil},
		{0, "SELECT * FROM v_orders WHERE uid = ? ORDER BY id", []any{3}},
		{0, "SELECT * FROM v_orders WHERE uid IN (2, 9) ORDER BY id", nil},
		{0, "SELECT * FROM v_orders ORDER BY total DESC, id LIMIT 5", nil},
		{0, "SELECT id, note FROM v_orders ORDER BY id LIMIT 4, 3", nil},
		{0, "SELECT COUNT(*), SUM(total), MIN(id), MAX(note) FROM v_orders", nil},
		{0, "SELECT uid, COUNT(*) AS n, SUM(total) FROM v_orders GROUP BY uid ORDER BY uid", nil},
		{0, "SELECT note, COUNT(*) FROM v_orders GROUP BY note HAVING COUNT(*) > 1 ORDER BY note", nil},
		{0, "SELECT DISTINCT note FROM v_orders ORDER BY note", nil},
		{0, "SELECT COUNT(DISTINCT uid) FROM v_orders", nil},
		{0, "SELECT * FROM v_nokey WHERE oid = 5", nil},
		{0, "SELECT * FROM v_nokey ORDER BY amount DESC, oid LIMIT 3", nil},
		{0, "SELECT * FROM v_user_orders WHERE user_id = 4 ORDER BY id", nil},
		{0, "SELECT rname, COUNT(*), SUM(total) FROM v_user_orders GROUP BY rname ORDER BY rname", nil},
		{0, "SELECT * FROM v_per_user ORDER BY s DESC, user_id LIMIT 4", nil},
		{0, "SELECT SUM(n) FROM v_per_user", nil},
		{0, "SELECT * FROM v_per_user WHERE user_id = 5", nil},
		{0, "SELECT v.id, u.name FROM v_orders v JOIN users u ON u.user_id = v.uid WHERE v.uid = 6 ORDER BY v.id", nil},
		{0, "SELECT v.id, u.name FROM v_orders v JOIN users u ON u.user_id = v.uid ORDER BY v.id LIMIT 5", nil},
		{0, "SELECT * FROM v_regions ORDER BY id", nil},
		{0, "SELECT * FROM v_notes ORDER BY id", nil},
		{0, "SELECT * FROM v_over_view WHERE uid = 8 ORDER BY total", nil},
		{0, "SELECT COUNT(*), SUM(total) FROM v_over_view", nil},
		{0, "SELECT COUNT(*), SUM(total) FROM (SELECT uid, total FROM v_orders WHERE total > 20) d", nil},
		{0, "SELECT id FROM v_orders WHERE uid = 3 UNION SELECT id FROM orders WHERE user_id = 3 ORDER BY id", nil},
		{0, "SELECT id, total FROM orders WHERE user_id IN (SELECT uid FROM v_orders WHERE uid = 5) ORDER BY id", nil},
		{0, "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM v_orders v WHERE v.uid = o.user_id AND v.id = o.id) ORDER BY o.id", nil},
		{0, "SHOW FULL TABLES", nil},
		{0, "SHOW CREATE VIEW v_user_orders", nil},
		{0, "SHOW CREATE TABLE v_orders", nil},
		{0, "LOCK TABLES v_orders READ, users READ", nil},
		{0, "SELECT COUNT(*) FROM v_orders", nil},
		{0, "SELECT COUNT(*) FROM users", nil},
		{0, "UNLOCK TABLES", nil},
		{0, "SHOW COLUMNS FROM v_user_orders", nil},
		{0, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1", nil},
		{0, "PREPARE s FROM 'SELECT * FROM v_orders WHERE uid = ? ORDER BY id'", nil},
		{0, "EXECUTE s USING 7", nil},
		{0, "ALTER VIEW v_orders AS SELECT id, user_id AS uid, total, note FROM orders WHERE total > 50", nil},
		{0, "SELECT COUNT(*) FROM v_orders", nil},
		{0, "SELECT * FROM v_orders WHERE uid = 7 ORDER BY id", nil},
		{0, "DROP TABLE v_regions", nil},
		{0, "DROP VIEW v_over_view", nil},
		{0, "SELECT * FROM v_over_view", nil},
		{0, "DROP VIEW IF EXISTS v_nokey, v_notes", nil},
		{0, "SELECT * FROM v_nokey", nil},
	}
	if got, want := runScript(ctx, t, proxy, setup), runScript(ctx, t, direct, setup); !t.Failed() {
		compareScript(t, setup, got, want)
	}
	if t.Failed() {
		t.FailNow()
	}
	compareViewMetadata(t, p, ref)
	got, want := runScript(ctx, t, proxy, steps), runScript(ctx, t, direct, steps)
	compareScript(t, steps, got, want)
	for i, g := range got {
		if strings.HasPrefix(g, "error") && !strings.Contains(steps[i].sql, "v_over_view") && !strings.Contains(steps[i].sql, "v_nokey") && !strings.HasPrefix(steps[i].sql, "DROP TABLE") {
			t.Errorf("%s: %s on both: the test means it to be answered", steps[i].sql, g)
		}
	}

	// Each shard has its own copy of a view over sharded tables.
	for i, s := range shards {
		var n int
		if err := s.DB(t, "shop").QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME IN ('v_orders', 'v_user_orders', 'v_per_user', 'v_regions')").Scan(&n); err != nil || n != 4 {
			t.Errorf("shard s%d has %d of the 4 views over distributed tables (%v)", i, n, err)
		}
	}

	// Created, so that a dump restores, but not readable.
	mustExec(t, proxy[0], "CREATE VIEW v_count AS SELECT COUNT(*) AS n FROM orders")
	kinds := map[string]string{}
	for _, r := range adminRows(t, p.DB(t, appUser, appPass, "shop", ""), "SHOW SHARD CATALOG") {
		kinds[r[1]] = r[2]
	}
	for name, want := range map[string]string{"v_orders": "sharded view", "v_regions": "broadcast view", "v_count": "sharded view", "orders": "sharded"} {
		if kinds[name] != want {
			t.Errorf("SHOW SHARD CATALOG says %s is %q, want %q", name, kinds[name], want)
		}
	}
	refused := []string{
		// The view's LIMIT and aggregates apply to each shard's rows.
		"SELECT * FROM v_top",
		"SELECT * FROM v_top WHERE user_id = 3",
		"SELECT * FROM v_count",
		// Rows of different shards.
		"CREATE VIEW v_bad AS SELECT o.id FROM orders o JOIN notes n ON n.id = o.id",
		"CREATE VIEW v_bad AS SELECT o.id FROM orders o JOIN items i ON i.item_id = o.id",
		"CREATE VIEW v_bad AS SELECT o.id FROM orders o JOIN users u ON u.user_id = o.id",
		"CREATE VIEW v_bad AS SELECT id FROM orders UNION ALL SELECT user_id FROM users",
		"CREATE VIEW v_bad AS SELECT r.id FROM regions r LEFT JOIN orders o ON o.id = r.id",
		// Writes through a view over sharded tables.
		"INSERT INTO v_orders (id, uid, total) VALUES (100, 1, 60)",
		"UPDATE v_orders SET note = 'x' WHERE uid = 1",
		"DELETE FROM v_regions WHERE id = 1",
	}
	for _, q := range refused {
		_, err := proxy[0].ExecContext(ctx, q)
		if n := mysqlErrNumber(err); n != 1235 {
			t.Errorf("%s: %v, want error 1235", q, err)
		} else {
			t.Logf("refused: %s: %v", q, err)
		}
	}
	if !t.Failed() {
		t.Logf("%d setup and %d view statements answered as MariaDB does; %d refused with 1235", len(setup), len(steps), len(refused))
	}
}

// compareViewMetadata compares the column definitions, byte for byte, of
// reads of views through the proxy (one shard's answer relayed, and
// several shards' answers merged) with the reference's.
func compareViewMetadata(t *testing.T, p *harness.Proxy, ref *harness.MariaDB) {
	t.Helper()
	dial := func(addr, user, pass string) *gomysql.Conn {
		c, err := gomysql.Connect(addr, user, pass, "shop")
		if err != nil {
			t.Fatalf("connect %s: %v", addr, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	pc, rc := dial(p.Addr(), appUser, appPass), dial(ref.Addr(), "root", "")
	for _, q := range []string{
		"SELECT * FROM v_orders WHERE uid = 7",
		"SELECT * FROM v_orders ORDER BY id",
		"SELECT * FROM v_user_orders ORDER BY id",
		"SELECT * FROM v_per_user ORDER BY user_id",
		"SELECT * FROM v_regions",
	} {
		gr, err := pc.Execute(q)
		if err != nil {
			t.Errorf("%s through the proxy: %v", q, err)
			continue
		}
		wr, err := rc.Execute(q)
		if err != nil {
			t.Fatalf("%s on the reference: %v", q, err)
		}
		got, want := rawFields(gr.Fields), rawFields(wr.Fields)
		if len(got) != len(want) {
			t.Errorf("%s: %d columns through the proxy, %d from MariaDB", q, len(got), len(want))
			continue
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s column %d:\nproxy:   %q\nMariaDB: %q", q, i, got[i], want[i])
			}
		}
	}
}

// TestMergedReadFailureConditions: a read over several shards that fails
// lists every condition the shard's statement raised, as one server's
// does (a view whose column went: 1054, then 1356); the proxy kept only
// the error packet's.
func TestMergedReadFailureConditions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE sw (id INT PRIMARY KEY, k INT, v INT)",
		"INSERT INTO sw VALUES (1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4)",
		"CREATE VIEW vw AS SELECT id, k, v FROM sw",
		"ALTER TABLE sw DROP COLUMN v")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SELECT * FROM vw ORDER BY id", nil},
		{0, "SELECT @@warning_count, @@error_count", nil},
		{0, "SELECT id, nosuch FROM sw ORDER BY id", nil},
		{0, "SHOW WARNINGS", nil},
	})
	// The messages name the schema (sh, direct): their codes.
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.QueryContext(ctx, "SELECT * FROM vw ORDER BY id"); mysqlErrNumber(err) != 1356 {
		t.Fatalf("SELECT * FROM vw: %v, want 1356", err)
	}
	rows, err := c.QueryContext(ctx, "SHOW WARNINGS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var level, code, msg string
		if err := rows.Scan(&level, &code, &msg); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, code)
	}
	if got := strings.Join(codes, ","); got != "1054,1356" {
		t.Errorf("SHOW WARNINGS after the view's 1356: codes %s, want 1054,1356", got)
	}
}
