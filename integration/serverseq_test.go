package integration

import (
	"testing"
)

// TestServerSequencesOverShards: RAND(N) gives a statement's rows one sequence
// on one MariaDB; over several shards each would start it again, so such a
// statement is refused (1235). On one shard it runs as on one server, and
// a broadcast table's copies each get the whole sequence, as one server's
// table would. UUID_SHORT() counts from each server's id and start time:
// refused over several shards, broadcast copies included, as are NEXTVAL
// and SETVAL (each shard holds its own sequence, if any).
func TestServerSequencesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, append(twinValues(), "CREATE SEQUENCE sq")...)
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT k, RAND(1) FROM modeitems ORDER BY k",
		"UPDATE modeitems SET v = RAND(7)",
		"SELECT k FROM modeitems ORDER BY RAND(3) LIMIT 2",
		"SELECT k, UUID_SHORT() FROM modeitems",
		"INSERT INTO modeitems VALUES (10, UUID_SHORT() % 7), (11, UUID_SHORT() % 7)",
		"UPDATE regions_prepared SET v = UUID_SHORT() % 1000",
		"SELECT k, NEXTVAL(sq) FROM modeitems",
		"SELECT k, NEXT VALUE FOR sq FROM modeitems",
		"SELECT SETVAL(sq, 100) FROM modeitems",
	)
	// A seed from the row runs over shards: each call seeds itself, as on
	// one server; so does RAND(N) in each row of VALUES.
	compareQueries(ctx, t, proxy, direct, f, []string{"SELECT k, RAND(k), RAND(k * 7 + 1) FROM modeitems ORDER BY k"},
		scriptStep{0, "UPDATE modeitems SET v = RAND(k) WHERE k > 0", nil},
		scriptStep{0, "INSERT INTO modeitems VALUES (20, RAND(1)), (21, RAND(1)), (22, RAND(2))", nil},
		scriptStep{0, "SELECT k, v FROM modeitems ORDER BY k", nil},
		scriptStep{0, "DELETE FROM modeitems WHERE k >= 20", nil})
	wantUnsupported(ctx, t, proxy, nil,
		"INSERT INTO modeitems VALUES (30, 0), (31, 0) RETURNING k, RAND(3)",
		"DELETE FROM modeitems WHERE k > 0 RETURNING k, UUID_SHORT()",
	)
	// A refused DDL commits nothing: the transaction goes on.
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{"BEGIN", "UPDATE modeitems SET v = -1 WHERE k = 1"} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := c.ExecContext(ctx, "ALTER TABLE modeitems ADD COLUMN tok BIGINT DEFAULT (UUID_SHORT())"); mysqlErrNumber(err) != 1235 {
		t.Errorf("ALTER TABLE ... DEFAULT (UUID_SHORT()) over shards: %v, want 1235", err)
	}
	if _, err := c.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	var v float64
	if err := proxy.QueryRowContext(ctx, "SELECT v FROM modeitems WHERE k = 1").Scan(&v); err != nil || v == -1 {
		t.Errorf("after a refused DDL and ROLLBACK: v = %v, %v; want the UPDATE rolled back", v, err)
	}
	// On one shard UUID_SHORT() runs.
	var u uint64
	if err := proxy.QueryRowContext(ctx, "SELECT UUID_SHORT() FROM modeitems WHERE k = 2").Scan(&u); err != nil || u == 0 {
		t.Errorf("UUID_SHORT() on one shard: %d, %v", u, err)
	}
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT k, RAND(1), RAND(k) FROM modeitems WHERE k = 3",
		"SELECT k, RAND() < 2 FROM modeitems ORDER BY k",
	},
		scriptStep{0, "SELECT NEXTVAL(sq), NEXT VALUE FOR sq", nil},
		scriptStep{0, "SELECT k, NEXTVAL(sq) FROM modeitems WHERE k = 2", nil},
		scriptStep{0, "UPDATE modeitems SET v = RAND(5) WHERE k IN (1, 3)", nil},
		scriptStep{0, "UPDATE regions_prepared SET v = RAND(9)", nil},
		scriptStep{0, "SELECT k, v FROM modeitems ORDER BY k", nil},
		scriptStep{0, "SELECT id, v FROM regions_prepared ORDER BY id", nil},
	)
	compareCopies(ctx, t, f, "SELECT GROUP_CONCAT(v ORDER BY id) FROM regions_prepared")
}

// twinValues makes the sharded modeitems (k 1 to 4) and the broadcast
// regions_prepared (id 1 to 3), each with a DOUBLE v of 0.
func twinValues() []string {
	return []string{
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v DOUBLE)",
		"INSERT INTO modeitems VALUES (1, 0), (2, 0), (3, 0), (4, 0)",
		"CREATE TABLE regions_prepared (id INT PRIMARY KEY, v DOUBLE)",
		"INSERT INTO regions_prepared VALUES (1, 0), (2, 0), (3, 0)",
	}
}
