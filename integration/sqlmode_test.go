package integration

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// TestSQLModeOverShards: a session's sql_mode changes how MariaDB reads a
// statement (ANSI_QUOTES, PIPES_AS_CONCAT, HIGH_NOT_PRECEDENCE,
// IGNORE_SPACE, NO_BACKSLASH_ESCAPES), and its sql_select_limit,
// div_precision_increment, NO_UNSIGNED_SUBTRACTION and sql_auto_is_null
// change answers. Over a sharded table the proxy
// must read, route and merge as one MariaDB would, or refuse clearly.
// Before the proxy parsed with the session's sql_mode, `s || 'z'` under
// PIPES_AS_CONCAT answered 0 (a logical OR), `"k"` under ANSI_QUOTES was
// the string 'k', and sql_select_limit = 2 gave 2 rows per shard.
func TestSQLModeOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct := startModeFixture(t)
	// k odd on s1, even on s0 (mod 2).
	steps := []scriptStep{
		{0, "INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd'), (5, 7, 'e')", nil},
		{0, "SET SESSION sql_mode = 'PIPES_AS_CONCAT'", nil},
		{0, "SELECT k, s || 'z' FROM modeitems WHERE k IN (1, 2) ORDER BY k", nil},
		{0, "SELECT k FROM modeitems WHERE k = 1 || k = 2 ORDER BY k", nil},
		{0, "INSERT INTO modeitems VALUES (20, 20, 'y' || 'z'), (21, 21, 'w' || 'x')", nil},
		{0, "SET SESSION sql_mode = 'ANSI_QUOTES'", nil},
		{0, `SELECT "k", "s" FROM modeitems WHERE "k" IN (1, 2) ORDER BY "k"`, nil},
		{0, `SELECT "k", "s" FROM modeitems WHERE "k" = ?`, []any{3}},
		{0, `UPDATE modeitems SET "s" = 'u' WHERE "k" IN (3, 4)`, nil},
		{0, "SET SESSION sql_mode = 'HIGH_NOT_PRECEDENCE'", nil},
		{0, "SELECT k FROM modeitems WHERE NOT k BETWEEN 2 AND 3 ORDER BY k", nil},
		{0, "SELECT k, NOT k BETWEEN 2 AND 3 FROM modeitems WHERE k IN (1, 2, 3) ORDER BY k", nil},
		{0, "SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES'", nil},
		{0, `SELECT "k", "s" || 'q' FROM modeitems WHERE "k" = ? ORDER BY "k"`, []any{2}},
		{0, `SELECT "k", "s" || 'q' FROM modeitems ORDER BY "k"`, nil},
		{0, "SET SESSION sql_mode = 'IGNORE_SPACE'", nil},
		{0, "SELECT COUNT (*), MAX (k) FROM modeitems", nil},
		// The client's own text reaches the shards: its backslashes are
		// read as the session's sql_mode says, there as on MariaDB.
		{0, "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", nil},
		{0, `UPDATE modeitems SET s = 'r\n' WHERE k IN (1, 2)`, nil},
		{0, `INSERT INTO modeitems VALUES (7, 7, 'p\')`, nil},
		{0, `SELECT k, s, HEX(s) FROM modeitems WHERE k = 7 AND s LIKE '%\'`, nil},
		{0, "SET SESSION sql_mode = DEFAULT", nil},
		{0, "SET SESSION div_precision_increment = 1", nil},
		{0, "SELECT 1/3, v/3 FROM modeitems WHERE k IN (1, 2) ORDER BY k", nil},
		{0, "SELECT SUM(v), COUNT(*) FROM modeitems", nil},
		{0, "SELECT AVG(v) FROM modeitems WHERE k = 5", nil},
		{0, "SET SESSION div_precision_increment = DEFAULT", nil},
		{0, "SELECT AVG(v), SUM(v)/COUNT(v) FROM modeitems", nil},
		// sql_select_limit: each shard applies it to its sorted part, the
		// merge keeps the first rows; an explicit LIMIT replaces it.
		{0, "SET SESSION sql_select_limit = 2", nil},
		{0, "SELECT k FROM modeitems WHERE k = 1", nil},
		{0, "SELECT k FROM modeitems ORDER BY k", nil},
		{0, "SELECT k, s FROM modeitems ORDER BY k DESC", nil},
		{0, "SELECT k FROM modeitems WHERE k IN (1, 2, 3, 4) ORDER BY k", nil},
		{0, "SELECT DISTINCT v % 2 AS p FROM modeitems ORDER BY p DESC", nil},
		{0, "SELECT k FROM modeitems ORDER BY k LIMIT 1, 3", nil},
		{0, "SELECT k FROM modeitems ORDER BY k LIMIT 5", nil},
		{0, "SELECT FOUND_ROWS()", nil},
		// Without GROUP BY each shard answers one row, which the limit
		// leaves whole: answered, not refused (MySQL Workbench sets
		// sql_select_limit = 1000 for every session).
		{0, "SELECT COUNT(*), SUM(v), MAX(k) - MIN(k) FROM modeitems", nil},
		{0, "SELECT COUNT(*) FROM modeitems HAVING COUNT(*) > 100", nil},
		{0, "SELECT COUNT(*), MIN(s) FROM modeitems WHERE k > 1 LIMIT 3", nil},
		// The proxy's own reads on the session's connections (variables
		// read back, LAST_INSERT_ID) are not cut: they were, to no row,
		// and the next statement failed with 1064.
		{0, "SET SESSION sql_select_limit = 0", nil},
		{0, "SELECT k FROM modeitems ORDER BY k", nil},
		{0, "SELECT k FROM modeitems WHERE k = 1", nil},
		{0, "SET @u = 7, SESSION sql_select_limit = 1", nil},
		{0, "SELECT @u, k FROM modeitems ORDER BY k", nil},
		{0, "SET SESSION sql_select_limit = DEFAULT", nil},
		{0, "SELECT k FROM modeitems ORDER BY k", nil},
		{0, "SELECT k, v, s, HEX(s) FROM modeitems ORDER BY k", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)

	// What the proxy cannot answer as MariaDB does is refused, and nothing
	// of it is written.
	sess := openSessions(ctx, t, proxy, 1)[0]
	refused := []struct{ set, sql, says string }{
		// The INSERT is split by shard: the SQL written for the shards
		// escapes the backslash, which NO_BACKSLASH_ESCAPES would store.
		{"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", `INSERT INTO modeitems VALUES (8, 8, 'x\y'), (9, 9, 'q')`, "NO_BACKSLASH_ESCAPES"},
		{"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", `SELECT k FROM modeitems WHERE s LIKE '%\%'`, "NO_BACKSLASH_ESCAPES"},
		{"SET SESSION sql_select_limit = 1", "SELECT v % 2, COUNT(*) FROM modeitems GROUP BY v % 2", "sql_select_limit"},
		{"SET SESSION sql_select_limit = 1", "SELECT COUNT(DISTINCT v) FROM modeitems", "sql_select_limit"},
		{"SET SESSION sql_select_limit = 1", "SELECT SUM(DISTINCT v) FROM modeitems", "sql_select_limit"},
		{"SET SESSION sql_select_limit = 1", "SELECT AVG(DISTINCT v), COUNT(*) FROM modeitems", "sql_select_limit"},
		// Each shard would answer no row: the LIMIT's answer is unknown.
		{"SET SESSION sql_select_limit = 0", "SELECT COUNT(*) FROM modeitems LIMIT 1", "sql_select_limit"},
		// MariaDB cuts SHOW TABLES and SHOW STATUS to the limit too; the
		// proxy assembles them from lists the shards cut.
		{"SET SESSION sql_select_limit = 1", "SHOW TABLES", "sql_select_limit"},
		{"SET SESSION sql_select_limit = 1", "SHOW SESSION STATUS", "sql_select_limit"},
		{"SET SESSION div_precision_increment = 1", "SELECT AVG(v) FROM modeitems", "div_precision_increment"},
		{"SET SESSION div_precision_increment = 0", "SELECT SUM(v) / COUNT(*) FROM modeitems", "div_precision_increment"},
		// MariaDB gives -6 for an UNSIGNED 4 - 10 under this mode, the
		// engine its default mode's error 1690.
		{"SET SESSION sql_mode = 'NO_UNSIGNED_SUBTRACTION'", "SELECT MAX(v) - 10 FROM modeitems", "NO_UNSIGNED_SUBTRACTION"},
		// WHERE id IS NULL would read a pooled connection's last insert.
		{"SET SESSION sql_auto_is_null = 0", "SET SESSION sql_auto_is_null = 1", "sql_auto_is_null"},
		{"SET SESSION sql_auto_is_null = DEFAULT", "SET SESSION sql_auto_is_null = @@global.sql_auto_is_null + 1", "sql_auto_is_null"},
	}
	for _, r := range refused {
		mustExec(t, sess, r.set)
		_, err := sess.ExecContext(ctx, r.sql)
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1235 || !strings.Contains(me.Message, r.says) {
			t.Errorf("after %s, %s: got %v, want error 1235 naming %s", r.set, r.sql, err, r.says)
		}
		mustExec(t, sess, "SET SESSION sql_mode = DEFAULT, sql_select_limit = DEFAULT, div_precision_increment = DEFAULT")
	}
	var n int
	if err := proxy.QueryRowContext(ctx, "SELECT COUNT(*) FROM modeitems WHERE k IN (8, 9)").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows of the refused INSERT: %d (%v), want 0", n, err)
	}
}

// TestPreparedUnderAnotherSQLMode: MariaDB keeps the reading of PREPARE
// time; a shard the proxy prepares the text on when an execute first
// reaches a backend connection reads it with the session's current
// sql_mode. Prepared under ANSI_QUOTES and run under the default mode,
// `SELECT "s" ... WHERE k = ?` answered the string 's' where MariaDB reads
// the column. Such an execute is refused; one the change does not concern
// runs.
func TestPreparedUnderAnotherSQLMode(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct := startModeFixture(t)
	steps := []scriptStep{
		{0, "INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c')", nil},
		{0, "SET SESSION sql_mode = 'ANSI_QUOTES'", nil},
		{0, `PREPARE quoted FROM 'SELECT "s" FROM modeitems WHERE k = ?'`, nil},
		{0, `PREPARE plain FROM 'SELECT s FROM modeitems WHERE k = ?'`, nil},
		{0, "SET @a = 2", nil},
		{0, "EXECUTE quoted USING @a", nil},
		{0, "SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES'", nil}, // the reading is the same
		{0, "EXECUTE quoted USING @a", nil},
		{0, "SET SESSION sql_mode = DEFAULT", nil},
		{0, "EXECUTE plain USING @a", nil}, // nothing the change reads differently
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)

	sess := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, sess, "SET SESSION sql_mode = 'ANSI_QUOTES'")
	mustExec(t, sess, `PREPARE quoted FROM 'SELECT "s" FROM modeitems WHERE k = ?'`)
	bin, err := sess.PrepareContext(ctx, `SELECT "s" FROM modeitems WHERE k = ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer bin.Close()
	mustExec(t, sess, "SET SESSION sql_mode = DEFAULT")
	_, err = sess.ExecContext(ctx, "EXECUTE quoted USING 2")
	wantMySQLError(t, err, 1235, "42000")
	var s string
	err = bin.QueryRowContext(ctx, 2).Scan(&s)
	wantMySQLError(t, err, 1235, "42000")
	mustExec(t, sess, "SET SESSION sql_mode = 'ANSI_QUOTES'")
	if err := bin.QueryRowContext(ctx, 2).Scan(&s); err != nil || s != "b" {
		t.Errorf(`binary SELECT "s" back under ANSI_QUOTES: %q, %v; want b`, s, err)
	}
}

// TestSelectLimitLockingReadBinary: under xaproxy_locking_reads a read in a
// transaction runs with LOCK IN SHARE MODE, and a merged one's rows were
// cut to sql_select_limit although the statement has its own LIMIT, which
// MariaDB obeys instead: 2 rows for LIMIT 3. (A read one shard answered
// was rewritten and re-encoded through the merge then; it now runs the
// client's own text: TestLockingReadsKeepTheClientsText.)
func TestSelectLimitLockingReadBinary(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct := startModeFixture(t)
	// k odd on s1: one shard holds every row the reads ask for.
	steps := []scriptStep{
		{0, "INSERT INTO modeitems VALUES (1, 1, 'a'), (3, 3, 'c'), (5, 5, 'e'), (7, 7, 'g'), (2, 2, 'b'), (4, 4, 'd')", nil},
		{0, "SET SESSION sql_select_limit = 2", nil},
		{0, "BEGIN", nil},
		{0, "SELECT k FROM modeitems WHERE k IN (1, 3, 5, 7) AND v > ? ORDER BY k LIMIT 3", []any{0}},
		{0, "SELECT k FROM modeitems WHERE k IN (1, 3, 5, 7) AND v > ? ORDER BY k", []any{0}},
		{0, "SELECT k FROM modeitems WHERE k = ? LIMIT 5", []any{3}},
		// A text whose end depends on NO_BACKSLASH_ESCAPES: rewritten from
		// its parse and re-encoded (runOnePartBinary).
		{0, `SELECT k FROM modeitems WHERE k IN (1, 3, 5, 7) AND v > ? AND 'a\'' <> '' ORDER BY k LIMIT 3`, []any{0}},
		{0, `SELECT k FROM modeitems WHERE k IN (1, 3, 5, 7) AND v > ? AND 'a\'' <> '' ORDER BY k`, []any{0}},
		// Both shards: a merge.
		{0, "SELECT k FROM modeitems WHERE v > ? ORDER BY k LIMIT 3", []any{0}},
		{0, "SELECT k FROM modeitems WHERE v > ? ORDER BY k", []any{0}},
		{0, "COMMIT", nil},
	}
	compareLockingReads(ctx, t, proxy, direct, steps)
}

// startModeFixture starts the two-shard fixture with table modeitems
// sharded by k (mod 2: k odd on s1) through the proxy, and its twin on one
// MariaDB.
func startModeFixture(t *testing.T) (context.Context, *sql.DB, *sql.DB) {
	t.Helper()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))")
	return ctx, proxy, direct
}

// startTwinFixture starts the two-shard fixture (modeitems sharded by k,
// mod 2: k odd on s1) and runs setup through the proxy (schema shop) and
// on its twin on one MariaDB (database direct on s0).
func startTwinFixture(t *testing.T, setup ...string) (context.Context, *sql.DB, *sql.DB, *returningFixture) {
	t.Helper()
	f := startReturningFixture(t)
	ctx := testCtx(t, 2*time.Minute)
	proxy := f.p.DB(t, appUser, appPass, "shop", "")
	direct := f.s0.DB(t, "direct")
	for _, q := range setup {
		mustExec(t, proxy, q)
		mustExec(t, direct, q)
	}
	return ctx, proxy, direct, f
}
