package integration

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestSavepointsAcrossShards: SAVEPOINT, ROLLBACK [WORK] TO and RELEASE in a
// transaction whose writes go to several shards, including shards whose
// branch opens after the savepoint, answer and leave the rows as one
// MariaDB holding all rows does.
func TestSavepointsAcrossShards(t *testing.T) {
	t.Parallel()
	ctx, ref, p := startSavepointShards(t, "CREATE TABLE sp_t (id INT PRIMARY KEY, v VARCHAR(10))")
	steps := []scriptStep{
		{0, "SAVEPOINT outside", nil},
		{0, "ROLLBACK TO SAVEPOINT outside", nil}, // 1305: autocommit keeps none
		{0, "ROLLBACK WORK TO SAVEPOINT outside", nil},
		{0, "BEGIN", nil},
		{0, "SAVEPOINT a", nil}, // no branch open yet
		{0, "INSERT INTO sp_t VALUES (1, 'one')", nil},
		{0, "SAVEPOINT b", nil},
		{0, "INSERT INTO sp_t VALUES (2, 'two'), (3, 'three')", nil}, // opens two branches after b
		{0, "SELECT * FROM sp_t ORDER BY id", nil},
		{0, "ROLLBACK TO SAVEPOINT b", nil},
		{0, "SELECT * FROM sp_t ORDER BY id", nil},
		{0, "INSERT INTO sp_t VALUES (5, 'five')", nil},
		{0, "ROLLBACK TO SAVEPOINT a", nil},
		{0, "SELECT * FROM sp_t ORDER BY id", nil},
		{0, "ROLLBACK TO SAVEPOINT b", nil}, // 1305: gone with ROLLBACK TO a
		{0, "INSERT INTO sp_t VALUES (4, 'four'), (6, 'six')", nil},
		{0, "SAVEPOINT c", nil},
		{0, "UPDATE sp_t SET v = 'changed'", nil},
		{0, "RELEASE SAVEPOINT c", nil},
		{0, "ROLLBACK TO SAVEPOINT c", nil}, // 1305
		{0, "SAVEPOINT A", nil},
		{0, "DELETE FROM sp_t WHERE id = 4", nil},
		{0, "ROLLBACK TO SAVEPOINT a", nil}, // names compare case-insensitively
		{0, "SAVEPOINT w", nil},
		{0, "INSERT INTO sp_t VALUES (7, 'seven'), (8, 'eight')", nil},
		{0, "ROLLBACK WORK TO SAVEPOINT w", nil}, // MariaDB's WORK
		{0, "SELECT * FROM sp_t ORDER BY id", nil},
		{0, "ROLLBACK WORK TO missing", nil}, // 1305
		{0, "COMMIT", nil},
		{0, "SELECT * FROM sp_t ORDER BY id", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, p.DB(t, appUser, appPass, "shop", ""), 1), steps)
	want := runScript(ctx, t, openSessions(ctx, t, ref.DB(t, "shop"), 1), steps)
	compareScript(t, steps, got, want)
	for i, s := range steps {
		t.Logf("%s -> %s", s.sql, got[i])
	}
}

// TestPreparedSavepointsAcrossShards: SAVEPOINT, ROLLBACK TO and RELEASE
// sent as prepared statements (the binary protocol) reach every branch as
// the text ones do; before, ROLLBACK TO undid one shard's writes only and
// COMMIT kept the others, and a prepared SAVEPOINT was not recorded.
func TestPreparedSavepointsAcrossShards(t *testing.T) {
	t.Parallel()
	ctx, ref, p := startSavepointShards(t, "CREATE TABLE sp_t (id INT PRIMARY KEY, v INT)")
	run := func(db *sql.DB) []string {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var out []string
		for _, q := range []string{
			"INSERT INTO sp_t VALUES (1, 0), (2, 0), (3, 0), (4, 0)",
			"BEGIN",
			"UPDATE sp_t SET v = 1",
			"prepared SAVEPOINT a",
			"UPDATE sp_t SET v = 100",
			"prepared ROLLBACK TO SAVEPOINT a",
			"SELECT GROUP_CONCAT(id, ':', v ORDER BY id, v) FROM sp_t",
			"SAVEPOINT b",
			"UPDATE sp_t SET v = v + 10 WHERE id IN (1, 2)",
			"prepared ROLLBACK TO b",
			"prepared RELEASE SAVEPOINT a",
			"ROLLBACK TO SAVEPOINT b",
			"COMMIT",
			"SELECT GROUP_CONCAT(id, ':', v ORDER BY id, v) FROM sp_t",
		} {
			var err error
			line := q
			if text, ok := strings.CutPrefix(q, "prepared "); ok {
				var stmt *sql.Stmt
				if stmt, err = c.PrepareContext(ctx, text); err == nil {
					_, err = stmt.ExecContext(ctx)
					stmt.Close()
				}
			} else if strings.HasPrefix(q, "SELECT") {
				var v string
				err = c.QueryRowContext(ctx, q).Scan(&v)
				line += " -> " + v
			} else {
				_, err = c.ExecContext(ctx, q)
			}
			if err != nil {
				line += " -> " + err.Error()
			}
			out = append(out, line)
		}
		return out
	}
	got, want := run(p.DB(t, appUser, appPass, "shop", "")), run(ref.DB(t, "shop"))
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("through the proxy %s, on one server %s", got[i], want[i])
		}
	}
}

// startSavepointShards starts three shards with sp_t sharded by id (mod)
// and one MariaDB holding all rows, and creates sp_t on both.
func startSavepointShards(t *testing.T, create string) (context.Context, *harness.MariaDB, *harness.Proxy) {
	t.Helper()
	_, ref, p := startThreeShards(t, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: sp_t, shard_key: id, algorithm: mod}
		`)
	mustExec(t, p.DB(t, appUser, appPass, "shop", ""), create)
	mustExec(t, ref.DB(t, "shop"), create)
	return testCtx(t, time.Minute), ref, p
}
