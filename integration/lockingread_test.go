package integration

import (
	"context"
	"database/sql"
	"testing"
)

// TestLockingReadsKeepTheClientsText: under xaproxy_locking_reads a read
// in a transaction that one shard answers runs the client's own text with
// LOCK IN SHARE MODE appended. It ran the router's rendering of the
// statement instead, which names an unaliased expression otherwise (`f`/3
// for f / 3) and, for a prepared statement, answers in the text protocol:
// a DOUBLE of fixed decimals came to a binary client rounded to them.
func TestLockingReadsKeepTheClientsText(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, f FLOAT(7,3), v INT)",
		"INSERT INTO modeitems VALUES (1, 1.125, 1), (2, 2.5, 2), (3, 3.333, 3)",
		"CREATE VIEW fv AS SELECT k, f, f / 3 AS q FROM modeitems")
	steps := []scriptStep{
		{0, "BEGIN", nil},
		{0, "SELECT k, f / 3, v + 1 FROM modeitems WHERE k = 2", nil},
		{0, "SELECT k, f / 3, v + 1 FROM modeitems WHERE k = ?", []any{3}},
		{0, "SELECT k, f / 3 FROM modeitems WHERE k = 1; -- a comment after the statement", nil},
		{0, "SELECT k, f / 3 FROM modeitems WHERE k = ? -- a comment at the end", []any{1}},
		{0, "COMMIT", nil},
	}
	reader := compareLockingReads(ctx, t, proxy, direct, steps)

	// A text whose end depends on NO_BACKSLASH_ESCAPES is rewritten from
	// its parse and answered in text: a computed DOUBLE of fixed decimals
	// is refused in the binary protocol rather than sent rounded.
	mustExec(t, reader, "BEGIN")
	var k int
	var f float64
	err := reader.QueryRowContext(ctx, `SELECT k, f / 3 FROM modeitems WHERE k = ? AND 'a\'' <> ''`, 2).Scan(&k, &f)
	wantMySQLError(t, err, 1235, "42000")
	err = reader.QueryRowContext(ctx, `SELECT k, f FROM modeitems WHERE k = ? AND 'a\'' <> ''`, 2).Scan(&k, &f)
	if err != nil || k != 2 || f != 2.5 {
		t.Errorf("stored FLOAT through the rewritten read: %d %v %v, want 2 2.5", k, f, err)
	}
	// A view's column may be computed: any such DOUBLE is refused there.
	err = reader.QueryRowContext(ctx, `SELECT k, q FROM fv WHERE k = ? AND 'a\'' <> ''`, 2).Scan(&k, &f)
	wantMySQLError(t, err, 1235, "42000")
	mustExec(t, reader, "ROLLBACK")

	// The reads do lock: they wait for a row another transaction writes.
	locker := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, locker, "BEGIN")
	mustExec(t, locker, "UPDATE modeitems SET v = 20 WHERE k = 2")
	defer mustExec(t, locker, "ROLLBACK")
	mustExec(t, reader, "SET SESSION innodb_lock_wait_timeout = 1")
	mustExec(t, reader, "BEGIN")
	err = reader.QueryRowContext(ctx, "SELECT k, f / 3 FROM modeitems WHERE k = 2").Scan(&k, &f)
	wantMySQLError(t, err, 1205, "HY000")
	mustExec(t, reader, "ROLLBACK")
	mustExec(t, reader, "BEGIN")
	err = reader.QueryRowContext(ctx, "SELECT k, f / 3 FROM modeitems WHERE k = ?", 2).Scan(&k, &f)
	wantMySQLError(t, err, 1205, "HY000")
	mustExec(t, reader, "ROLLBACK")
}

// compareLockingReads runs steps in a proxy session with
// xaproxy_locking_reads on, and on MariaDB, and compares them; it returns
// the proxy session.
func compareLockingReads(ctx context.Context, t *testing.T, proxy, direct *sql.DB, steps []scriptStep) *sql.Conn {
	t.Helper()
	sess := openSessions(ctx, t, proxy, 1)
	mustExec(t, sess[0], "SET SESSION xaproxy_locking_reads = ON")
	got := runScript(ctx, t, sess, steps)
	want := runScript(ctx, t, openSessions(ctx, t, direct, 1), steps)
	compareScript(t, steps, got, want)
	return sess[0]
}
