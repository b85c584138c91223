package integration

import (
	"database/sql"
	"testing"
)

// TestPreparedTableLocksOverShards: LOCK TABLES and UNLOCK TABLES sent as
// prepared statements lock and unlock every shard's table as on one server:
// a prepared UNLOCK TABLES answered OK and left the locks, and another
// session's UPDATE waited until its lock wait timeout (1205).
func TestPreparedTableLocksOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO modeitems VALUES (1, 1), (2, 2)")
	run := func(db *sql.DB) []string {
		a, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		var out []string
		note := func(what string, err error) {
			msg := "ok"
			if err != nil {
				msg = err.Error()
			}
			out = append(out, what+": "+msg)
		}
		prepared := func(q string) error {
			stmt, err := a.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			defer stmt.Close()
			_, err = stmt.ExecContext(ctx)
			return err
		}
		_, err = b.ExecContext(ctx, "SET SESSION lock_wait_timeout = 1")
		note("set", err)
		note("prepared LOCK TABLES", prepared("LOCK TABLES modeitems WRITE"))
		_, err = b.ExecContext(ctx, "UPDATE modeitems SET v = v + 1")
		note("other session's UPDATE while locked", err)
		note("prepared UNLOCK TABLES", prepared("UNLOCK TABLES"))
		_, err = b.ExecContext(ctx, "UPDATE modeitems SET v = v + 1")
		note("other session's UPDATE after", err)
		return out
	}
	got, want := run(proxy), run(direct)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("through the proxy %s; on one server %s", got[i], want[i])
		}
	}
}
