package integration

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// foundRowsSteps interleave three sessions (and a fourth that connected
// with CLIENT_FOUND_ROWS) reading FOUND_ROWS() and ROW_COUNT() after every
// kind of statement; with two backend connections the sessions share
// them.
var foundRowsSteps = []scriptStep{
	{2, "SELECT FOUND_ROWS(), ROW_COUNT()", nil}, // a fresh session's
	{0, "SELECT SQL_CALC_FOUND_ROWS * FROM fr ORDER BY id LIMIT 2", nil},
	{1, "SELECT * FROM fr WHERE v > 2 ORDER BY id", nil},
	{1, "UPDATE fr SET v = v + 1 WHERE id < 4", nil},
	{0, "SELECT FOUND_ROWS()", nil},
	{0, "SELECT FOUND_ROWS() AS f, ROW_COUNT() AS r", nil}, // the read itself counts
	{1, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{2, "SELECT * FROM fr ORDER BY id LIMIT 2 OFFSET 3", nil},
	{0, "DELETE FROM fr WHERE id > 100", nil},
	{2, "SELECT FOUND_ROWS()", nil},
	{0, "SELECT ROW_COUNT()", nil},
	{1, "SELECT * FROM fr ORDER BY id LIMIT 10 OFFSET 20", nil},
	{1, "SELECT FOUND_ROWS()", nil},
	{0, "INSERT INTO fr VALUES (7, 7), (8, 8)", nil},
	{0, "SET @x = 1", nil},
	{0, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{0, "INSERT INTO fr VALUES (9, 9)", nil},
	{0, "SELECT ROW_COUNT()", nil},
	// LAST_INSERT_ID() beside the counters: the session's own.
	{1, "INSERT INTO fra (v) VALUES (1), (2)", nil},
	{1, "SELECT LAST_INSERT_ID(), ROW_COUNT()", nil},
	{0, "SELECT ROW_COUNT(), @@last_insert_id, @@identity", nil},
	{2, "INSERT INTO fra (v) VALUES (3)", nil},
	{1, "SELECT FOUND_ROWS(), LAST_INSERT_ID()", nil},
	{2, "SELECT LAST_INSERT_ID() AS id, ROW_COUNT() AS n", nil},
	{1, "SELECT id FROM fr WHERE id < 3 UNION ALL SELECT id FROM fr WHERE id < 4 LIMIT 1", nil},
	{2, "SELECT SQL_CALC_FOUND_ROWS * FROM fr LIMIT 0", nil},
	{1, "SELECT FOUND_ROWS()", nil},
	{2, "SELECT * FROM nosuch", nil}, // an error: ROW_COUNT() -1, FOUND_ROWS() kept
	{2, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{0, "BEGIN", nil},
	{0, "SELECT SQL_CALC_FOUND_ROWS id FROM fr WHERE id > 2 LIMIT 1", nil},
	{1, "SELECT SQL_CALC_FOUND_ROWS id FROM fr WHERE id > 5 LIMIT 1", nil},
	{0, "UPDATE fr SET v = 0 WHERE id = 1", nil},
	{0, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
	{0, "INSERT INTO fra (v) VALUES (4)", nil}, // on the transaction's connection
	{0, "SELECT LAST_INSERT_ID(), ROW_COUNT()", nil},
	{0, "COMMIT", nil},
	{0, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{1, "SELECT FOUND_ROWS()", nil},
	{1, "SHOW TABLES", nil},
	{1, "SELECT FOUND_ROWS()", nil},
	{2, "SELECT * FROM fr LIMIT 3", nil},
	{2, "SHOW CREATE TABLE fr", nil}, // leaves FOUND_ROWS()
	{2, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
	{1, "SELECT * FROM fr WHERE id > ? ORDER BY id", []any{6}}, // binary protocol
	{1, "SELECT FOUND_ROWS()", nil},
	{2, "SELECT SQL_CALC_FOUND_ROWS * FROM fr WHERE id > ? ORDER BY id LIMIT 1", []any{3}},
	{2, "SELECT FOUND_ROWS()", nil},
	{0, "CREATE TABLE frx (id INT)", nil},
	{0, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{0, "DROP TABLE frx", nil},
	{3, "UPDATE fr SET v = v WHERE id < 4", nil}, // CLIENT_FOUND_ROWS: matched rows
	{3, "SELECT ROW_COUNT()", nil},
	{3, "UPDATE fr SET v = v + 1 WHERE id < 3", nil},
	{0, "UPDATE fr SET v = v WHERE id < 4", nil},
	{3, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{0, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
	{1, "SELECT 1", nil},
	{1, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
}

// TestFoundRowsPerSession: FOUND_ROWS() and ROW_COUNT() answer each
// session's own last statement, as on one MariaDB, although the sessions
// share two backend connections. The script runs through the proxy and
// directly on the shard, and every answer is compared.
func TestFoundRowsPerSession(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_fr")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_fr")} {
		mustExec(t, db, "CREATE TABLE fr (id INT PRIMARY KEY, v INT)")
		mustExec(t, db, "INSERT INTO fr VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6)")
		mustExec(t, db, "CREATE TABLE fra (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
	}
	proxy, direct := f.db(t, "shop", ""), f.shard(t, "direct_fr")
	proxyFound := f.db(t, "shop", "clientFoundRows=true")
	directFound := f.s0.DB(t, "direct_fr?clientFoundRows=true")
	got := runScript(ctx, t, append(openSessions(ctx, t, proxy, 3), openEach(ctx, t, proxyFound)...), foundRowsSteps)
	want := runScript(ctx, t, append(openSessions(ctx, t, direct, 3), openEach(ctx, t, directFound)...), foundRowsSteps)
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "direct_fr", "shop")
	}
	compareScript(t, foundRowsSteps, got, want)

	// The column definitions are MariaDB's.
	for _, q := range []string{"SELECT FOUND_ROWS(), ROW_COUNT()", "SELECT ROW_COUNT() AS r", "SELECT LAST_INSERT_ID(), ROW_COUNT(), @@identity"} {
		if g, w := columnTypes(t, proxy, q), columnTypes(t, direct, q); g != w {
			t.Errorf("%s: columns through the proxy %s, direct %s", q, g, w)
		}
	}
	// Other uses of the functions are refused, not answered with another
	// connection's counts.
	for _, q := range []string{"SELECT FOUND_ROWS() + 1", "INSERT INTO fr VALUES (100, ROW_COUNT())", "SELECT * FROM fr WHERE id = FOUND_ROWS()"} {
		_, err := proxy.Exec(q)
		wantMySQLError(t, err, 1235, "42000")
	}
}

// TestFoundRowsSharded: the same over a table sharded on two shards,
// against a reference server holding all rows. A multi-shard
// SQL_CALC_FOUND_ROWS adds up the shards' counts; with DISTINCT or
// aggregates it is refused (1235), as is FOUND_ROWS() after a merged
// read whose count only one server holding all rows would know.
func TestFoundRowsSharded(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	s0, s1, ref := env.StartMariaDB(t, "s0"), env.StartMariaDB(t, "s1"), env.StartMariaDB(t, "ref")
	for _, m := range []*harness.MariaDB{s0, s1, ref} {
		m.CreateDatabase(t, "shop")
	}
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
		Users:  map[string]string{appUser: appPass},
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: sh, shard_key: id, algorithm: hash}
		`,
		Extra: "backend: {max_open: 2, max_idle: 2}",
	})
	proxy, direct := p.DB(t, appUser, appPass, "shop", ""), ref.DB(t, "shop")
	for _, db := range []*sql.DB{proxy, direct} {
		mustExec(t, db, "CREATE TABLE sh (id INT PRIMARY KEY, v INT)")
		mustExec(t, db, "INSERT INTO sh (id, v) VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)")
	}
	steps := []scriptStep{
		{0, "SELECT * FROM sh ORDER BY id LIMIT 3", nil},
		{1, "SELECT SQL_CALC_FOUND_ROWS * FROM sh WHERE id = 5 LIMIT 1", nil},
		{2, "UPDATE sh SET v = v + 1 WHERE id > 2", nil},
		{0, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
		{1, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
		{2, "SELECT ROW_COUNT(), FOUND_ROWS()", nil},
		{0, "SELECT * FROM sh ORDER BY id LIMIT 2 OFFSET 5", nil},
		{1, "SELECT * FROM sh WHERE v > 4 ORDER BY id", nil},
		{2, "DELETE FROM sh WHERE id IN (1, 2, 3)", nil},
		{0, "SELECT FOUND_ROWS()", nil},
		{1, "SELECT FOUND_ROWS()", nil},
		{2, "SELECT ROW_COUNT()", nil},
		{0, "SELECT * FROM sh WHERE id = ? LIMIT 1 OFFSET 0", []any{4}},
		{0, "SELECT FOUND_ROWS()", nil},
		{1, "SELECT COUNT(*) FROM sh", nil},
		{1, "SELECT FOUND_ROWS()", nil},
		// Across shards: each shard's count adds up.
		{2, "SELECT SQL_CALC_FOUND_ROWS id FROM sh ORDER BY id LIMIT 1", nil},
		{2, "SELECT FOUND_ROWS()", nil},
		{0, "SELECT SQL_CALC_FOUND_ROWS id, v FROM sh WHERE v > 5 ORDER BY v DESC LIMIT 1, 2", nil},
		{1, "SELECT SQL_CALC_FOUND_ROWS * FROM sh WHERE id > 100 LIMIT 5", nil},
		{0, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
		{1, "SELECT FOUND_ROWS()", nil},
		{2, "SELECT SQL_CALC_FOUND_ROWS id FROM sh ORDER BY id LIMIT ?", []any{float64(2)}},
		{2, "SELECT FOUND_ROWS()", nil},
		// A result set merged from several shards' RETURNING: ROW_COUNT() -1.
		{1, "INSERT INTO sh (id, v) VALUES (20, 1), (21, 1), (22, 1) RETURNING id", nil},
		{1, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, proxy, 3), steps)
	want := runScript(ctx, t, openSessions(ctx, t, direct, 3), steps)
	compareScript(t, steps, got, want)

	// With DISTINCT or aggregates the shards' counts do not add up.
	c := openSessions(ctx, t, proxy, 1)[0]
	_, err := c.ExecContext(ctx, "SELECT SQL_CALC_FOUND_ROWS DISTINCT v FROM sh ORDER BY v LIMIT 1")
	wantMySQLError(t, err, 1235, "42000")
	_, err = c.ExecContext(ctx, "SELECT SQL_CALC_FOUND_ROWS v, COUNT(*) FROM sh GROUP BY v LIMIT 1")
	wantMySQLError(t, err, 1235, "42000")
	if _, err := c.ExecContext(ctx, "SELECT * FROM sh ORDER BY id LIMIT 2 OFFSET 50"); err != nil {
		t.Fatal(err)
	}
	_, err = c.ExecContext(ctx, "SELECT FOUND_ROWS()")
	wantMySQLError(t, err, 1235, "42000")
}
