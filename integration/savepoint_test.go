package integration

import (
	"testing"
	"time"
)

// TestSavepointsAcrossShards: SAVEPOINT, ROLLBACK TO and RELEASE in a
// transaction whose writes go to several shards, including shards whose
// branch opens after the savepoint, answer and leave the rows as one
// MariaDB holding all rows does.
func TestSavepointsAcrossShards(t *testing.T) {
	t.Parallel()
	_, ref, p := startThreeShards(t, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: sp_t, shard_key: id, algorithm: mod}
		`)
	ctx := testCtx(t, time.Minute)
	create := "CREATE TABLE sp_t (id INT PRIMARY KEY, v VARCHAR(10))"
	mustExec(t, p.DB(t, appUser, appPass, "shop", ""), create)
	mustExec(t, ref.DB(t, "shop"), create)
	steps := []scriptStep{
		{0, "SAVEPOINT outside", nil},
		{0, "ROLLBACK TO SAVEPOINT outside", nil}, // 1305: autocommit keeps none
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
