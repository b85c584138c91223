package integration

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestKeyConversions: shard key values written as MariaDB converts them
// (a decimal or numeric text into an INT key, a hex literal compared with
// it, trailing garbage) place and find rows as on one MariaDB holding all
// of them. Before the catalog typed hash keys, '42.7' went to the shard of
// the decimal 42.7 while MariaDB stored 43, which a read of 43 then did
// not find; 0x5 and '5abc' matched nothing.
func TestKeyConversions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	proxy, direct, shards := startHashFixture(t,
		"CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"CREATE TABLE su (id TINYINT UNSIGNED PRIMARY KEY, k INT)",
		"CREATE TABLE sdec (d DECIMAL(5,2) PRIMARY KEY, n INT)",
		"CREATE TABLE sv (name VARCHAR(20) PRIMARY KEY, n INT)")
	steps := textSteps(
		"INSERT INTO sw (id, k) VALUES ('42.7', 1)",
		"INSERT INTO sw (id, k) VALUES (50.5, 2), (-50.5, 3)",
		"INSERT INTO sw (id, k) VALUES ('54.49', 4), (58.5e0, 5), ('  7.5  ', 6)",
		"INSERT INTO sw (id, k) VALUES ('1e1', 7)",
		"INSERT INTO sw (id, k) VALUES ('55x', 8)", // strict: refused as on one server
		"SET SESSION sql_mode = ''",
		"INSERT INTO sw (id, k) VALUES ('55x', 8), ('56.6x', 9), (99999999999, 10)",
		"SHOW WARNINGS",
		"INSERT INTO su (id, k) VALUES (-1, 1), (300, 2), ('7.5', 3)",
		"SET SESSION sql_mode = DEFAULT",
		"SELECT id, k FROM sw ORDER BY id",
		"SELECT id, k FROM su ORDER BY id",
		"SELECT id, k FROM sw WHERE id = 43",
		"SELECT id, k FROM sw WHERE id = 51",
		"SELECT id, k FROM sw WHERE id = -51",
		"SELECT id, k FROM sw WHERE id = 58",
		"SELECT id, k FROM sw WHERE id = 57",
		"SELECT id, k FROM sw WHERE id = 2147483647",
		"SELECT id, k FROM su WHERE id = 255",
		"SELECT id, k FROM sw WHERE id = 0x2B",
		"SELECT id, k FROM sw WHERE id = b'101011'",
		"SELECT id, k FROM sw WHERE id = X'2B'",
		"SELECT id, k FROM sw WHERE id IN (0x2B, 51) ORDER BY id",
		"SELECT id, k FROM sw WHERE id = '43abc'",
		"SELECT id, k FROM sw WHERE id IN ('51abc', 43) ORDER BY id",
		"SELECT id, k FROM sw WHERE id = 42.7",
		"SELECT id, k FROM sw WHERE id = '43.0'",
		"UPDATE sw SET k = k + 100 WHERE id = 0x2B",
		"SELECT id, k FROM sw WHERE id = 43",
		"DELETE FROM sw WHERE id = 0x36",
		"SELECT COUNT(*) FROM sw",
		// Hex literals: 0x and b'' are numbers against an integer, X'' a
		// string, also where the proxy writes the statement again.
		"INSERT INTO sw (id, k) VALUES (0x2C, 0x10), (b'101101', 0x11)",
		"INSERT INTO sw (id, k) VALUES (X'2E', 1)",
		"SELECT id, k FROM sw WHERE id IN (44, 45) ORDER BY id",
		"SELECT id FROM sw WHERE k = 0x10 OR k = b'10001' OR k = X'11' ORDER BY id",
		"UPDATE sw SET k = 0x20 WHERE id IN (44, 45, 51)",
		"SELECT id, k FROM sw WHERE k = 32 ORDER BY id",
		// A DECIMAL(5,2) key keeps two decimals, rounded half away from
		// zero (a DOUBLE from its shortest form).
		"INSERT INTO sdec VALUES (1.50, 1), (999.99, 2)",
		"INSERT INTO sdec VALUES (1.504, 3)", // 1.50: a duplicate, as on one server
		"INSERT INTO sdec VALUES (2.675e0, 4), ('3.335', 5), (4.445e0, 6), (-1.505, 7)",
		"SELECT d, n FROM sdec ORDER BY d",
		"SELECT d, n FROM sdec WHERE d = 2.68",
		"SELECT d, n FROM sdec WHERE d = '3.34'",
		"SELECT d, n FROM sdec WHERE d = 4.45",
		"SELECT d, n FROM sdec WHERE d = -1.51",
		"SELECT d, n FROM sdec WHERE d = 1.504",
		"SET SESSION sql_mode = ''",
		"INSERT INTO sdec VALUES (1000, 8)", // 999.99: a duplicate
		"SET SESSION sql_mode = DEFAULT",
		// A text key compared with a number compares as numbers: '1abc'
		// and ' 1' are 1 too, wherever they live.
		"INSERT INTO sv VALUES ('1abc', 1), (' 1', 2), ('1', 3), ('abc', 4), ('2x', 5), ('1.0', 6)",
		"SELECT name, n FROM sv WHERE name = 1 ORDER BY n",
		"SELECT name, n FROM sv WHERE name IN (2, 'abc') ORDER BY n",
		"SELECT name, n FROM sv WHERE name = '1' ORDER BY n",
		// A NULL or DEFAULT key of a NOT NULL column without a default: the
		// shard of the implicit default answers as MariaDB (it refused
		// with 1235 "no shard holds NULL").
		"INSERT INTO sw (id, k) VALUES (NULL, 1)",
		"INSERT INTO sw (id, k) VALUES (DEFAULT, 1)",
		"INSERT INTO sw (id, k) VALUES (NULL, 1), (NULL, 2)",
		"SET SESSION sql_mode = ''",
		"INSERT INTO sw (id, k) VALUES (NULL, 1), (NULL, 2)",
		"SET SESSION sql_mode = DEFAULT",
		"SELECT id, k FROM sw WHERE id = 0",
	)
	steps = append(steps, scriptStep{0, "SELECT name, n FROM sv WHERE name = ? ORDER BY n", []any{1}})
	steps = append(steps,
		scriptStep{0, "INSERT INTO sw (id, k) VALUES (?, 20)", []any{60.5}},   // DOUBLE: half to even, 60
		scriptStep{0, "INSERT INTO sw (id, k) VALUES (?, 21)", []any{"61.5"}}, // text: 62
		scriptStep{0, "SELECT id, k FROM sw WHERE id = ?", []any{60}},
		scriptStep{0, "SELECT id, k FROM sw WHERE id = ?", []any{62}},
		scriptStep{0, "SELECT id, k FROM sw WHERE id = ?", []any{"62abc"}},
	)
	compareSessions(ctx, t, proxy, direct, 1, steps)

	// Every row is where its key sends a point read: found by it.
	for _, m := range shards {
		for _, table := range []string{"sw", "su", "sdec"} {
			key := map[string]string{"sdec": "d"}[table]
			if key == "" {
				key = "id"
			}
			for _, id := range queryStrings(t, m.DB(t, "sh"), "SELECT "+key+" FROM "+table) {
				var n int
				if err := proxy.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s = %s", table, key, id)).Scan(&n); err != nil || n != 1 {
					t.Errorf("%s row %s on shard %s: a point read through the proxy counts %d (%v), want 1", table, id, m.Name(), n, err)
				}
			}
		}
	}
}

// startHashFixture starts three shards and a proxy over them with the
// schema sh, whose tables sw and su are hash-sharded by id, and gives the
// proxy's database, a database on s0 to compare with (one MariaDB holding
// every row) and the shards, after running setup on both.
func startHashFixture(t *testing.T, setup ...string) (proxy, direct *sql.DB, shards []*harness.MariaDB) {
	t.Helper()
	_, proxy, direct, shards = startHashProxy(t, setup...)
	return proxy, direct, shards
}

// startHashProxy is startHashFixture that also gives the proxy, for
// clients other than database/sql.
func startHashProxy(t *testing.T, setup ...string) (p *harness.Proxy, proxy, direct *sql.DB, shards []*harness.MariaDB) {
	t.Helper()
	var specs []harness.ShardSpec
	for _, n := range []string{"s0", "s1", "s2"} {
		m := env.StartMariaDB(t, n)
		m.CreateDatabase(t, "sh")
		shards = append(shards, m)
		specs = append(specs, harness.ShardSpec{Name: n, DSN: m.DSN("")})
	}
	shards[0].CreateDatabase(t, "direct")
	p = env.StartProxy(t, harness.ProxyConfig{
		Shards:  specs,
		Schemas: "\n  - name: sh\n    default_shard: s0\n    tables:\n      - {name: sw, shard_key: id, algorithm: hash}\n      - {name: su, shard_key: id, algorithm: hash}\n      - {name: sdec, shard_key: d, algorithm: hash}\n      - {name: sv, shard_key: name, algorithm: hash}\n",
		Users:   map[string]string{appUser: appPass},
	})
	proxy, direct = p.DB(t, appUser, appPass, "sh", ""), shards[0].DB(t, "direct")
	for _, q := range setup {
		mustExec(t, proxy, q)
		mustExec(t, direct, q)
	}
	return p, proxy, direct, shards
}

// TestRefusalOrMariaDBError: a SELECT the proxy would refuse that MariaDB
// refuses itself (an unknown column in HAVING, an ORDER BY position out of
// range) gets MariaDB's error, in both protocols; a statement MariaDB runs
// keeps the proxy's refusal.
func TestRefusalOrMariaDBError(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t, "CREATE TABLE sw (id INT PRIMARY KEY, k INT, v VARCHAR(10))",
		"INSERT INTO sw VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'a')")
	for _, q := range []string{
		"SELECT v, COUNT(*) FROM sw GROUP BY v HAVING k > 1",
		"SELECT v, COUNT(*) FROM sw GROUP BY v HAVING nosuch > 1",
		"SELECT id, k FROM sw ORDER BY 3",
		"SELECT id, k FROM sw ORDER BY 0",
		"SELECT v FROM sw GROUP BY 99",
		"SELECT * FROM sw ORDER BY 99",
		"SELECT v, COUNT(*) FROM sw GROUP BY v ORDER BY nosuch",
		"SELECT MAX(id) FROM sw ORDER BY nosuch",
		// Rewritten for the merge, the shards' errors named the select
		// list the proxy moved the names to.
		"SELECT id FROM sw ORDER BY nosuch",
		"SELECT id FROM sw ORDER BY sw.nosuch LIMIT 3",
		"SELECT v FROM sw GROUP BY nosuch",
		"SELECT v FROM sw GROUP BY v HAVING COUNT(nosuch) > 1",
		"SELECT v FROM sw GROUP BY v ORDER BY SUM(nosuch)",
		"SELECT COUNT(*) FROM sw GROUP BY 1",
		// Syntax errors of statements the proxy's parser cannot read
		// either: MariaDB's 1064, not "cannot parse".
		"COMMIT AND NO RELEASE",
		"COMMIT AND CHAIN RELEASE",
		"START TRANSACTION READ WRITE, READ ONLY",
	} {
		_, perr := proxy.ExecContext(ctx, q)
		_, derr := direct.ExecContext(ctx, q)
		sameMySQLError(t, q, perr, derr)
		_, perr = proxy.PrepareContext(ctx, q)
		_, derr = direct.PrepareContext(ctx, q)
		sameMySQLError(t, "prepared "+q, perr, derr)
	}
	// MariaDB runs these; over several shards the proxy cannot, and its
	// parser does not read the second.
	_, err := proxy.ExecContext(ctx, "SELECT GROUP_CONCAT(v) FROM sw")
	wantMySQLError(t, err, 1235, "42000")
	_, err = proxy.ExecContext(ctx, "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT")
	wantMySQLError(t, err, 1235, "42000")
}

// TestSQLExecuteInfoSchema: an EXECUTE of a SQL PREPARE'd read of
// information_schema.TABLES answers a sharded table's AUTO_INCREMENT as
// the table's, as the same query does, not the default shard's counter
// (which the proxy's own ids never move).
func TestSQLExecuteInfoSchema(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t, "CREATE TABLE sw (id INT AUTO_INCREMENT PRIMARY KEY, k INT)",
		"INSERT INTO sw (k) VALUES (1), (2), (3), (4), (5), (6)")
	const q = "SELECT TABLE_NAME, AUTO_INCREMENT, TABLE_ROWS > 0 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'sw'"
	answer := func(db *sql.DB, schema string) [][]string {
		c := openSessions(ctx, t, db, 1)[0]
		for _, s := range []string{"SET @s = '" + schema + "'", "PREPARE ps FROM \"" + q + "\""} {
			if _, err := c.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		return [][]string{queryRows(ctx, t, c, "EXECUTE ps USING @s"), queryRows(ctx, t, c, "SELECT TABLE_NAME, AUTO_INCREMENT, TABLE_ROWS > 0 FROM information_schema.TABLES WHERE TABLE_SCHEMA = @s AND TABLE_NAME = 'sw'")}
	}
	got, want := answer(proxy, "sh"), answer(direct, "direct")
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("EXECUTE, then the same query:\n proxy:   %q\n MariaDB: %q", got, want)
	}
}

// TestInfoSchemaExactNames: a schema or table name compared with = finds
// information_schema rows as MariaDB's file-name lookup does, case
// included; LIKE ignores case as the collation does. The gathered rows
// were compared in their collation: an ORM's "does table SW exist" was
// told yes beside sw (found by a differential hunt).
func TestInfoSchemaExactNames(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct, _ := startHashFixture(t, "CREATE TABLE sw (id INT PRIMARY KEY, k INT)")
	var steps []scriptStep
	for _, name := range []string{"sw", "SW", "Sw"} {
		steps = append(steps,
			scriptStep{0, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" + name + "'", nil},
			scriptStep{0, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '" + name + "'", nil},
			scriptStep{0, "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ? AND table_type = 'BASE TABLE'", []any{name}},
			scriptStep{0, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", []any{name}},
			scriptStep{0, "SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND (TABLE_NAME = '" + name + "')", nil},
		)
	}
	// information_schema is no directory: its own names ignore case.
	steps = append(steps,
		scriptStep{0, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'INFORMATION_SCHEMA' AND TABLE_NAME = 'tables'", nil},
		scriptStep{0, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'Information_Schema'", nil})
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
