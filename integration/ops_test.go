package integration

import (
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// frontend.tls: a client trusting the test CA connects over TLS
// (go-sql-driver tls=custom); under require, a plain client gets 3159.
func TestOpsTLS(t *testing.T) {
	t.Parallel()
	ca := newOpsCA(t)
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, fmt.Sprintf(`
		frontend:
		  tls: {cert_file: %q, key_file: %q, require: true}
	`, ca.certFile, ca.keyFile))
	ctx := testCtx(t, time.Minute)
	name := fmt.Sprintf("xaproxy-ops-%d", time.Now().UnixNano())
	if err := mysql.RegisterTLSConfig(name, ca.clientTLS()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mysql.DeregisterTLSConfig(name) })

	secure := f.open(t, appUser, appPass, "shop", "tls="+name)
	mustExec(t, secure, "CREATE TABLE tls_t (id INT PRIMARY KEY, v VARCHAR(10))")
	mustExec(t, secure, "INSERT INTO tls_t VALUES (?, ?)", 1, "over tls")
	if v := queryString(t, secure, "SELECT v FROM tls_t WHERE id = ?", 1); v.String != "over tls" {
		t.Fatalf("read back %v", v)
	}

	plain := f.open(t, appUser, appPass, "shop", "")
	wantMySQLError(t, plain.PingContext(ctx), 3159, "HY000")
	if !strings.Contains(plain.PingContext(ctx).Error(), "frontend.tls.require") {
		t.Errorf("3159 message does not name the setting")
	}
	// A client that does not trust the proxy's CA refuses the proxy.
	if err := mysql.RegisterTLSConfig(name+"-untrusted", &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mysql.DeregisterTLSConfig(name + "-untrusted") })
	untrusted := f.open(t, appUser, appPass, "shop", "tls="+name+"-untrusted")
	if err := untrusted.PingContext(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client trusting the system roots only connected: %v", err)
	}
}

// users[].schemas: a user sees and uses only its schemas (1044 for the
// others), users[].max_connections (1203) and frontend.max_connections
// (1040).
func TestOpsUsers(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `
		- {name: app, password: app-secret}
		- {name: shopper, password: shop-secret, schemas: [shop], max_connections: 2}
	`, `frontend: {max_connections: 5}`)
	ctx := testCtx(t, 2*time.Minute)
	mustExec(t, f.s0.DB(t, "crm"), "CREATE TABLE customers (id INT PRIMARY KEY)")
	mustExec(t, f.s0.DB(t, "shop"), "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20))")
	mustExec(t, f.s0.DB(t, "shop"), "INSERT INTO items VALUES (1, 'pen')")

	t.Run("schemas", func(t *testing.T) {
		shop := f.open(t, "shopper", "shop-secret", "shop", "")
		if v := queryString(t, shop, "SELECT name FROM items WHERE id = ?", 1); v.String != "pen" {
			t.Fatalf("own schema: %v", v)
		}
		if got := queryStrings(t, shop, "SHOW DATABASES"); !slices.Equal(got, []string{"information_schema", "shop"}) {
			t.Errorf("SHOW DATABASES = %v, want information_schema and shop only", got)
		}
		crm := f.open(t, "shopper", "shop-secret", "crm", "")
		wantMySQLError(t, crm.PingContext(ctx), 1044, "42000")

		conn, err := shop.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, q := range []string{"USE crm", "SELECT * FROM crm.customers", "SELECT i.id FROM items i JOIN crm.customers c ON c.id = i.id"} {
			_, err := conn.ExecContext(ctx, q)
			wantMySQLError(t, err, 1044, "42000")
		}
		var me *mysql.MySQLError
		_, err = conn.ExecContext(ctx, "USE crm")
		if errors.As(err, &me) && !strings.Contains(me.Message, "Access denied for user 'shopper' to database 'crm'") {
			t.Errorf("1044 message %q", me.Message)
		}
		// COM_INIT_DB too.
		raw, err := gomysql.ConnectWithTimeout(f.p.Addr(), "shopper", "shop-secret", "shop", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if code := goMySQLErrCode(raw.UseDB("crm")); code != 1044 {
			t.Errorf("COM_INIT_DB crm: code %d, want 1044", code)
		}
		// The unrestricted user reads both.
		app := f.open(t, appUser, appPass, "crm", "")
		if n := queryInt(t, app, "SELECT COUNT(*) FROM customers"); n != 0 {
			t.Errorf("app on crm: %d", n)
		}
	})

	t.Run("per-user limit", func(t *testing.T) {
		// The sessions of the subtest before close as their pools did,
		// but the proxy counts them until it has read each one's end.
		if !waitFor(5*time.Second, func() bool { return metric(t, f.p, "xaproxy_sessions") == 0 }) {
			t.Fatalf("sessions still open before the limit test: %v", metric(t, f.p, "xaproxy_sessions"))
		}
		db := f.open(t, "shopper", "shop-secret", "shop", "")
		var held []*sql.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for i := 0; i < 2; i++ {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatalf("session %d of 2: %v", i+1, err)
			}
			if err := c.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		_, err := db.Conn(ctx)
		wantMySQLError(t, err, 1203, "42000")
		// Another user is not affected.
		app := f.open(t, appUser, appPass, "shop", "")
		if err := app.PingContext(ctx); err != nil {
			t.Fatalf("app while shopper is at its limit: %v", err)
		}
		app.Close()
		// Closing one session frees a slot.
		if err := held[0].Raw(func(dc any) error { return dc.(interface{ Close() error }).Close() }); err != nil {
			t.Fatal(err)
		}
		held[0].Close()
		held = held[1:]
		waitUntil(t, 5*time.Second, "a freed per-user slot", func() bool {
			c, err := db.Conn(ctx)
			if err != nil {
				return false
			}
			if err := c.PingContext(ctx); err != nil {
				c.Close()
				return false
			}
			held = append(held, c)
			return true
		})
	})

	t.Run("total limit", func(t *testing.T) {
		db := f.open(t, appUser, appPass, "shop", "")
		db.SetMaxIdleConns(10)
		var held []*sql.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		var last error
		for i := 0; i < 10; i++ {
			c, err := db.Conn(ctx)
			if err == nil {
				err = c.PingContext(ctx)
			}
			if err != nil {
				last = err
				break
			}
			held = append(held, c)
		}
		wantMySQLError(t, last, 1040, "") // no SQLSTATE before the handshake, as MariaDB
		if len(held) > 5 {
			t.Errorf("%d sessions with frontend.max_connections=5", len(held))
		}
	})
}

// frontend.query_timeout: a statement running longer is killed on its
// shard and the client gets 3024; log.slow_query logs it; the session
// goes on. frontend.max_packet_size refuses a larger query with 1153.
func TestOpsQueryTimeoutAndSlowLog(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, `
		frontend: {query_timeout: 1s, max_packet_size: 64KB}
		log: {slow_query: 200ms}
	`)
	ctx := testCtx(t, 2*time.Minute)
	db := f.open(t, appUser, appPass, "shop", "")
	db.SetMaxOpenConns(1)
	shard := f.s0.DB(t, "")

	start := time.Now()
	var v int
	err := db.QueryRowContext(ctx, "SELECT SLEEP(5)").Scan(&v)
	elapsed := time.Since(start)
	if code := mysqlErrNumber(err); code != 3024 && code != 1317 {
		t.Fatalf("SELECT SLEEP(5) with query_timeout 1s: %v (value %d), want error 3024 or 1317", err, v)
	}
	// About 1 s; the bound leaves a loaded machine room and is still well
	// under the 5 s the statement runs when not killed.
	if elapsed > 4*time.Second {
		t.Errorf("the timeout error came after %s, want about 1 s", elapsed)
	}
	t.Logf("SELECT SLEEP(5) ended after %s with %v", elapsed.Round(time.Millisecond), err)
	// MariaDB clears the text a moment after the error went out (see
	// TestOpsShowShard); the sleep would go on 4 s more.
	if !waitFor(2*time.Second, func() bool {
		return queryInt(t, shard, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(5)%'") == 0
	}) {
		t.Errorf("SLEEP(5) still running on the shard 2 s after the timeout")
	}
	// The session goes on, and statements under the limit run.
	if n := queryInt(t, db, "SELECT SLEEP(0.3) + 1"); n != 1 {
		t.Fatalf("SELECT SLEEP(0.3) + 1 = %d", n)
	}

	// Both are slow (over 200ms): logged with their text, user and db. (The
	// second is far under the timeout, so that a loaded machine does not
	// push it over.)
	waitUntil(t, 5*time.Second, "slow query log lines", func() bool {
		return len(outputLines(f.p, "slow query", "SELECT SLEEP(5)")) == 1 && len(outputLines(f.p, "slow query", "SELECT SLEEP(0.3) + 1")) == 1
	})
	line := outputLines(f.p, "slow query", "SELECT SLEEP(0.3) + 1")[0]
	for _, want := range []string{"user=app", "db=shop", "shards=s0", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("slow query line lacks %q: %s", want, line)
		}
	}
	if fast := outputLines(f.p, "slow query", "SELECT 1"); len(fast) != 0 {
		t.Errorf("fast statement logged as slow: %v", fast)
	}

	_, body := adminGet(t, f.p, "/metrics")
	for _, want := range []string{"xaproxy_query_timeouts_total 1", `xaproxy_queries_total{route="single",type="select"}`, "xaproxy_query_duration_seconds_bucket", "xaproxy_slow_queries_total 2"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	big := "SELECT LENGTH('" + strings.Repeat("x", 100<<10) + "')"
	_, err = db.ExecContext(ctx, big)
	wantMySQLError(t, err, 1153, "08S01")
}

// frontend.idle_timeout closes a session that sends nothing.
func TestOpsIdleTimeout(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, `frontend: {idle_timeout: 1s}`)
	c, err := gomysql.ConnectWithTimeout(f.p.Addr(), appUser, appPass, "shop", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Execute("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// Busy is not idle: a statement longer than the idle timeout runs.
	if _, err := c.Execute("SELECT SLEEP(1.5)"); err != nil {
		t.Fatalf("a 1.5 s statement with idle_timeout 1s: %v", err)
	}
	// Idle, it is closed: waited for without a statement (which would
	// make it busy again), so that a loaded machine's late close counts.
	waitUntil(t, 10*time.Second, "xaproxy_sessions_closed_total{reason=idle_timeout}", func() bool {
		_, body := adminGet(t, f.p, "/metrics")
		return strings.Contains(body, `xaproxy_sessions_closed_total{reason="idle_timeout"} 1`)
	})
	if _, err := c.Execute("SELECT 1"); err == nil {
		t.Fatal("a session closed for idle_timeout 1s still answers")
	}
}

// SIGHUP re-reads the file: a user added can log in while sessions opened
// before keep working; a user removed cannot log in any more; a change
// that needs a restart is named in the log line.
func TestOpsReload(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, "")
	ctx := testCtx(t, 2*time.Minute)
	app := f.open(t, appUser, appPass, "shop", "")
	session, err := app.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	mustExec(t, session, "SET @kept = 42")

	newbie := f.open(t, "newbie", "fresh", "shop", "")
	wantMySQLError(t, newbie.PingContext(ctx), 1045, "28000")

	cfg := f.cfg
	cfg.UsersYAML = `
		- {name: app, password: app-secret}
		- {name: newbie, password: fresh, schemas: [shop]}
	`
	cfg.Extra = `frontend: {max_connections: 50}`
	f.p.RewriteOpsConfig(t, cfg)
	f.p.Signal(t, syscall.SIGHUP)
	waitUntil(t, 10*time.Second, "newbie to log in after SIGHUP", func() bool { return newbie.PingContext(ctx) == nil })
	if n := queryInt(t, session, "SELECT @kept"); n != 42 {
		t.Errorf("a session from before the reload lost its state: @kept = %d", n)
	}
	waitUntil(t, 5*time.Second, "a reload log line naming the changes", func() bool {
		return len(outputLines(f.p, "configuration reloaded", "added newbie", "frontend.max_connections 1000 -> 50", "needs_restart=nothing")) == 1
	})
	newbieSession, err := newbie.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer newbieSession.Close()

	// Remove newbie; restart-only changes are reported, not applied.
	cfg.UsersYAML = `- {name: app, password: app-secret}`
	cfg.Coordinator = "recover_every: 7s"
	f.p.RewriteOpsConfig(t, cfg)
	f.p.Signal(t, syscall.SIGHUP)
	fresh := f.open(t, "newbie", "fresh", "shop", "")
	// A new login each time: a session opened before the reload applied
	// would stay (sessions outlive their user's removal).
	fresh.SetMaxIdleConns(0)
	var lastErr error
	waitUntil(t, 10*time.Second, "newbie to be refused after the second SIGHUP", func() bool {
		lastErr = fresh.PingContext(ctx)
		return mysqlErrNumber(lastErr) == 1045
	})
	t.Logf("newbie after removal: %v", lastErr)
	if err := newbieSession.PingContext(ctx); err != nil {
		t.Errorf("newbie's session from before its removal: %v", err)
	}
	waitUntil(t, 5*time.Second, "the second reload's log line", func() bool {
		return len(outputLines(f.p, "configuration reloaded", "removed newbie", "needs_restart=coordinator")) == 1
	})

	// A broken file changes nothing.
	cfg.UsersYAML = `- {name: app, password: app-secret, password_env: ALSO}`
	f.p.RewriteOpsConfig(t, cfg)
	f.p.Signal(t, syscall.SIGHUP)
	waitUntil(t, 10*time.Second, "the failed reload to be logged", func() bool {
		return len(outputLines(f.p, "configuration reload failed", "users[0].password_env")) == 1
	})
	if err := app.PingContext(ctx); err != nil {
		t.Errorf("app after a failed reload: %v", err)
	}
	if _, body := adminGet(t, f.p, "/metrics"); !strings.Contains(body, `xaproxy_config_reloads_total{result="error"} 1`) {
		t.Errorf("/metrics does not count the failed reload")
	}
}

// /readyz is 200 while the proxy serves: "ready" once start-up recovery is
// done and etcd reachable, "ready, degraded: ..." while etcd is down, when
// /readyz?full=1 is 503; /healthz stays 200; / is the status page.
func TestOpsReadyAndStatus(t *testing.T) {
	t.Parallel()
	etcd := harness.StartEtcd(t)
	s0 := env.StartMariaDB(t, "s0")
	s0.CreateDatabase(t, "shop", "crm")
	p := env.StartOpsProxy(t, harness.OpsProxyConfig{
		ProxyConfig: harness.ProxyConfig{
			Shards:        []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}},
			Schemas:       schemasYAML,
			EtcdEndpoints: []string{etcd.Endpoint()},
		},
		UsersYAML: `- {name: app, password: app-secret}`,
	})
	// Full readiness also needs this run's registration in etcd, which
	// start-up does not wait for when etcd is slow: a loaded machine may
	// see the proxy listen a moment before it.
	var fullCode int
	var fullBody string
	if !waitFor(10*time.Second, func() bool {
		fullCode, fullBody = adminGet(t, p, "/readyz?full=1")
		return fullCode == 200
	}) || fullBody != "ready\n" {
		t.Fatalf("/readyz?full=1 after start = %d %q (within 10 s)", fullCode, fullBody)
	}
	if code, body := adminGet(t, p, "/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("/readyz after start = %d %q", code, body)
	}
	ctx := testCtx(t, time.Minute)
	db := p.DB(t, appUser, appPass, "shop", "")
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mustExec(t, conn, "BEGIN")
	if n := queryInt(t, conn, "SELECT 1"); n != 1 {
		t.Fatal(n)
	}

	waitUntil(t, 10*time.Second, "the status page to show the shard pinged", func() bool {
		_, body := adminGet(t, p, "/")
		return strings.Contains(body, "<td>s0</td>") && strings.Contains(body, `class="ok">ok `)
	})
	_, body := adminGet(t, p, "/")
	for _, want := range []string{`http-equiv="refresh" content="5"`, s0.Addr(), "<td>app</td>", "<td>shop</td>", "<td>yes</td>", "In-doubt transactions", "Recent recovery actions"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}

	etcd.Kill(t)
	waitUntil(t, 15*time.Second, "/readyz?full=1 503 with etcd down", func() bool {
		code, _ := adminGet(t, p, "/readyz?full=1")
		return code == 503
	})
	// It still serves: plain /readyz is 200 and says what does not work.
	if code, body := adminGet(t, p, "/readyz"); code != 200 || !strings.HasPrefix(body, "ready, degraded: ") ||
		!strings.Contains(body, "multi-shard commits are refused (1180) while the decision log (etcd) is unreachable") {
		t.Errorf("/readyz with etcd down = %d %q, want 200 ready, degraded", code, body)
	}
	if _, body := adminGet(t, p, "/metrics"); !strings.Contains(body, `xaproxy_degraded{reason="decision_log_unreachable"} 1`) ||
		!strings.Contains(body, "xaproxy_ready 1") {
		t.Errorf("/metrics with etcd down lacks xaproxy_degraded{reason=\"decision_log_unreachable\"} 1 or xaproxy_ready 1")
	}
	if code, _ := adminGet(t, p, "/healthz"); code != 200 {
		t.Errorf("/healthz with etcd down = %d, want 200 (liveness only)", code)
	}
	etcd.Start(t)
	waitUntil(t, 30*time.Second, "/readyz?full=1 200 with etcd back", func() bool {
		code, _ := adminGet(t, p, "/readyz?full=1")
		return code == 200
	})
	if code, body := adminGet(t, p, "/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz with etcd back = %d %q, want 200 \"ready\"", code, body)
	}
}

// SHOW SHARD FOR names the shard a direct SELECT finds the row on, and
// SHOW SHARD RULES lists the rules. A merged read over both shards that
// runs past frontend.query_timeout is killed on both.
func TestOpsShowShard(t *testing.T) {
	t.Parallel()
	s0 := env.StartMariaDB(t, "s0")
	s1 := env.StartMariaDB(t, "s1")
	s0.CreateDatabase(t, "shop")
	s1.CreateDatabase(t, "shop")
	p := env.StartOpsProxy(t, harness.OpsProxyConfig{
		ProxyConfig: harness.ProxyConfig{
			Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
			Schemas: `
				- name: shop
				  default_shard: s0
				  tables:
				    - {name: orders, shard_key: user_id, algorithm: hash}
				    - {name: countries, broadcast: true}
			`,
			Extra: `frontend: {query_timeout: 1s}`,
		},
		UsersYAML: `- {name: app, password: app-secret}`,
	})
	ctx := testCtx(t, 2*time.Minute)
	db := p.DB(t, appUser, appPass, "shop", "")
	mustExec(t, db, "CREATE TABLE orders (id INT PRIMARY KEY, user_id VARCHAR(20) NOT NULL)")
	direct := map[string]*sql.DB{"s0": s0.DB(t, "shop"), "s1": s1.DB(t, "shop")}
	keys := []string{"1", "2", "3", "42", "alice", "Bob", "carol", "1000000", "-5", "x y"}
	for i, k := range keys {
		mustExec(t, db, "INSERT INTO orders (id, user_id) VALUES (?, ?)", i, k)
	}
	seen := map[string]bool{}
	for i, k := range keys {
		var schema, table, kind, key, shard string
		var shardKey sql.NullString
		lit := "'" + strings.ReplaceAll(k, "'", "''") + "'"
		if err := db.QueryRowContext(ctx, "SHOW SHARD FOR orders "+lit).Scan(&schema, &table, &kind, &shardKey, &key, &shard); err != nil {
			t.Fatalf("SHOW SHARD FOR orders %s: %v", lit, err)
		}
		for name, d := range direct {
			n := queryInt(t, d, "SELECT COUNT(*) FROM orders WHERE id = ?", i)
			if (name == shard) != (n == 1) {
				t.Errorf("key %q: SHOW SHARD FOR says %s, but shard %s holds %d copies of the row", k, shard, name, n)
			}
		}
		seen[shard] = true
	}
	if len(seen) != 2 {
		t.Errorf("10 keys all on %v: the check proves little", seen)
	}
	var rules []string
	rows, err := db.QueryContext(ctx, "SHOW SHARD RULES")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var schema, table, kind, shards string
		var key, algo, ranges sql.NullString
		if err := rows.Scan(&schema, &table, &kind, &key, &algo, &shards, &ranges); err != nil {
			t.Fatal(err)
		}
		if ranges.Valid {
			t.Errorf("ranges of %s = %q, want NULL", table, ranges.String)
		}
		rules = append(rules, strings.Join([]string{schema, table, kind, key.String, algo.String, shards}, " "))
	}
	rows.Close()
	want := []string{"shop * unsharded   s0", "shop countries broadcast   s0,s1", "shop orders sharded user_id hash s0,s1"}
	if !slices.Equal(rules, want) {
		t.Errorf("SHOW SHARD RULES =\n%s\nwant\n%s", strings.Join(rules, "\n"), strings.Join(want, "\n"))
	}

	// Each shard sleeps a second per row: far past the 1 s limit.
	start := time.Now()
	_, err = db.ExecContext(ctx, "SELECT COUNT(*) FROM orders WHERE SLEEP(1) = 0")
	if code := mysqlErrNumber(err); code != 3024 {
		t.Fatalf("merged read past query_timeout: %v, want 3024", err)
	}
	// About 1 s; without the kill the shard holding 5 or more of the 10
	// rows answers after 5 s or more.
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("3024 after %s, want about 1 s", d)
	}
	// A killed statement leaves the processlist a moment after its error
	// went out (MariaDB clears the query text after answering), and under
	// load that moment can be seen: wait for it, far less than the 5 s the
	// read would run on.
	for name, d := range direct {
		const q = "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE '%SLEEP(1)%' AND info NOT LIKE '%processlist%'"
		if !waitFor(2*time.Second, func() bool { return queryInt(t, d, q) == 0 }) {
			t.Errorf("shard %s still runs the timed-out read 2 s after the 3024", name)
		}
	}
}
