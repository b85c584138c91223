package integration

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// A million-row result is streamed through the proxy with bounded memory,
// in the text protocol and in the binary protocol.
func TestStreamingLargeResult(t *testing.T) {
	t.Parallel()
	const rows = 1_000_000
	const maxRSS = 100 << 20
	f := startFixture(t, fixtureOpts{})
	start := time.Now()
	shard := f.shard(t, "shop")
	mustExec(t, shard, "CREATE TABLE big (id INT PRIMARY KEY, pad VARCHAR(100) NOT NULL) ENGINE=InnoDB")
	// seq_1_to_N is MariaDB's SEQUENCE engine.
	mustExec(t, shard, "INSERT INTO big SELECT seq, REPEAT('x', 100) FROM seq_1_to_1000000")
	t.Logf("loaded %d rows on the shard in %s", rows, time.Since(start).Round(time.Millisecond))

	tests := []struct {
		name   string
		params string
		query  string
		args   []any
		// pause stops reading for 1.5 s after this many rows (0: never): a
		// slow client must make the proxy wait, not buffer the result.
		pause int64
	}{
		{"text protocol (interpolated)", "interpolateParams=true", "SELECT id, pad FROM big WHERE id > ?", []any{0}, 0},
		{"text protocol (no args)", "", "SELECT id, pad FROM big", nil, 0},
		{"binary protocol (prepared)", "", "SELECT id, pad FROM big WHERE id > ?", []any{0}, 0},
		{"binary protocol, slow client", "", "SELECT id, pad FROM big WHERE id > ?", []any{0}, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t, 2*time.Minute)
			db := f.db(t, "shop", tt.params)
			base, err := f.p.RSS()
			if err != nil {
				t.Fatal(err)
			}

			var (
				mu      sync.Mutex
				peak    int64
				samples int
			)
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					if rss, err := f.p.RSS(); err == nil {
						mu.Lock()
						samples++
						if rss > peak {
							peak = rss
						}
						mu.Unlock()
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			}()

			began := time.Now()
			r, err := db.QueryContext(ctx, tt.query, tt.args...)
			if err != nil {
				close(stop)
				t.Fatal(err)
			}
			var n, sum int64
			var id int64
			var pad sql.RawBytes
			for r.Next() {
				if err := r.Scan(&id, &pad); err != nil {
					t.Fatal(err)
				}
				if len(pad) != 100 {
					t.Fatalf("row %d: pad of %d bytes", id, len(pad))
				}
				n++
				sum += id
				if n == tt.pause {
					time.Sleep(1500 * time.Millisecond)
				}
			}
			err = r.Err()
			r.Close()
			close(stop)
			<-sampled
			if err != nil {
				t.Fatalf("after %d rows: %v", n, err)
			}
			elapsed := time.Since(began)
			mu.Lock()
			defer mu.Unlock()
			t.Logf("%s: %d rows in %s; proxy RSS before %.1f MB, max %.1f MB over %d samples",
				tt.name, n, elapsed.Round(time.Millisecond), float64(base)/(1<<20), float64(peak)/(1<<20), samples)
			if n != rows {
				t.Fatalf("read %d rows, want %d", n, rows)
			}
			if want := int64(rows) * (rows + 1) / 2; sum != want {
				t.Fatalf("sum of ids = %d, want %d", sum, want)
			}
			if samples < 2 {
				t.Fatalf("only %d RSS samples", samples)
			}
			if peak >= maxRSS {
				t.Fatalf("proxy RSS peaked at %.1f MB while streaming, limit %d MB", float64(peak)/(1<<20), maxRSS>>20)
			}
		})
	}
	f.assertAlive(t)
}

// SIGTERM lets a running statement finish and return its row, refuses new
// connections, and exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	ctx := testCtx(t, time.Minute)
	db := f.db(t, "shop", "")
	busy, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	idle, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if err := idle.PingContext(ctx); err != nil {
		t.Fatal(err)
	}

	type result struct {
		v   int64
		err error
		at  time.Time
	}
	// An idle session with an open transaction: rolled back at shutdown.
	mustExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY)")
	inTx, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer inTx.Close()
	mustExec(t, inTx, "BEGIN")
	mustExec(t, inTx, "INSERT INTO t VALUES (1)")
	if code := healthz(t, f.p); code != http.StatusOK {
		t.Fatalf("/healthz before SIGTERM: %d", code)
	}

	// SIGTERM goes only once the statement runs on the shard: one that
	// reached the proxy after it would meet an idle session, closed at
	// once. 4 s leave the checks below time to see the drain while it runs.
	done := make(chan result, 1)
	started := time.Now()
	go func() {
		var v int64
		err := busy.QueryRowContext(ctx, "SELECT SLEEP(4)").Scan(&v)
		done <- result{v, err, time.Now()}
	}()
	shard := f.shard(t, "")
	if !waitFor(3*time.Second, func() bool {
		return queryInt(t, shard, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE '%SLEEP(4)%' AND info NOT LIKE '%processlist%'") > 0
	}) {
		t.Fatal("SELECT SLEEP(4) not running on the shard 3 s after it was sent")
	}
	f.p.Signal(t, syscall.SIGTERM)
	signalled := time.Now()

	// New connections are refused while the statement still runs.
	refusedAt := time.Time{}
	for time.Since(signalled) < time.Second {
		c, err := net.DialTimeout("tcp", f.p.Addr(), 500*time.Millisecond)
		if err != nil {
			// Refused, or reset when the listener closed with the
			// connection still in its backlog.
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
				refusedAt = time.Now()
				break
			}
			t.Fatalf("dial after SIGTERM: %v", err)
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if refusedAt.IsZero() {
		t.Fatal("the proxy still accepts TCP connections 1 s after SIGTERM")
	}
	// The proxy closes its listener a moment before it marks itself
	// closing (cmd/xaproxy: ln.Close, then srv.Shutdown): poll briefly.
	unhealthyAt := time.Time{}
	if waitFor(time.Second, func() bool { return healthz(t, f.p) == http.StatusServiceUnavailable }) {
		unhealthyAt = time.Now()
	} else {
		t.Errorf("/healthz while draining after SIGTERM: %d, want 503", healthz(t, f.p))
	}
	// A client login is refused too.
	late, err := sql.Open("mysql", f.p.DSN(appUser, appPass, "shop", "timeout=2s"))
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if err := late.PingContext(ctx); err == nil {
		t.Fatal("a new client logged in after SIGTERM")
	}

	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SELECT SLEEP(4) did not return within 10 s of SIGTERM")
	}
	if r.err != nil {
		t.Fatalf("SELECT SLEEP(4) running at SIGTERM failed: %v", r.err)
	}
	if r.v != 0 {
		t.Fatalf("SELECT SLEEP(4) = %d, want 0 (not interrupted)", r.v)
	}
	if d := r.at.Sub(started); d < 3900*time.Millisecond {
		t.Fatalf("SELECT SLEEP(4) returned after %s", d)
	}
	if !refusedAt.Before(r.at) {
		t.Fatal("connections were refused only after the statement finished")
	}
	if !unhealthyAt.IsZero() && !unhealthyAt.Before(r.at) {
		t.Error("/healthz said 503 only after the statement finished")
	}
	st := f.p.WaitExit(t, 20*time.Second)
	if !st.Success() {
		t.Fatalf("proxy exit after SIGTERM: %v\n%s", st, f.p.Output())
	}
	t.Logf("proxy exited %v, %s after SIGTERM", st, time.Since(signalled).Round(time.Millisecond))
	// The idle session was closed.
	if err := idle.PingContext(ctx); err == nil {
		t.Fatal("idle session still answers after the proxy exited")
	}
	if err := inTx.PingContext(ctx); err == nil {
		t.Fatal("session with an open transaction still answers after the proxy exited")
	}
	if n := queryInt(t, f.shard(t, "shop"), "SELECT COUNT(*) FROM t"); n != 0 {
		t.Fatal("the open transaction was committed at shutdown")
	}
}

// healthz returns the status code of GET /healthz on the admin port (0 if
// it does not answer).
func healthz(t *testing.T, p *harness.Proxy) int {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(p.AdminURL() + "/healthz")
	if err != nil {
		t.Logf("/healthz: %v", err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// kill -9 of the shard: queries fail fast instead of hanging, and once the
// shard is back the proxy serves again instead of handing out dead pooled
// connections; session state survives on the new backend connections.
func TestShardRestart(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 4, max_idle: 4}"})
	ctx := testCtx(t, 2*time.Minute)
	db := f.db(t, "shop", "")
	mustExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
	mustExec(t, db, "INSERT INTO t VALUES (1)")

	sess, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	mustExec(t, sess, "SET @v = 7")
	if n := queryInt(t, sess, "SELECT @v"); n != 7 {
		t.Fatal(n)
	}
	txConn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txConn.Close()
	mustExec(t, txConn, "BEGIN")
	mustExec(t, txConn, "INSERT INTO t VALUES (2)")
	// Warm several pooled backend connections, then let them sit idle.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = db.ExecContext(ctx, "SELECT SLEEP(0.2)")
		}()
	}
	wg.Wait()

	f.s0.Kill(t)

	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	begin := time.Now()
	var one int
	err = sess.QueryRowContext(qctx, "SELECT 1").Scan(&one)
	cancel()
	if err == nil {
		t.Fatal("SELECT 1 succeeded while the shard is down")
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Fatalf("SELECT 1 with the shard down hung for %s (%v)", time.Since(begin).Round(time.Millisecond), err)
	}
	t.Logf("with the shard down: %v after %s", err, time.Since(begin).Round(time.Millisecond))

	f.s0.Start(t)

	deadline := time.Now().Add(10 * time.Second)
	var lastErr error
	attempts := 0
	for {
		attempts++
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var id int
		lastErr = sess.QueryRowContext(qctx, "SELECT id FROM t WHERE id = 1").Scan(&id)
		cancel()
		if lastErr == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing 10 s after the shard came back (%d attempts): %v", attempts, lastErr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("served again after %d attempt(s)", attempts)
	// Every pooled connection is usable now: many queries in a row, some
	// concurrent, none fails.
	for i := 0; i < 20; i++ {
		if n := queryInt(t, db, "SELECT COUNT(*) FROM t WHERE id = ?", 1); n != 1 {
			t.Fatalf("query %d after recovery: %d", i, n)
		}
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var x int
			errs <- db.QueryRowContext(ctx, "SELECT 1 FROM t WHERE id = 1").Scan(&x)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent query after recovery: %v", err)
		}
	}
	// The session kept its variables across backend connections.
	if n := queryInt(t, sess, "SELECT @v"); n != 7 {
		t.Fatalf("@v after the shard restart = %d, want 7", n)
	}

	// The transaction open during the crash lost its connection: the next
	// statement in it fails, the ones after are refused until the end of
	// the transaction, and COMMIT does not commit.
	_, err = txConn.ExecContext(ctx, "INSERT INTO t VALUES (3)")
	if err == nil {
		t.Fatal("INSERT in a transaction whose shard connection died succeeded")
	}
	t.Logf("statement in the broken transaction: %v", err)
	for _, q := range []string{"SELECT COUNT(*) FROM t", "INSERT INTO t VALUES (4)"} {
		if _, err := txConn.ExecContext(ctx, q); err == nil {
			t.Fatalf("%s accepted in a transaction that lost its shard connection", q)
		}
	}
	_, err = txConn.ExecContext(ctx, "COMMIT")
	if err == nil {
		t.Fatal("COMMIT of a transaction whose shard connection died succeeded")
	}
	t.Logf("COMMIT after the crash: %v", err)
	if n := queryInt(t, f.shard(t, "shop"), "SELECT COUNT(*) FROM t WHERE id > 1"); n != 0 {
		t.Fatalf("%d rows of the transaction interrupted by the crash are on the shard", n)
	}
	// The session goes on.
	mustExec(t, txConn, "ROLLBACK")
	if n := queryInt(t, txConn, "SELECT COUNT(*) FROM t"); n != 1 {
		t.Fatalf("after the failed transaction: %d rows, want 1", n)
	}
	mustExec(t, txConn, "INSERT INTO t VALUES (5)")
	if n := queryInt(t, f.shard(t, "shop"), "SELECT COUNT(*) FROM t WHERE id = 5"); n != 1 {
		t.Fatal("insert after the failed transaction is not committed")
	}
	f.assertAlive(t)
}

// SIGTERM with a statement blocked on a shard (waiting for a row lock held
// by another client of the shard) past frontend.shutdown_timeout: the proxy
// kills the statement on the shard, the client gets an error, the
// session's transaction is rolled back, and the proxy exits within
// shutdown_timeout + 5 s.
func TestShutdownInterruptsBlockedStatement(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "frontend: {shutdown_timeout: 2s}"})
	ctx := testCtx(t, time.Minute)
	db := f.db(t, "shop", "")
	mustExec(t, db, "CREATE TABLE blocked (id INT PRIMARY KEY, v INT)")
	mustExec(t, db, "INSERT INTO blocked VALUES (1, 0), (2, 0)")
	shard := f.shard(t, "shop")
	holder, err := shard.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	mustExec(t, holder, "BEGIN")
	mustExec(t, holder, "SELECT * FROM blocked WHERE id = 1 FOR UPDATE")

	client, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	mustExec(t, client, "BEGIN")
	mustExec(t, client, "UPDATE blocked SET v = 2 WHERE id = 2")
	res := make(chan error, 1)
	go func() {
		_, err := client.ExecContext(ctx, "UPDATE blocked SET v = 1 WHERE id = 1") // waits for holder (innodb_lock_wait_timeout 50 s)
		res <- err
	}()
	blockedUpdates := func() int64 {
		return queryInt(t, shard, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE blocked SET v = 1%'")
	}
	if !waitFor(10*time.Second, func() bool { return blockedUpdates() == 1 }) {
		t.Fatal("the UPDATE through the proxy is not waiting on the shard")
	}
	f.p.Signal(t, syscall.SIGTERM)
	signalled := time.Now()
	st := f.p.WaitExit(t, 20*time.Second)
	exited := time.Since(signalled)
	if exited > 2*time.Second+5*time.Second {
		t.Errorf("proxy exited %s after SIGTERM, want within shutdown_timeout (2s) + 5s", exited.Round(time.Millisecond))
	}
	if !st.Success() {
		t.Errorf("proxy exit after SIGTERM: %v\n%s", st, f.p.Output())
	}
	select {
	case err := <-res:
		if err == nil {
			t.Error("the blocked UPDATE succeeded although the proxy shut down under it")
		}
		t.Logf("client of the blocked statement got: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the client of the blocked statement got no answer")
	}
	// A killed statement leaves the processlist a moment after its error
	// went out (see TestOpsShowShard); not killed, it would wait for the
	// holder's lock for innodb_lock_wait_timeout (50 s).
	if !waitFor(2*time.Second, func() bool { return blockedUpdates() == 0 }) {
		t.Errorf("%d UPDATE(s) from the proxy still waiting on the shard 2 s after it exited", blockedUpdates())
	}
	mustExec(t, holder, "COMMIT")
	// The session's transaction was rolled back: row 2 is unchanged and
	// unlocked. (waitOpenWriteTrx polls INNODB_TRX slowly enough for
	// InnoDB to refresh it; its row 2 change counts there.)
	f.waitOpenWriteTrx(t, 0)
	if v := queryInt(t, shard, "SELECT v FROM blocked WHERE id = 2"); v != 0 {
		t.Errorf("row 2 has v = %d, want 0 (the session's transaction rolled back)", v)
	}
	t.Logf("proxy exited %s after SIGTERM (shutdown_timeout 2s)", exited.Round(time.Millisecond))
}
