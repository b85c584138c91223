package integration

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// Regression tests for bugs the chaos test found. Each starts two shards,
// s1 behind a fault link.
func twoShardsBehindLink(t *testing.T) (db *sql.DB, d0, d1 *sql.DB, l1 *harness.Link) {
	t.Helper()
	s0 := env.StartMariaDB(t, "s0")
	s1 := env.StartMariaDB(t, "s1")
	s0.CreateDatabase(t, "bank")
	s1.CreateDatabase(t, "bank")
	l1 = harness.NewLink(t, s1.Addr())
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: "root@tcp(" + l1.Addr() + ")/"}},
		Schemas: `
			- name: bank
			  default_shard: s0
			  tables:
			    - {name: t, shard_key: id, algorithm: hash}`,
	})
	db = p.DB(t, appUser, appPass, "bank", "timeout=3s&readTimeout=20s&interpolateParams=true")
	mustExec(t, db, "CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB")
	for id := 1; id <= 20; id++ {
		mustExec(t, db, "INSERT INTO t (id, v) VALUES (?, ?)", id, 1000)
	}
	return db, s0.DB(t, "bank"), s1.DB(t, "bank"), l1
}

func minID(t *testing.T, d *sql.DB) int64 {
	t.Helper()
	var id int64
	if err := d.QueryRow("SELECT MIN(id) FROM t").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A multi-shard read that could not reach one shard left a queued XA START
// on the pooled connection of the other: later autocommit writes ran inside
// an XA branch nobody owned and vanished after returning OK.
func TestRegressionStaleXAStartAfterFailedRead(t *testing.T) {
	db, d0, _, l1 := twoShardsBehindLink(t)
	db.SetMaxOpenConns(1)
	id0 := minID(t, d0)
	ctx := context.Background()
	l1.Cut()
	for i := 0; i < 3; i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sum sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT SUM(v) FROM t LOCK IN SHARE MODE").Scan(&sum); err == nil {
			t.Fatalf("locking read with s1 cut returned %v", sum)
		}
		_ = tx.Rollback()
	}
	l1.Heal()
	for i := 1; i <= 3; i++ {
		mustExec(t, db, "UPDATE t SET v = v + 1 WHERE id = ?", id0)
		var direct int64
		if err := d0.QueryRow("SELECT v FROM t WHERE id = ?", id0).Scan(&direct); err != nil {
			t.Fatal(err)
		}
		if direct != int64(1000+i) {
			t.Fatalf("autocommit UPDATE #%d returned OK but s0 has v=%d, want %d", i, direct, 1000+i)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("UPDATE t SET v = v + 1 WHERE id = ?", id0); err != nil {
		t.Fatalf("a new transaction after the failed reads: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

// A multi-shard read that failed to send to one shard returned the other
// connections to the pool with their answers unread: the next statement
// got the previous statement's result.
func TestRegressionNoAnswerLeftBehindAfterFailedScatter(t *testing.T) {
	db, d0, _, l1 := twoShardsBehindLink(t)
	db.SetMaxOpenConns(1)
	id0 := minID(t, d0)
	mustExec(t, db, "UPDATE t SET v = 7 WHERE id = ?", id0)
	var sum sql.NullInt64
	if err := db.QueryRow("SELECT SUM(v) FROM t").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	l1.Reset()
	_ = db.QueryRow("SELECT SUM(v) FROM t").Scan(&sum) // may fail: s1's connection was reset
	for i := 0; i < 3; i++ {
		var v int64
		if err := db.QueryRow("SELECT v FROM t WHERE id = ?", id0).Scan(&v); err != nil {
			t.Fatalf("point read %d: %v", i, err)
		}
		if v != 7 {
			t.Fatalf("point read %d of id %d returned %d, want 7: an answer meant for another statement", i, id0, v)
		}
	}
}

// A locking read over two shards whose branch on one died mid-read (its
// locks released early) returned a total that never existed; it must fail.
func TestRegressionLockingReadFailsWhenABranchDies(t *testing.T) {
	db, d0, d1, l1 := twoShardsBehindLink(t)
	a, b := minID(t, d0), minID(t, d1)
	ctx := context.Background()
	w0, err := d0.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w0.Close()
	mustExec(t, w0, "BEGIN")
	mustExec(t, w0, "UPDATE t SET v = v - 100 WHERE id = ?", a)
	type res struct {
		sum sql.NullInt64
		err error
	}
	done := make(chan res, 1)
	go func() {
		var r res
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			r.err = err
			done <- r
			return
		}
		r.err = tx.QueryRowContext(ctx, "SELECT SUM(v) FROM t LOCK IN SHARE MODE").Scan(&r.sum)
		_ = tx.Rollback()
		done <- r
	}()
	// The s1 part has run (it holds b, which a NOWAIT lock on s1 meets)
	// and the s0 part waits for a's lock. Were the s1 part to run only
	// after the reset, it would hold b while the UPDATE below waits for it
	// and the read waits for w0: stuck until innodb_lock_wait_timeout.
	s1Holds := func() bool {
		tx, err := d1.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var v int64
		return mysqlErrNumber(tx.QueryRowContext(ctx, "SELECT v FROM t WHERE id = ? FOR UPDATE NOWAIT", b).Scan(&v)) == 1205
	}
	if !waitFor(10*time.Second, func() bool { return s1Holds() && lockWaits(t, d0) == 1 }) {
		t.Fatalf("the locking read does not hold s1's row and wait on s0 10 s after it was sent (s1 held: %v, waits on s0: %d)", s1Holds(), lockWaits(t, d0))
	}
	l1.Reset() // the s1 branch dies and releases its locks
	time.Sleep(200 * time.Millisecond)
	if _, err := d1.Exec("UPDATE t SET v = v + 100 WHERE id = ?", b); err != nil {
		t.Fatal(err)
	}
	mustExec(t, w0, "COMMIT")
	r := <-done
	if r.err == nil && r.sum.Int64 != 20000 {
		t.Fatalf("locking read returned %d, a total that never existed (20000 before and after)", r.sum.Int64)
	}
	t.Logf("locking read with a dying branch: sum=%v err=%v", r.sum, r.err)
}
