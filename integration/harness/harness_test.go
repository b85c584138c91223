package harness_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

var env *harness.Env

func TestMain(m *testing.M) {
	if os.Getenv("HARNESS_FAKE_PROXY") == "1" {
		os.Exit(fakeProxy(os.Args[1:]))
	}
	env = harness.NewEnv()
	os.Exit(env.Run(m))
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func mustExec(t *testing.T, e interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) {
	t.Helper()
	if _, err := e.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// A committed row survives kill -9 of mariadbd.
func TestMariaDBCommittedRowSurvivesKill(t *testing.T) {
	t.Parallel()
	m := env.StartMariaDB(t, "crash")
	if m.Port() == 0 || m.Addr() != fmt.Sprintf("127.0.0.1:%d", m.Port()) {
		t.Fatalf("bad address %q / %d", m.Addr(), m.Port())
	}
	if want := fmt.Sprintf("root@tcp(127.0.0.1:%d)/shop", m.Port()); m.DSN("shop") != want {
		t.Fatalf("DSN = %q, want %q", m.DSN("shop"), want)
	}
	m.CreateDatabase(t, "shop")
	db := m.DB(t, "shop")
	mustExec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB")
	mustExec(t, db, "INSERT INTO t VALUES (1, 'committed')")

	pid := m.PID()
	m.Kill(t)
	if m.Running() {
		t.Fatal("still running after Kill")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Fatalf("pid %d still exists after Kill", pid)
	}
	if err := db.Ping(); err == nil {
		t.Fatal("ping succeeded while mariadbd is dead")
	}

	m.Start(t)
	if m.PID() == pid {
		t.Fatal("same pid after restart")
	}
	var v string
	if err := db.QueryRow("SELECT v FROM t WHERE id = 1").Scan(&v); err != nil {
		t.Fatalf("row lost after kill -9: %v", err)
	}
	if v != "committed" {
		t.Fatalf("v = %q", v)
	}

	// Clean stop and start as well.
	mustExec(t, db, "INSERT INTO t VALUES (2, 'second')")
	m.Stop(t)
	m.Start(t)
	if n := count(t, db, "SELECT COUNT(*) FROM t"); n != 2 {
		t.Fatalf("count after clean restart = %d, want 2", n)
	}
}

// A prepared XA transaction survives disconnect and kill -9, shows up in
// XA RECOVER and can then be committed.
func TestMariaDBPreparedXASurvivesKill(t *testing.T) {
	t.Parallel()
	m := env.StartMariaDB(t, "xa")
	m.CreateDatabase(t, "shop")
	db := m.DB(t, "shop")
	mustExec(t, db, "CREATE TABLE orders (id INT PRIMARY KEY, amount INT) ENGINE=InnoDB")

	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"XA START 'x'",
		"INSERT INTO orders VALUES (1, 100)",
		"XA END 'x'",
		"XA PREPARE 'x'",
	} {
		mustExec(t, conn, q)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	// Make sure the session is really gone before killing (a closed
	// database/sql.Conn goes back to the pool: drop the pool's connections).
	db.SetMaxIdleConns(0)
	db.SetMaxIdleConns(2)

	// Not committed yet: invisible to others.
	if n := count(t, db, "SELECT COUNT(*) FROM orders"); n != 0 {
		t.Fatalf("prepared row visible before commit: count=%d", n)
	}

	m.Kill(t)
	m.Start(t)

	rows, err := db.Query("XA RECOVER")
	if err != nil {
		t.Fatal(err)
	}
	var xids []string
	for rows.Next() {
		var format, gtridLen, bqualLen int
		var data string
		if err := rows.Scan(&format, &gtridLen, &bqualLen, &data); err != nil {
			t.Fatal(err)
		}
		xids = append(xids, data)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(xids) != 1 || xids[0] != "x" {
		t.Fatalf("XA RECOVER after kill -9 = %q, want [x]", xids)
	}

	mustExec(t, db, "XA COMMIT 'x'")
	var amount int
	if err := db.QueryRow("SELECT amount FROM orders WHERE id = 1").Scan(&amount); err != nil {
		t.Fatalf("row of committed XA transaction: %v", err)
	}
	if amount != 100 {
		t.Fatalf("amount = %d", amount)
	}
	if n := count(t, db, "SELECT COUNT(*) FROM information_schema.innodb_trx"); n != 0 {
		t.Fatalf("%d transactions still open", n)
	}
}

// Two instances from the same Env template are independent.
func TestMariaDBInstancesIndependent(t *testing.T) {
	t.Parallel()
	a := env.StartMariaDB(t, "a")
	b := env.StartMariaDB(t, "b", "--innodb-lock-wait-timeout=3")
	if a.Port() == b.Port() || a.DataDir() == b.DataDir() {
		t.Fatal("instances share port or datadir")
	}
	a.CreateDatabase(t, "only_a")
	if n := count(t, b.DB(t, ""), "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'only_a'"); n != 0 {
		t.Fatal("database created on a is visible on b")
	}
	if n := count(t, b.DB(t, ""), "SELECT @@innodb_lock_wait_timeout"); n != 3 {
		t.Fatalf("extra args not applied: innodb_lock_wait_timeout=%d", n)
	}
}

func TestEtcdSurvivesKill(t *testing.T) {
	t.Parallel()
	e := harness.StartEtcd(t)
	if !strings.HasPrefix(e.Endpoint(), "127.0.0.1:") {
		t.Fatalf("endpoint %q", e.Endpoint())
	}
	e.Put(t, "/xaproxy/decisions/x1", "commit")
	e.Put(t, "/xaproxy/decisions/x2", "abort")
	e.Put(t, "/other", "zzz")

	// Cross-check with etcdctl when it is installed (make deps installs it).
	if ctl, err := exec.LookPath("etcdctl"); err == nil {
		cmd := exec.Command(ctl, "--endpoints="+e.Endpoint(), "get", "/xaproxy/decisions/x1", "--print-value-only")
		cmd.Env = append(os.Environ(), "ETCDCTL_API=3")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "commit" {
			t.Fatalf("etcdctl get: %q, %v", out, err)
		}
	}

	e.Kill(t)
	if _, err := http.Get(e.ClientURL() + "/health"); err == nil {
		t.Fatal("etcd still answers after Kill")
	}
	e.Start(t)
	if v, ok := e.Get(t, "/xaproxy/decisions/x1"); !ok || v != "commit" {
		t.Fatalf("after kill -9: get = %q, %v", v, ok)
	}
	got := e.GetPrefix(t, "/xaproxy/")
	if len(got) != 2 || got["/xaproxy/decisions/x2"] != "abort" {
		t.Fatalf("prefix get = %v", got)
	}
	e.Delete(t, "/xaproxy/decisions/x2")
	e.Stop(t)
	e.Start(t)
	if _, ok := e.Get(t, "/xaproxy/decisions/x2"); ok {
		t.Fatal("deleted key is back")
	}
	if _, ok := e.Get(t, "/missing"); ok {
		t.Fatal("missing key found")
	}
}

func TestRenderProxyConfig(t *testing.T) {
	// Tabs after the common indentation are not YAML.
	if got, err := harness.RenderProxyConfig(harness.ProxyConfig{Schemas: "  - name: shop\n\t  default_shard: s0\n"}, "a:1", "a:2"); err == nil {
		t.Fatalf("tab indentation accepted:\n%s", got)
	}
	// A raw string indented with the code's tabs, YAML structure in spaces.
	got, err := harness.RenderProxyConfig(harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: "root@tcp(127.0.0.1:3310)/"}, {Name: "s1", DSN: "root@tcp(127.0.0.1:3311)/"}},
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: orders, shard_key: user_id, algorithm: hash}
		`,
		EtcdEndpoints: []string{"127.0.0.1:2379"},
		Coordinator: `
			instance_id: p1
			abandon_after: 3s
		`,
		Extra: "  log_level: debug\n",
	}, "127.0.0.1:3307", "127.0.0.1:9107")
	if err != nil {
		t.Fatal(err)
	}
	want := `listen: "127.0.0.1:3307"
admin_listen: "127.0.0.1:9107"
users:
  - {name: "app", password: "app-secret"}
shards:
  - {name: "s0", dsn: "root@tcp(127.0.0.1:3310)/"}
  - {name: "s1", dsn: "root@tcp(127.0.0.1:3311)/"}
schemas:
  - name: shop
    default_shard: s0
    tables:
      - {name: orders, shard_key: user_id, algorithm: hash}
coordinator:
  etcd: {endpoints: ["127.0.0.1:2379"], prefix: "/xaproxy/"}
  instance_id: p1
  abandon_after: 3s
log_level: debug
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	got, err = harness.RenderProxyConfig(harness.ProxyConfig{Users: map[string]string{}}, "a:1", "a:2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "coordinator") || !strings.Contains(got, "users: []") || !strings.Contains(got, "schemas: []") {
		t.Fatalf("minimal config:\n%s", got)
	}
}

// StartProxy and the process controls, exercised against a stand-in
// proxy (this test binary re-executed with HARNESS_FAKE_PROXY=1), so the
// harness is tested independently of cmd/xaproxy.
func TestProxyLifecycleWithFakeProxy(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := harness.StartProxy(t, self, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: "root@tcp(127.0.0.1:1)/"}},
		Env:    []string{"HARNESS_FAKE_PROXY=1"},
	})
	if !strings.Contains(p.Output(), "fake proxy listening") {
		t.Fatalf("output: %q", p.Output())
	}
	if want := "app:app-secret@tcp(" + p.Addr() + ")/shop?interpolateParams=true"; p.DSN("app", "app-secret", "shop", "interpolateParams=true") != want {
		t.Fatalf("DSN = %q", p.DSN("app", "app-secret", "shop", "interpolateParams=true"))
	}
	cfg, err := os.ReadFile(p.ConfigPath())
	if err != nil || !strings.Contains(string(cfg), "listen: \""+p.Addr()+"\"") {
		t.Fatalf("config %s: %v", cfg, err)
	}
	rss, err := p.RSS()
	if err != nil || rss < 1<<20 {
		t.Fatalf("RSS = %d, %v", rss, err)
	}

	pid := p.PID()
	p.Restart(t) // SIGTERM + start
	if st := p.ExitState(); st != nil {
		t.Fatalf("ExitState while running = %v", st)
	}
	if p.PID() == pid {
		t.Fatal("same pid after Restart")
	}
	p.Kill(t)
	if p.Running() || p.ExitState() == nil || p.ExitState().Success() {
		t.Fatalf("after Kill: running=%v state=%v", p.Running(), p.ExitState())
	}
	p.Start(t)
	p.Signal(t, syscall.SIGTERM)
	if st := p.WaitExit(t, 10*time.Second); !st.Success() {
		t.Fatalf("exit after SIGTERM: %v", st)
	}
	p.Start(t)
	if !tcpOK(p.Addr()) {
		t.Fatal("MySQL port not reachable")
	}
}

func tcpOK(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// fakeProxy reads listen/admin_listen from the config and serves a TCP
// port and /healthz until SIGTERM.
func fakeProxy(args []string) int {
	if len(args) < 3 || args[0] != "serve" || args[1] != "--config" {
		fmt.Fprintf(os.Stderr, "usage: serve --config FILE (got %q)\n", args)
		return 2
	}
	f, err := os.Open(args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var listen, admin string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		switch k {
		case "listen":
			listen = v
		case "admin_listen":
			admin = v
		}
	}
	f.Close()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	l, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Addr: admin, Handler: mux}
	al, err := net.Listen("tcp", admin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		if err := srv.Serve(al); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	fmt.Printf("fake proxy listening on %s, admin %s\n", listen, admin)
	<-sigs
	l.Close()
	srv.Close()
	fmt.Println("fake proxy stopped")
	return 0
}

// The harness's contract with cmd/xaproxy: the config file it writes is
// accepted, readiness works, queries go through, and the process controls
// work on the real binary.
func TestRealProxySmoke(t *testing.T) {
	t.Parallel()
	bin := env.BuildProxy(t)
	if again := env.BuildProxy(t); again != bin {
		t.Fatalf("BuildProxy not memoised: %s then %s", bin, again)
	}
	s0 := env.StartMariaDB(t, "s0")
	s1 := env.StartMariaDB(t, "s1")
	for _, m := range []*harness.MariaDB{s0, s1} {
		m.CreateDatabase(t, "shop")
	}
	etcd := harness.StartEtcd(t)
	p := harness.StartProxy(t, bin, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
		Schemas: `
          - name: shop
            default_shard: s0
            tables:
              - {name: orders, shard_key: user_id, algorithm: hash}
        `,
		EtcdEndpoints: []string{etcd.Endpoint()},
	})
	db := p.DB(t, "app", "app-secret", "shop", "")
	if n := count(t, db, "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 through the proxy = %d", n)
	}
	bad := p.DB(t, "app", "wrong-password", "shop", "")
	if err := bad.Ping(); err == nil {
		t.Fatal("wrong password accepted")
	}
	if rss, err := p.RSS(); err != nil || rss <= 0 {
		t.Fatalf("RSS = %d, %v", rss, err)
	}
	p.Restart(t)
	if st := p.ExitState(); st != nil {
		t.Fatalf("running proxy has exit state %v", st)
	}
	if n := count(t, db, "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 after restart = %d", n)
	}
	p.Stop(t)
	if st := p.ExitState(); st == nil || !st.Success() {
		t.Fatalf("xaproxy exit after SIGTERM: %v", st)
	}
}
