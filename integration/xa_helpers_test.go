package integration

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// The bank fixture of the XA tests: three MariaDB shards s0..s2 holding the
// database bank, one etcd, and proxies started per test with the bank
// schema: accounts sharded by id, transfers (a log) sharded by src.

const (
	bankAccounts   = 120
	bankInitialBal = 1000
	bankEtcdPrefix = "/xaproxy/"
	bankDecPrefix  = bankEtcdPrefix + "dec/"
	// xaproxyFormatID is xa.FormatID ("xapx"), the formatID of every branch
	// the proxy starts.
	xaproxyFormatID = 0x78617078
)

const bankSchemasYAML = `
  - name: bank
    default_shard: s0
    tables:
      - {name: accounts, shard_key: id, algorithm: hash}
      - {name: transfers, shard_key: src, algorithm: hash}
`

type bank struct {
	etcd    *harness.Etcd
	shards  map[string]*harness.MariaDB
	names   []string
	direct  map[string]*sql.DB // root on each shard's bank database, bypassing the proxy
	shardOf map[int64]string   // account id -> shard holding it
	byShard map[string][]int64 // shard -> account ids, ascending
	total   int64              // sum of all balances, invariant under transfers

	mu   sync.Mutex
	used map[int64]bool // accounts handed out by take*
	next int            // rotates the shard pairs handed out by takeCross
}

// startBank starts the shards and etcd, creates the tables through a
// short-lived setup proxy (instance "setup", stopped again so that it runs
// no recovery later), inserts bankAccounts accounts with bankInitialBal each
// and finds out, by querying each shard directly, where each account lives.
// mariadbArgs are extra mariadbd options for every shard.
func startBank(t *testing.T, mariadbArgs ...string) *bank {
	t.Helper()
	start := time.Now()
	b := &bank{
		shards:  map[string]*harness.MariaDB{},
		direct:  map[string]*sql.DB{},
		shardOf: map[int64]string{},
		byShard: map[string][]int64{},
		used:    map[int64]bool{},
	}
	for i := 0; i < 3; i++ {
		name := "s" + strconv.Itoa(i)
		m := env.StartMariaDB(t, name, mariadbArgs...)
		m.CreateDatabase(t, "bank")
		b.shards[name] = m
		b.names = append(b.names, name)
		b.direct[name] = m.DB(t, "bank")
	}
	b.etcd = harness.StartEtcd(t)

	setup := b.startProxy(t, "setup", "")
	db := bankDB(t, setup)
	mustExec(t, db, "CREATE TABLE accounts (id BIGINT NOT NULL PRIMARY KEY, bal BIGINT NOT NULL, CONSTRAINT bal_nonneg CHECK (bal >= 0)) ENGINE=InnoDB")
	mustExec(t, db, "CREATE TABLE transfers (tid VARCHAR(64) NOT NULL PRIMARY KEY, src BIGINT NOT NULL, dst BIGINT NOT NULL, amount BIGINT NOT NULL) ENGINE=InnoDB")
	for id := int64(1); id <= bankAccounts; id++ {
		mustExec(t, db, "INSERT INTO accounts (id, bal) VALUES (?, ?)", id, bankInitialBal)
	}
	db.Close()
	setup.Stop(t) // SIGTERM: its registration is revoked, it recovers nothing later

	for _, name := range b.names {
		for _, s := range queryStrings(t, b.direct[name], "SELECT id FROM accounts ORDER BY id") {
			id, _ := strconv.ParseInt(s, 10, 64)
			if other, dup := b.shardOf[id]; dup {
				t.Fatalf("account %d is on both %s and %s", id, other, name)
			}
			b.shardOf[id] = name
			b.byShard[name] = append(b.byShard[name], id)
		}
	}
	if len(b.shardOf) != bankAccounts {
		t.Fatalf("found %d accounts on the shards, inserted %d", len(b.shardOf), bankAccounts)
	}
	for _, name := range b.names {
		if len(b.byShard[name]) < 10 {
			t.Fatalf("shard %s holds only %d of %d accounts: the hash does not spread them", name, len(b.byShard[name]), bankAccounts)
		}
	}
	b.total = bankAccounts * bankInitialBal
	t.Logf("bank: 3 shards + etcd + %d accounts ready in %s (per shard: s0=%d s1=%d s2=%d)", bankAccounts,
		time.Since(start).Round(time.Millisecond), len(b.byShard["s0"]), len(b.byShard["s1"]), len(b.byShard["s2"]))
	return b
}

// proxyConfig is the proxy configuration of instance (p1, p2, ...): the bank
// schema on s0..s2 and a coordinator with abandon_after 3s, recover_every 1s.
func (b *bank) proxyConfig(instance string, vars []string) harness.ProxyConfig {
	shards := make([]harness.ShardSpec, len(b.names))
	for i, n := range b.names {
		shards[i] = harness.ShardSpec{Name: n, DSN: b.shards[n].DSN("")}
	}
	return harness.ProxyConfig{
		Shards:        shards,
		Schemas:       bankSchemasYAML,
		EtcdEndpoints: []string{b.etcd.Endpoint()},
		EtcdPrefix:    bankEtcdPrefix,
		Coordinator: "instance_id: " + instance + "\n" +
			"abandon_after: 3s\n" +
			"recover_every: 1s\n",
		Env: vars,
	}
}

// throughLink makes cfg reach shard through link (a harness.Link to it).
func throughLink(cfg *harness.ProxyConfig, shard string, link *harness.Link) {
	for i := range cfg.Shards {
		if cfg.Shards[i].Name == shard {
			cfg.Shards[i].DSN = "root@tcp(" + link.Addr() + ")/"
		}
	}
}

// startProxy starts a proxy instance; fault, if not empty, is the value of
// XAPROXY_TEST_FAULT (after-prepare, after-decision, after-first-commit,
// optionally with ":stop").
func (b *bank) startProxy(t *testing.T, instance, fault string) *harness.Proxy {
	t.Helper()
	var vars []string
	if fault != "" {
		vars = []string{"XAPROXY_TEST_FAULT=" + fault}
	}
	return env.StartProxy(t, b.proxyConfig(instance, vars))
}

func bankDB(t *testing.T, p *harness.Proxy) *sql.DB {
	t.Helper()
	db := p.DB(t, appUser, appPass, "bank", "timeout=5s")
	db.SetConnMaxIdleTime(time.Minute)
	return db
}

// takeCross returns two unused accounts on different shards (rotating over
// the shard pairs).
func (b *bank) takeCross(t *testing.T) (src, dst int64) {
	t.Helper()
	b.mu.Lock()
	i := b.next
	b.next++
	b.mu.Unlock()
	pairs := [][2]int{{0, 1}, {1, 2}, {2, 0}, {1, 0}, {2, 1}, {0, 2}}
	p := pairs[i%len(pairs)]
	return b.takeOn(t, b.names[p[0]]), b.takeOn(t, b.names[p[1]])
}

// takeOn returns an unused account on shard.
func (b *bank) takeOn(t *testing.T, shard string) int64 {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range b.byShard[shard] {
		if !b.used[id] {
			b.used[id] = true
			return id
		}
	}
	t.Fatalf("no unused account left on shard %s", shard)
	return 0
}

// otherShard is a shard other than those given.
func (b *bank) otherShard(not ...string) string {
	for _, n := range b.names {
		if !containsStr(not, n) {
			return n
		}
	}
	return ""
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (b *bank) dbOf(id int64) *sql.DB { return b.direct[b.shardOf[id]] }

// balance reads an account directly on its shard (a plain read: it does not
// wait for prepared branches).
func (b *bank) balance(t *testing.T, id int64) int64 {
	t.Helper()
	return queryInt(t, b.dbOf(id), "SELECT bal FROM accounts WHERE id = ?", id)
}

// hasTransfer reports whether the transfers row tid exists on src's shard.
func (b *bank) hasTransfer(t *testing.T, tid string, src int64) bool {
	t.Helper()
	return queryInt(t, b.dbOf(src), "SELECT COUNT(*) FROM transfers WHERE tid = ?", tid) == 1
}

// wantBalances checks account balances directly on the shards.
func (b *bank) wantBalances(t *testing.T, what string, want map[int64]int64) {
	t.Helper()
	var bad []string
	for id, w := range want {
		if got := b.balance(t, id); got != w {
			bad = append(bad, fmt.Sprintf("account %d (shard %s): balance %d, want %d", id, b.shardOf[id], got, w))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		t.Errorf("%s:\n  %s", what, strings.Join(bad, "\n  "))
	}
}

// prepared returns, per shard, the prepared branches XA RECOVER lists.
func (b *bank) prepared(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, n := range b.names {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		x, err := harness.XARecover(ctx, b.direct[n])
		cancel()
		if err != nil {
			t.Fatalf("XA RECOVER on %s: %v", n, err)
		}
		if len(x) > 0 {
			out[n] = x
		}
	}
	return out
}

// gtridsOf extracts the distinct gtrids from prepared's output.
func gtridsOf(p map[string][]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, xs := range p {
		for _, x := range xs {
			parts := strings.SplitN(x, "/", 3)
			if len(parts) == 3 && !seen[parts[1]] {
				seen[parts[1]] = true
				out = append(out, parts[1])
			}
		}
	}
	sort.Strings(out)
	return out
}

// decisions returns the decision records in etcd (key without the prefix
// -> value).
func (b *bank) decisions(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range b.etcd.GetPrefix(t, bankDecPrefix) {
		out[strings.TrimPrefix(k, bankDecPrefix)] = v
	}
	return out
}

func (b *bank) sumBalances(t *testing.T) int64 {
	t.Helper()
	var sum int64
	for _, n := range b.names {
		sum += queryInt(t, b.direct[n], "SELECT COALESCE(SUM(bal), 0) FROM accounts")
	}
	return sum
}

// cleanState is what assertClean waits for.
type cleanState struct {
	prepared  map[string][]string
	decisions map[string]string
	sum       int64
}

func (c cleanState) clean(total int64) bool {
	return len(c.prepared) == 0 && len(c.decisions) == 0 && c.sum == total
}

func (b *bank) state(t *testing.T) cleanState {
	t.Helper()
	return cleanState{prepared: b.prepared(t), decisions: b.decisions(t), sum: b.sumBalances(t)}
}

// assertClean waits (up to 15 s) until no shard lists a prepared XA branch,
// etcd holds no decision record and the balances add up to the initial
// total, then asserts each of them.
func (b *bank) assertClean(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	var st cleanState
	for {
		st = b.state(t)
		if st.clean(b.total) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	waited := time.Since(start)
	if len(st.prepared) != 0 {
		t.Errorf("assertClean: after %s, XA RECOVER still lists prepared branches: %v", waited.Round(time.Millisecond), st.prepared)
	}
	if len(st.decisions) != 0 {
		t.Errorf("assertClean: after %s, etcd still holds %d decision record(s) under %s: %v", waited.Round(time.Millisecond), len(st.decisions), bankDecPrefix, st.decisions)
	}
	if st.sum != b.total {
		t.Errorf("assertClean: sum of all balances is %d, want the initial total %d (money created or destroyed)", st.sum, b.total)
	}
	if !t.Failed() {
		t.Logf("assertClean: clean after %s (no prepared branch, no decision record, total %d)", waited.Round(time.Millisecond), st.sum)
	}
	return waited
}

// transferStage says which statement of a transfer failed.
type transferError struct {
	stage string // begin, debit, credit, log, commit; affected: an UPDATE found no row
	err   error
}

func (e *transferError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *transferError) Unwrap() error { return e.err }

func stageOf(err error) string {
	var te *transferError
	if errors.As(err, &te) {
		return te.stage
	}
	return ""
}

// transfer moves amount from src to dst in one transaction on one session:
// BEGIN; debit; credit; log; COMMIT. A failing statement makes it roll back
// and return that statement's error. Every statement, COMMIT included,
// honours ctx (database/sql's Tx.Commit does not take a context, so a
// COMMIT that never answers could not be bounded).
func transfer(ctx context.Context, db *sql.DB, src, dst, amount int64, tid string) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return &transferError{"begin", err}
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		return &transferError{"begin", err}
	}
	steps := []struct {
		stage, q string
		args     []any
	}{
		{"debit", "UPDATE accounts SET bal = bal - ? WHERE id = ?", []any{amount, src}},
		{"credit", "UPDATE accounts SET bal = bal + ? WHERE id = ?", []any{amount, dst}},
		{"log", "INSERT INTO transfers (src, dst, amount, tid) VALUES (?, ?, ?, ?)", []any{src, dst, amount, tid}},
	}
	var missed error // an UPDATE that found no row: reported after COMMIT
	for _, s := range steps {
		r, err := c.ExecContext(ctx, s.q, s.args...)
		if err != nil {
			_, _ = c.ExecContext(ctx, "ROLLBACK")
			return &transferError{s.stage, err}
		}
		if n, err := r.RowsAffected(); err == nil && n != 1 && missed == nil {
			// Every account exists: the statement did not reach its row.
			// The transfer goes on as a client's would, so that the
			// balances show what that does; the error names it.
			missed = fmt.Errorf("%s of account %v affected %d rows, want 1 (tid %s)", s.stage, s.args[1], n, tid)
		}
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		// The session may be in any state now: do not reuse it.
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
		return &transferError{"commit", err}
	}
	if missed != nil {
		return &transferError{"affected", missed}
	}
	return nil
}

// isConnError: the client lost its connection (no server error packet).
func isConnError(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	return !errors.As(err, &me)
}

// metric returns the value of one sample of the proxy's /metrics (0 if
// absent), e.g. metric(p, `xaproxy_xa_commits_total{kind="two_phase"}`).
func metric(t *testing.T, p *harness.Proxy, sample string) float64 {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(p.AdminURL() + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, sample+" ") {
			v, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, sample)), 64)
			return v
		}
	}
	return 0
}

// processState is the state letter of /proc/PID/stat (R, S, T, ...).
func processState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
