package integration

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// errCode is err's MySQL code and SQLSTATE ("" where it is none).
func errCode(err error) (uint16, string) {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return 0, ""
	}
	return me.Number, string(me.SQLState[:])
}

// An UPDATE over shards failing with a duplicate on every shard answers
// 1062 as one MariaDB does, though each shard's message names another
// value: the proxy refused it (1235), which ORMs do not map to their
// constraint error.
func TestScanDuplicateOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT UNIQUE)",
		"INSERT INTO modeitems VALUES (1, 20), (3, 21), (2, 10), (4, 11)")
	for _, q := range []string{"UPDATE modeitems SET v = v + 1", "UPDATE modeitems SET v = v + 1 WHERE k > 0"} {
		_, perr := proxy.ExecContext(ctx, q)
		_, derr := direct.ExecContext(ctx, q)
		pc, ps := errCode(perr)
		dc, ds := errCode(derr)
		if pc != dc || ps != ds || dc != 1062 {
			t.Errorf("%s: proxy %v, MariaDB %v", q, perr, derr)
		}
	}
	var n int
	if err := proxy.QueryRowContext(ctx, "SELECT SUM(v) FROM modeitems").Scan(&n); err != nil || n != 62 {
		t.Errorf("rows after the failed UPDATEs: sum %d, %v; want 62 (unchanged)", n, err)
	}
}

// A check part waiting on a row lock one server never takes: MariaDB fails
// the UPDATE at k = 2 (a duplicate) before it reaches k = 3, locked by
// another session, and the transaction goes on. The proxy ran s1's part
// too, waited out the lock wait timeout, answered 1205 and rolled the
// whole transaction back (rows 100 and 101 lost).
func TestCheckPartLockWait(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT UNIQUE)",
		"INSERT INTO modeitems VALUES (2, 10), (3, 21), (4, 11)")
	// Session A's lock wait timeout is 6 s, the proxy's check part waits
	// 1 s (checkLockWait): the bounds leave room for a loaded machine on
	// both sides of that gap.
	for name, db := range map[string]*sql.DB{"proxy": proxy, "MariaDB": direct} {
		code, kept, took, wait := lockWaitRun(t, ctx, db, name == "proxy")
		if code != 1062 || kept != 2 || took > 3*time.Second {
			t.Errorf("%s: error %d, %d rows kept, in %v; want 1062, 2 rows, at once (or after the check's 1 s)", name, code, kept, took)
		}
		t.Logf("%s: took %v, later wait %v", name, took, wait)
		// The session's own lock wait timeout holds again after the check.
		if wait < 4*time.Second {
			t.Errorf("%s: a later lock wait gave up after %v, want the session's 6s", name, wait)
		}
	}
}

// lockWaitRun runs the reproducer on db: the failing UPDATE's error code,
// the rows of the transaction seen after it, how long it took, and how
// long a later wait on session B's lock lasts.
// Through the proxy, a split INSERT whose earlier row waits on that lock
// too is refused at once (one server waits, then answers 1205).
func lockWaitRun(t *testing.T, ctx context.Context, db *sql.DB, proxy bool) (uint16, int, time.Duration, time.Duration) {
	t.Helper()
	b, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, q := range []string{"BEGIN", "UPDATE modeitems SET v = 30 WHERE k = 3"} {
		if _, err := b.ExecContext(ctx, q); err != nil {
			t.Fatalf("session B %s: %v", q, err)
		}
	}
	defer b.ExecContext(ctx, "ROLLBACK")
	for _, q := range []string{"SET innodb_lock_wait_timeout = 6", "BEGIN", "INSERT INTO modeitems VALUES (100, 100), (101, 101)"} {
		if _, err := a.ExecContext(ctx, q); err != nil {
			t.Fatalf("session A %s: %v", q, err)
		}
	}
	start := time.Now()
	_, err = a.ExecContext(ctx, "UPDATE modeitems SET v = v + 1 WHERE k IN (2, 3)")
	took := time.Since(start)
	code, _ := errCode(err)
	if proxy {
		// s0's part (row 2, a duplicate of k = 2) fails first; s1's row 1
		// waits on session B's lock.
		_, err := a.ExecContext(ctx, "INSERT INTO modeitems VALUES (3, 99), (2, 12)")
		if c, _ := errCode(err); c != 1235 {
			t.Errorf("split INSERT with an earlier row locked: %v, want error 1235", err)
		}
	}
	var kept int
	if err := a.QueryRowContext(ctx, "SELECT COUNT(*) FROM modeitems WHERE k >= 100").Scan(&kept); err != nil {
		t.Errorf("counting the transaction's rows: %v", err)
	}
	start = time.Now()
	if _, err := a.ExecContext(ctx, "UPDATE modeitems SET v = 31 WHERE k = 3"); err == nil {
		t.Errorf("updating the row session B holds: no error")
	}
	wait := time.Since(start)
	if _, err := a.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Errorf("ROLLBACK: %v", err)
	}
	return code, kept, took, wait
}

// A split INSERT into a MyISAM table is not run again to find its first
// failing row: its rows stay where the part's first run left them, so run
// again they fail on themselves. s0's part (4, 6, 2) fails at 2 and keeps
// 4 and 6; run alone to pin its failing row, (4) failed as a duplicate of
// itself and the proxy answered s0's Duplicate entry '2', where MariaDB
// fails at row 2 with '1'. It now refuses (1235).
func TestFirstFailureSearchSkippedForMyISAM(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT) ENGINE=MyISAM",
		"INSERT INTO modeitems VALUES (1, 1), (2, 2)")
	q := "INSERT INTO modeitems VALUES (4, 4), (1, 1), (6, 6), (2, 2)"
	_, derr := direct.ExecContext(ctx, q)
	_, perr := proxy.ExecContext(ctx, q)
	if code, _ := errCode(perr); code != 1235 && (perr == nil || derr == nil || perr.Error() != derr.Error()) {
		t.Errorf("%s: proxy %v, MariaDB %v", q, perr, derr)
	}
}
