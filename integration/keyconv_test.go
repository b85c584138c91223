package integration

import (
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
	var shards []*harness.MariaDB
	var specs []harness.ShardSpec
	for _, n := range []string{"s0", "s1", "s2"} {
		m := env.StartMariaDB(t, n)
		m.CreateDatabase(t, "sh")
		shards = append(shards, m)
		specs = append(specs, harness.ShardSpec{Name: n, DSN: m.DSN("")})
	}
	shards[0].CreateDatabase(t, "direct")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards:  specs,
		Schemas: "\n  - name: sh\n    default_shard: s0\n    tables:\n      - {name: sw, shard_key: id, algorithm: hash}\n      - {name: su, shard_key: id, algorithm: hash}\n",
		Users:   map[string]string{appUser: appPass},
	})
	proxy, direct := p.DB(t, appUser, appPass, "sh", ""), shards[0].DB(t, "direct")
	for _, q := range []string{
		"CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"CREATE TABLE su (id TINYINT UNSIGNED PRIMARY KEY, k INT)",
	} {
		mustExec(t, proxy, q)
		mustExec(t, direct, q)
	}
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
	)
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
		for _, table := range []string{"sw", "su"} {
			for _, id := range queryStrings(t, m.DB(t, "sh"), "SELECT id FROM "+table) {
				var n int
				if err := proxy.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE id = %s", table, id)).Scan(&n); err != nil || n != 1 {
					t.Errorf("%s row %s on shard %s: a point read through the proxy counts %d (%v), want 1", table, id, m.Name(), n, err)
				}
			}
		}
	}
}
