package integration

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestDDLHalfAppliedIsRefused: DDL is not transactional, so over shards it
// may apply on one and fail on the other (a UNIQUE key whose duplicates
// are all on one shard's rows; a narrower type whose out-of-range values
// are). One MariaDB answers the same error and changes nothing; through
// the proxy the shards now define the table differently. Until they are
// made alike again, statements naming the table are refused (1235), not
// answered by one shard's definition: before, SHOW CREATE TABLE showed
// the key only one shard has and an INSERT repeating its column's value
// failed there, where one server takes it. DDL still runs, to repair it.
func TestDDLHalfAppliedIsRefused(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
		// Duplicates of v only on s1 (k odd); 300 only on s0.
		"INSERT INTO gitems VALUES (1, 5, 'a'), (3, 5, 'b'), (2, 6, 'c'), (4, 300, 'd')",
		"CREATE TABLE txitems (k INT PRIMARY KEY, v INT)",
		// 300 only on s1.
		"INSERT INTO txitems VALUES (1, 300), (2, 2), (3, 3), (4, 4)",
	)
	pc, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tests := []struct {
		ddl     string // applies on s0, fails on s1
		table   string // as the status page names it
		code    uint16 // one MariaDB's error, and the proxy's
		reads   []string
		repair  string // through the proxy: makes the shards alike again
		compare []string
	}{
		{"ALTER TABLE gitems ADD UNIQUE KEY (v)", "shop.gitems", 1062,
			[]string{"SHOW CREATE TABLE gitems", "INSERT INTO gitems VALUES (6, 6, 'x')", "SELECT k, v FROM gitems ORDER BY k", "DESCRIBE gitems"},
			"DROP INDEX IF EXISTS v ON gitems",
			[]string{"SHOW CREATE TABLE gitems", "INSERT INTO gitems VALUES (6, 6, 'x')", "SELECT k, v FROM gitems ORDER BY k"}},
		{"ALTER TABLE txitems MODIFY v TINYINT", "shop.txitems", 1264,
			[]string{"SELECT k, v FROM txitems ORDER BY k", "UPDATE txitems SET v = 200 WHERE k = 2"},
			"ALTER TABLE txitems MODIFY v INT",
			[]string{"SHOW CREATE TABLE txitems", "UPDATE txitems SET v = 200 WHERE k = 2", "SELECT k, v FROM txitems ORDER BY k"}},
	}
	for _, tc := range tests {
		_, derr := direct.ExecContext(ctx, tc.ddl)
		wantMySQLError(t, derr, tc.code, "")
		_, perr := pc.ExecContext(ctx, tc.ddl)
		wantMySQLError(t, perr, tc.code, "")
		for _, q := range tc.reads {
			if code := connErrCode(ctx, pc, q); code != 1235 {
				t.Errorf("after %s half applied: %s answered error %d, want 1235", tc.ddl, q, code)
			}
		}
		// The admin status page lists the table and what is refused.
		if _, body := adminGet(t, f.p, "/"); !strings.Contains(body, "<td>"+tc.table+"</td>") || !strings.Contains(body, "statements other than DDL") {
			t.Errorf("after %s half applied: the status page does not list %s", tc.ddl, tc.table)
		}
		if _, err := pc.ExecContext(ctx, tc.repair); err != nil {
			t.Fatalf("%s: %v", tc.repair, err)
		}
		steps := make([]scriptStep, len(tc.compare))
		for i, q := range tc.compare {
			steps[i] = scriptStep{0, q, nil}
		}
		compareSessions(ctx, t, proxy, direct, 1, steps)
	}
}

// connErrCode runs q on c and returns its MySQL error code (0: none).
func connErrCode(ctx context.Context, c *sql.Conn, q string) uint16 {
	rows, err := c.QueryContext(ctx, q)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// TestDDLFailingOnFirstShardChangesNothing: a DDL that fails on the first
// shard of its table is not run on the others, so it changes nothing and
// answers one server's error, as one MariaDB does. Before, it went on to
// the next shard, which applied it (duplicates of v only on s0's rows:
// the UNIQUE key was added on s1 alone).
func TestDDLFailingOnFirstShardChangesNothing(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
		// Duplicates of v and 300 only on s0 (k even).
		"INSERT INTO gitems VALUES (2, 5, 'a'), (4, 5, 'b'), (1, 6, 'c'), (6, 300, 'd')",
	)
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "ALTER TABLE gitems ADD UNIQUE KEY (v)", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SHOW CREATE TABLE gitems", nil},
		{0, "INSERT INTO gitems VALUES (3, 6, 'x')", nil},
	})
	// 300 is s0's row 3, one server's row 5: which row one server names
	// cannot be told from the first shard's error alone, so it is refused,
	// and nothing changes anywhere.
	_, err := proxy.ExecContext(ctx, "ALTER TABLE gitems MODIFY v TINYINT")
	wantMySQLError(t, err, 1235, "42000")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SHOW CREATE TABLE gitems", nil},
		{0, "UPDATE gitems SET v = 200 WHERE k = 1", nil},
		{0, "SELECT k, v FROM gitems ORDER BY k", nil},
	})
}

// TestIndexOnOneShardIsRefusedInShows: an index that only some shards of
// a table have (a CREATE INDEX that failed on a later shard, or one made
// on a shard directly) changes no rows, so reads and writes still run;
// what shows or names indexes (SHOW CREATE TABLE, SHOW INDEX, DESCRIBE's
// Key column, index hints) is refused until the shards agree. Before,
// those answered from one shard's definition.
func TestIndexOnOneShardIsRefusedInShows(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
	)
	mustExec(t, f.s0.DB(t, "shop"), "CREATE INDEX iv ON gitems (v)")
	pc, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	mustExec(t, pc, "CREATE TABLE other_t (i INT)") // DDL through the proxy reads the catalog again
	for _, q := range []string{"SHOW CREATE TABLE gitems", "SHOW INDEX FROM gitems", "DESCRIBE gitems", "SELECT k FROM gitems FORCE INDEX (iv) WHERE v > 1"} {
		if code := connErrCode(ctx, pc, q); code != 1235 {
			t.Errorf("with index iv on s0 only: %s answered error %d, want 1235", q, code)
		}
	}
	steps := []scriptStep{
		{0, "SELECT k, v FROM gitems WHERE v > 1 ORDER BY k", nil},
		{0, "UPDATE gitems SET v = v + 10 WHERE k IN (1, 2)", nil},
		{0, "SELECT k, v FROM gitems ORDER BY k", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
	if _, err := pc.ExecContext(ctx, "DROP INDEX IF EXISTS iv ON gitems"); err != nil {
		t.Fatal(err)
	}
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SHOW CREATE TABLE gitems", nil},
		{0, "DESCRIBE gitems", nil},
	})
}

// TestMergeOverDifferingShardsIsRefused: a read merged over shards whose
// definitions of its table differ and which the catalog has not seen yet
// (a DDL run on the first shard, not yet on the others) is refused
// (1235) rather than merged. Before, one more column on one shard failed
// the merge with 1105 "engine: sort key column out of range", and a
// column renamed on one shard gave its name to the other shard's rows.
func TestMergeOverDifferingShardsIsRefused(t *testing.T) {
	t.Parallel()
	ctx, proxy, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
		"CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(10))",
		"INSERT INTO gitems VALUES (1, 5, 'a'), (2, 6, 'c')",
		"INSERT INTO txitems VALUES (1, 5, 'a'), (2, 6, 'c')",
	)
	s0 := f.s0.DB(t, "shop")
	mustExec(t, s0, "ALTER TABLE gitems ADD COLUMN w INT")
	mustExec(t, s0, "ALTER TABLE txitems RENAME COLUMN s TO s2")
	pc, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, q := range []string{"SELECT * FROM gitems ORDER BY k", "SELECT * FROM txitems"} {
		if code := connErrCode(ctx, pc, q); code != 1235 {
			t.Errorf("%s with the table altered on s0 only: error %d, want 1235", q, code)
		}
	}
}
