package integration

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestInsertIDUsedOnce: SET insert_id names the id of the next statement
// that generates one, after which MariaDB resets it to 0. The proxy kept
// the value it was set to and replayed it on the session's next backend
// connection: a second INSERT got 1062 for the id the first one had used.
func TestInsertIDUsedOnce(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_iid", "CREATE TABLE ii (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
	steps := []scriptStep{
		{0, "SET SESSION insert_id = 500", nil},
		{1, "BEGIN", nil},
		{1, "INSERT INTO ii (v) VALUES (1)", nil}, // session 1 holds a connection
		{0, "INSERT INTO ii (v) VALUES (2)", nil}, // 500
		{0, "SELECT @@insert_id", nil},
		{1, "COMMIT", nil},
		{0, "BEGIN", nil},
		{0, "SELECT 1 FROM ii LIMIT 1", nil}, // session 0 on the other connection now
		{1, "INSERT INTO ii (v) VALUES (3)", nil},
		{0, "INSERT INTO ii (v) VALUES (4)", nil},
		{0, "COMMIT", nil},
		{0, "SELECT @@insert_id", nil},
		{0, "SET SESSION insert_id = 700", nil},
		{0, "SELECT @@insert_id", nil},
		{0, "SELECT COUNT(*) FROM ii", nil}, // generates nothing: insert_id stays
		{0, "SELECT @@insert_id", nil},
		{0, "INSERT INTO ii (v) VALUES (5), (6)", nil},
		{1, "INSERT INTO ii (v) VALUES (7)", nil},
		{0, "SELECT id, v FROM ii ORDER BY v", nil},
	}
	compareSessions(ctx, t, f.db(t, "shop", ""), f.shard(t, "direct_iid"), 2, steps)
}

// TestShardedAutoIncrementSessionVars: the ids of a sharded table come from
// the proxy's sequence, consecutive; MariaDB would follow the session's
// auto_increment_increment, auto_increment_offset and insert_id (1, 11, 21
// under an increment of 10). Before, the proxy gave 1, 2, 3 all the same;
// now the INSERT is refused, naming the variable, and writes nothing.
func TestShardedAutoIncrementSessionVars(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	_, p := startShardsEtcd(t, 2, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: ai_vars, shard_key: who, algorithm: mod}
		`, []string{etcd.Endpoint()})
	ctx := testCtx(t, 2*time.Minute)
	db := p.DB(t, appUser, appPass, "shop", "")
	mustExec(t, db, "CREATE TABLE ai_vars (id BIGINT AUTO_INCREMENT PRIMARY KEY, who INT NOT NULL)")
	sess := openSessions(ctx, t, db, 1)[0]
	for _, v := range []struct{ set, name string }{
		{"SET SESSION auto_increment_increment = 10", "auto_increment_increment"},
		{"SET SESSION auto_increment_offset = 3", "auto_increment_offset"},
		{"SET SESSION insert_id = 500", "insert_id"},
	} {
		mustExec(t, sess, v.set)
		_, err := sess.ExecContext(ctx, "INSERT INTO ai_vars (who) VALUES (1), (2)")
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1235 || !strings.Contains(me.Message, v.name) {
			t.Errorf("after %s, a sharded INSERT that needs ids: %v, want error 1235 naming %s", v.set, err, v.name)
		}
		// An explicit id needs none from the sequence.
		mustExec(t, sess, "INSERT INTO ai_vars (id, who) VALUES (1000, 1)")
		mustExec(t, sess, "DELETE FROM ai_vars WHERE id = 1000")
		mustExec(t, sess, "SET SESSION "+v.name+" = DEFAULT")
	}
	mustExec(t, sess, "INSERT INTO ai_vars (who) VALUES (1), (2)")
	var n int
	if err := sess.QueryRowContext(ctx, "SELECT COUNT(*) FROM ai_vars").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows after the refusals and one INSERT of 2 rows: %d (%v), want 2", n, err)
	}
}

// TestSetLastInsertID: SET last_insert_id (or @@identity) sets the
// session's LAST_INSERT_ID(), as LAST_INSERT_ID(expr) does, until the next
// generated id; the proxy keeps the session's value itself, so the SET
// must reach it, not only the pooled connections' variables.
func TestSetLastInsertID(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_sli", "CREATE TABLE sli (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
	steps := []scriptStep{
		{0, "INSERT INTO sli (v) VALUES (1)", nil},
		{0, "SET last_insert_id = 7", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{1, "SELECT LAST_INSERT_ID()", nil}, // another session's
		{0, "SELECT @@identity, @@last_insert_id", nil},
		{0, "SELECT LAST_INSERT_ID(), ROW_COUNT()", nil},
		{0, "SET @@identity = 9", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SET SESSION last_insert_id = 11, @a = 1", nil},
		{0, "SELECT LAST_INSERT_ID(), @a", nil},
		{0, "INSERT INTO sli (v) VALUES (2)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{1, "BEGIN", nil},
		{1, "INSERT INTO sli (v) VALUES (3)", nil},
		{1, "SET last_insert_id = 20", nil},
		{1, "SELECT LAST_INSERT_ID()", nil},
		{1, "COMMIT", nil},
		{1, "SELECT LAST_INSERT_ID()", nil},
		{0, "SET last_insert_id = 'x'", nil},
		{0, "SET last_insert_id = -1", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SET last_insert_id = DEFAULT", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SET last_insert_id = 18446744073709551615", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
	}
	compareSessions(ctx, t, f.db(t, "shop", ""), f.shard(t, "direct_sli"), 2, steps)
}

// TestPreparedSetParams: a SET with ? markers prepared over the binary
// protocol (what go-sql-driver sends for db.Exec("SET @a = ?", v) unless
// it interpolates) runs as on MariaDB: the values the client binds are
// the session's, whatever their type.
func TestPreparedSetParams(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_psp", "CREATE TABLE psp (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
	steps := []scriptStep{
		{0, "SET @a = ?", []any{5}},
		{0, "SELECT @a, @a + 1", nil},
		{1, "SELECT @a", nil}, // another session's
		{0, "SET @s = ?, @f = ?, @b = ?", []any{"it's \\ \"x\" ü", 2.5, []byte{0, 1, 0xff}}},
		{0, "SELECT @s, COLLATION(@s), HEX(@s), @f, @f * 3, HEX(@b), COLLATION(@b)", nil},
		{0, "SET @n = ?", []any{nil}},
		{0, "SELECT @n IS NULL", nil},
		{0, "SET @big = ?, @neg = ?", []any{uint64(18446744073709551615), int64(-9223372036854775808)}},
		{0, "SELECT @big, @neg", nil},
		{0, "SET time_zone = ?", []any{"+02:00"}},
		{0, "SELECT @@time_zone", nil},
		{1, "SELECT @@time_zone", nil},
		{0, "SET last_insert_id = ?", []any{13}},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "SET SESSION sql_mode = ?", []any{"STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES"}},
		{0, "SET @e = ?", []any{"plain"}},
		{0, "SELECT @e, @@sql_mode", nil},
		{0, "SET @nosuch = ?, nosuch_var = ?", []any{1, 2}},
		{0, "SET autocommit = ?", []any{0}},
		{0, "SELECT @@autocommit", nil},
		{0, "INSERT INTO psp (v) VALUES (1)", nil},
		{0, "ROLLBACK", nil},
		{0, "SELECT COUNT(*) FROM psp", nil},
		{0, "SET autocommit = ?", []any{1}},
	}
	compareSessions(ctx, t, f.db(t, "shop", ""), f.shard(t, "direct_psp"), 2, steps)
}
