package integration

import (
	"strings"
	"testing"
	"time"
)

// TestLockWaitEndsTransactionLoudly: a lock wait timeout (1205) in a
// transaction over several shards rolls back every branch (the locks held
// elsewhere may be a deadlock between shards no shard sees). MariaDB would
// have rolled back the statement only, so the client goes on as inside its
// transaction: its next statements must not run one by one in autocommit,
// committing part of it, and its COMMIT must not say OK. They are refused
// until ROLLBACK (found by a differential hunt: an UPDATE after the 1205
// was committed on its own, and COMMIT answered OK with nothing committed).
func TestLockWaitEndsTransactionLoudly(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, _, _ := startHashFixture(t, "CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"INSERT INTO sw VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50), (6, 60)")
	sess := openSessions(ctx, t, proxy, 2)
	holder, s := sess[0], sess[1]
	mustExec(t, holder, "BEGIN")
	mustExec(t, holder, "UPDATE sw SET k = 100 WHERE id = 1")
	mustExec(t, s, "SET SESSION innodb_lock_wait_timeout = 1")

	timeout := func(begin string) {
		t.Helper()
		mustExec(t, s, begin)
		mustExec(t, s, "UPDATE sw SET k = 400 WHERE id = 4")
		_, err := s.ExecContext(ctx, "UPDATE sw SET k = 300 WHERE id = 1")
		wantMySQLError(t, err, 1205, "HY000")
	}
	refused := func(q string, code uint16) {
		t.Helper()
		_, err := s.ExecContext(ctx, q)
		wantMySQLError(t, err, code, "")
		if !strings.Contains(err.Error(), "1205") {
			t.Errorf("%s: %v, want the reason (the lock wait timeout) named", q, err)
		}
	}
	rows := func() string {
		t.Helper()
		return strings.Join(queryRows(ctx, t, s, "SELECT id, k FROM sw WHERE id IN (2, 3, 4) ORDER BY id"), " ")
	}

	// BEGIN: the next write is refused, COMMIT says nothing committed.
	timeout("BEGIN")
	refused("UPDATE sw SET k = 200 WHERE id = 2", 1105)
	refused("COMMIT", 1180)
	if got := rows(); got != "2\t20 3\t30 4\t40" {
		t.Errorf("after the refused COMMIT: %q, want nothing of the transaction", got)
	}
	// The same when the statement that waited spans shards.
	mustExec(t, s, "BEGIN")
	mustExec(t, s, "UPDATE sw SET k = 400 WHERE id = 4")
	_, err := s.ExecContext(ctx, "UPDATE sw SET k = k + 1 WHERE id IN (1, 2, 3, 4, 5, 6)")
	wantMySQLError(t, err, 1205, "HY000")
	refused("UPDATE sw SET k = 200 WHERE id = 2", 1105)
	mustExec(t, s, "ROLLBACK")
	// ROLLBACK ends it; the session goes on.
	timeout("BEGIN")
	mustExec(t, s, "ROLLBACK")
	mustExec(t, s, "UPDATE sw SET k = 21 WHERE id = 2")
	// autocommit = 0: the same until ROLLBACK.
	mustExec(t, s, "SET autocommit = 0")
	timeout("SELECT 1")
	refused("UPDATE sw SET k = 300 WHERE id = 3", 1105)
	mustExec(t, s, "ROLLBACK")
	mustExec(t, s, "SET autocommit = 1")
	// An autocommit statement's own transaction: the session goes on.
	for _, q := range []string{"UPDATE sw SET k = k + 1 WHERE id IN (1, 2, 3, 4, 5, 6)", "SELECT k FROM sw WHERE id IN (1, 2, 3, 4, 5, 6) FOR UPDATE", "DELETE FROM sw WHERE id IN (1, 2, 3, 4, 5, 6) RETURNING id"} {
		_, err := s.ExecContext(ctx, q)
		wantMySQLError(t, err, 1205, "HY000")
		mustExec(t, s, "UPDATE sw SET k = 22 WHERE id = 2")
	}
	mustExec(t, holder, "ROLLBACK")
	// Under LOCK TABLES a locking read over several shards runs as before.
	mustExec(t, s, "LOCK TABLES sw WRITE")
	if got := strings.Join(queryRows(ctx, t, s, "SELECT COUNT(*) FROM sw WHERE id IN (1, 2, 3, 4, 5, 6) FOR UPDATE"), " "); got != "6" {
		t.Errorf("locking read under LOCK TABLES: %q, want 6", got)
	}
	mustExec(t, s, "UNLOCK TABLES")
	if got := rows(); got != "2\t22 3\t30 4\t40" {
		t.Errorf("at the end: %q, want only the UPDATE after ROLLBACK", got)
	}
}

// TestAutocommitLockingReadNotFractured: an autocommit locking read over
// two shards never sees half of a transaction that moves a value between
// them, as on one server, whose statement holds the locks of the rows it
// read until it ends. Its parts ran as autocommit statements, each
// releasing its locks when done: sums 5 off (found by a differential
// hunt).
func TestAutocommitLockingReadNotFractured(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	proxy, _, shards := startHashFixture(t, "CREATE TABLE sw (id INT PRIMARY KEY, k INT)",
		"INSERT INTO sw VALUES (1, 100), (2, 100)")
	homes := map[string]string{}
	for _, m := range shards {
		for _, id := range queryStrings(t, m.DB(t, "sh"), "SELECT id FROM sw") {
			homes[id] = m.Name()
		}
	}
	if homes["1"] == "" || homes["1"] == homes["2"] {
		t.Fatalf("rows 1 and 2 must live on two shards for this test: %v", homes)
	}
	sess := openSessions(ctx, t, proxy, 2)
	writer, reader := sess[0], sess[1]
	for _, c := range sess {
		mustExec(t, c, "SET SESSION innodb_lock_wait_timeout = 1")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
			if _, err := writer.ExecContext(ctx, "BEGIN"); err != nil {
				return
			}
			_, err := writer.ExecContext(ctx, "UPDATE sw SET k = k - 5 WHERE id = 1")
			if err == nil {
				_, err = writer.ExecContext(ctx, "UPDATE sw SET k = k + 5 WHERE id = 2")
			}
			if err == nil {
				_, err = writer.ExecContext(ctx, "COMMIT")
			}
			if err != nil {
				writer.ExecContext(ctx, "ROLLBACK")
			}
		}
	}()
	good, bad := 0, map[int]int{}
	for _, lock := range []string{"FOR UPDATE", "LOCK IN SHARE MODE"} {
		for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
			var sum int
			err := reader.QueryRowContext(ctx, "SELECT SUM(k) FROM sw WHERE id IN (1, 2) "+lock).Scan(&sum)
			switch {
			case err != nil:
				if c, _ := errCode(err); c != 1205 && c != 1213 {
					t.Fatalf("locking read: %v", err)
				}
			case sum == 200:
				good++
			default:
				bad[sum]++
			}
		}
	}
	<-done
	if len(bad) > 0 || good == 0 {
		t.Errorf("autocommit locking reads of a constant sum: %d saw 200, others %v", good, bad)
	}
}
