//go:build docker

package integration

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// The second half of TestDockerStack: the chaos test's bank workload
// (chaos_workload_test.go) through both proxies of the compose stack while
// the stack's containers are killed (SIGKILL, `compose kill`) and started
// again (`compose start`), then the chaos test's checks (chaos_check_test.go)
// on what the shards hold, read directly on their published ports.

// dockerStack is what the test knows of the running compose stack.
type dockerStack struct {
	compose []string  // the compose command line: binary, -p, -f...
	proxies []string  // MySQL addresses of proxy1, proxy2
	admins  []string  // admin addresses of proxy1, proxy2
	shards  []*sql.DB // s0, s1, s2 directly, as root, database shop
	faults  []dockerFault
}

// dockerFault is one container killed and started again.
type dockerFault struct {
	service        string
	killed, served time.Duration // since the workload began: SIGKILL, serving again
	inDoubt        int           // proxy: its branches prepared after its death; shard: branches prepared on it when killed
}

const (
	dockerBankAccounts = 60
	dockerBankBalance  = 1000
	dockerBankWorkers  = 6
	dockerRootPass     = "root-secret" // MARIADB_ROOT_PASSWORD of docker/compose.yaml
)

var dockerShardNames = []string{"s0", "s1", "s2"}

// dockerShards opens the three shards directly (database shop, as root) and
// waits for each to answer.
func dockerShards(t *testing.T, ctx context.Context) []*sql.DB {
	t.Helper()
	addrs := strings.Split(dockerEnv("XAPROXY_DOCKER_SHARDS", "127.0.0.1:3316,127.0.0.1:3317,127.0.0.1:3318"), ",")
	if len(addrs) != len(dockerShardNames) {
		t.Fatalf("XAPROXY_DOCKER_SHARDS lists %d addresses, want %d (s0, s1, s2)", len(addrs), len(dockerShardNames))
	}
	dbs := make([]*sql.DB, len(addrs))
	for i, a := range addrs {
		db, err := sql.Open("mysql", "root:"+dockerRootPass+"@tcp("+a+")/shop?"+chaosDSNParams)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if !waitFor(time.Minute, func() bool { return db.PingContext(ctx) == nil }) {
			t.Fatalf("shard %s at %s does not answer: %v", dockerShardNames[i], a, db.PingContext(ctx))
		}
		dbs[i] = db
	}
	return dbs
}

// dockerReportEngines logs each shard's server version and says plainly
// whether MySQL was part of the run: MySQL 8.0 cannot be obtained where
// there is no registry, and a pass on MariaDB alone says nothing about it.
func dockerReportEngines(t *testing.T, ctx context.Context, shards []*sql.DB) {
	t.Helper()
	var parts []string
	mysqlShards := 0
	for i, db := range shards {
		var v string
		if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
			t.Fatalf("%s: SELECT VERSION(): %v", dockerShardNames[i], err)
		}
		if !strings.Contains(v, "MariaDB") {
			mysqlShards++
		}
		parts = append(parts, dockerShardNames[i]+" "+v)
	}
	engine := dockerEnv("XAPROXY_DOCKER_ENGINE", "unknown")
	t.Logf("docker: engine %s; shards: %s", engine, strings.Join(parts, ", "))
	if mysqlShards == 0 {
		t.Logf("docker: this run covers MariaDB only: no shard is MySQL (docker/compose.mysql8.yaml makes s0 and s1 MySQL 8.0; it needs the mysql:8.0 image)")
	} else {
		t.Logf("docker: %d of %d shards are MySQL", mysqlShards, len(shards))
	}
}

// dockerCompose runs the stack's compose command with args.
func dockerCompose(ctx context.Context, st dockerStack, args ...string) error {
	cmd := exec.CommandContext(ctx, st.compose[0], append(st.compose[1:], args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", strings.Join(st.compose, " "), strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// dockerComposeOut runs the stack's compose command with args and returns
// its standard output, trimmed.
func dockerComposeOut(ctx context.Context, st dockerStack, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, st.compose[0], append(st.compose[1:], args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", strings.Join(st.compose, " "), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// dockerEngine posts /containers/ID/ACTION (pause, unpause) to the engine's
// API at DOCKER_HOST (unix sockets only; default /var/run/docker.sock).
// Compose's own unpause does nothing against podman 4.3's Docker API (it
// finds no paused container), so pausing goes to the engine directly.
func dockerEngine(ctx context.Context, action, id string) error {
	sock := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		p, ok := strings.CutPrefix(h, "unix://")
		if !ok {
			return fmt.Errorf("DOCKER_HOST=%s: only unix:// sockets are supported", h)
		}
		sock = p
	}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://engine/containers/"+id+"/"+action, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s %s: %s: %s", action, id, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// dockerBank runs the bank workload with the faults and checks the result.
func dockerBank(t *testing.T, ctx context.Context, st dockerStack) {
	// The driver logs every connection the kills break; quiet it here.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
	defer func() { _ = mysql.SetLogger(log.New(os.Stderr, "[mysql] ", log.Ldate|log.Ltime|log.Lshortfile)) }()

	dbs := make([][2]*sql.DB, len(st.proxies))
	for i, addr := range st.proxies {
		for m, extra := range []string{"&interpolateParams=true", ""} {
			db, err := sql.Open("mysql", appUser+":"+appPass+"@tcp("+addr+")/shop?"+chaosDSNParams+extra)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
			dbs[i][m] = db
		}
	}
	setup := dbs[0][0]
	for _, q := range []string{
		"DROP TABLE IF EXISTS accounts",
		"DROP TABLE IF EXISTS transfers",
		"CREATE TABLE accounts (id BIGINT PRIMARY KEY, bal BIGINT NOT NULL) ENGINE=InnoDB",
		"CREATE TABLE transfers (src BIGINT, tid VARCHAR(64), dst BIGINT, amount BIGINT, PRIMARY KEY (src, tid)) ENGINE=InnoDB",
	} {
		mustExec(t, setup, q)
	}
	initial := map[int64]int64{}
	for id := int64(1); id <= dockerBankAccounts; id++ {
		mustExec(t, setup, "INSERT INTO accounts (id, bal) VALUES (?, ?)", id, dockerBankBalance)
		initial[id] = dockerBankBalance
	}
	const initialTotal = dockerBankAccounts * dockerBankBalance
	direct := map[string]*sql.DB{}
	for i, n := range dockerShardNames {
		direct[n] = st.shards[i]
	}
	st0, err := chaosReadState(ctx, dockerShardNames, direct)
	if err != nil {
		t.Fatal(err)
	}
	perShard := map[string]int{}
	for _, s := range st0.accShard {
		perShard[s]++
	}
	if len(st0.accShard) != dockerBankAccounts || len(perShard) != len(dockerShardNames) {
		t.Fatalf("after setup the shards hold %d accounts (%v), want %d over 3 shards", len(st0.accShard), perShard, dockerBankAccounts)
	}
	t.Logf("docker bank: %d accounts of %d (total %d), per shard %s; %d transfer workers through proxy1 and proxy2",
		dockerBankAccounts, dockerBankBalance, initialTotal, chaosCounts(perShard), dockerBankWorkers)

	w := newChaosWorkload(dbs, []string{"proxy1", "proxy2"}, uint64(time.Now().UnixNano()), dockerShardNames, st0.accShard)
	w.initialTotal = initialTotal
	began := time.Now()
	wg := w.run(began, dockerBankWorkers)

	// 10 s of traffic, proxy2 killed for 5 s, 10 s, shard s1 killed for
	// 5 s, 10 s more.
	time.Sleep(10 * time.Second)
	st.faults = append(st.faults, dockerCrash(t, ctx, st, w, "proxy2", 1, began))
	time.Sleep(5 * time.Second)
	st.faults = append(st.faults, dockerCrash(t, ctx, st, w, "shard1", -1, began))
	time.Sleep(10 * time.Second)
	w.stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("docker bank: the clients did not finish within 2 minutes (a call without a deadline?)")
	}
	clientsDone := time.Since(began)

	// Recovery: the prepared branches the kills left are finished by the
	// proxies (the restarted proxy2 at start-up and every recover_every,
	// proxy1 once abandon_after has passed for proxy2's).
	recStart := time.Now()
	var prepared, open map[string][]string
	for first := true; ; first = false {
		prepared, open, err = dockerLeftovers(ctx, direct)
		if first && err == nil {
			t.Logf("docker bank: when the clients finished: %d prepared branch(es), %d open transaction(s) on the shards", dockerCount(prepared), dockerCount(open))
		}
		if err == nil && len(prepared) == 0 && len(open) == 0 || time.Since(recStart) > 90*time.Second {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	recWait := time.Since(recStart)
	recovered := err == nil && len(prepared) == 0 && len(open) == 0
	clean := recovered // no diagnosis logged yet
	if err != nil {
		t.Errorf("docker bank: reading XA RECOVER and innodb_trx: %v", err)
	}
	for _, n := range dockerShardNames {
		if len(prepared[n]) > 0 {
			t.Errorf("docker bank: %s: XA RECOVER still lists %d branch(es) %s after the clients finished: %s", n, len(prepared[n]), recWait.Round(time.Second), strings.Join(prepared[n], ", "))
		}
		if len(open[n]) > 0 {
			t.Errorf("docker bank: %s: transactions still open %s after the clients finished: %s", n, recWait.Round(time.Second), strings.Join(open[n], "; "))
		}
	}

	final, err := chaosReadState(ctx, dockerShardNames, direct)
	if err != nil {
		t.Fatalf("docker bank: reading the final state: %v", err)
	}
	faults := make([]*chaosFault, len(st.faults))
	for i, f := range st.faults {
		faults[i] = &chaosFault{at: f.killed, kind: "kill", target: f.service, dur: f.served - f.killed, healed: f.served}
	}
	v := chaosCheck(w, final, initial, initialTotal, faults)
	if !clean {
		dockerDiagnose(t, st, "transactions or branches left on the shards")
	}
	for i, db := range dbs {
		var got int64
		var lerr error
		if !waitFor(30*time.Second, func() bool { got, lerr = chaosLockedTotal(db[0]); return lerr == nil }) {
			v.fail("%s does not serve a locking read of the total: %v", w.proxyName(i), lerr)
			if clean {
				dockerDiagnose(t, st, w.proxyName(i)+" does not serve a locking read")
				clean = false
			}
		} else if got != initialTotal {
			v.fail("%s: locking read of the total = %d, want %d", w.proxyName(i), got, initialTotal)
		}
	}

	// Every client has finished: a command that started before that and
	// still runs is stuck (a wait for an answer that cannot come).
	for i, addr := range st.proxies {
		var busy []string
		var berr error
		older := func() time.Duration { return time.Since(began.Add(clientsDone)) + time.Second }
		if !waitFor(30*time.Second, func() bool { busy, berr = dockerBusySessions(ctx, addr, older()); return berr == nil && len(busy) == 0 }) {
			v.fail("%s: commands that started before the clients finished still run: %s (%v)", w.proxyName(i), strings.Join(busy, "; "), berr)
			if clean {
				dockerDiagnose(t, st, w.proxyName(i)+" has stuck sessions")
				clean = false
			}
		}
	}

	t.Log(dockerBankSummary(w, v, st, clientsDone, recWait, recovered))
	for _, s := range v.violations {
		t.Errorf("docker bank: %s", s)
	}
	for _, q := range []string{"DROP TABLE accounts", "DROP TABLE transfers"} {
		if _, err := setup.ExecContext(ctx, q); err != nil {
			t.Errorf("proxy1: %s: %v", q, err)
		}
	}
}

// dockerCrash kills a service's container while two-phase commits are
// stuck between PREPARE and their decision, and starts it again: a kill
// proves recovery only if it leaves branches in doubt, and landing one
// between a PREPARE and its COMMIT by chance is rare. So etcd (the decision
// log) is paused first (`compose pause`, the cgroup freezer): every commit
// that has prepared its branches then waits for its decision record. The
// service is killed (SIGKILL) once branches it owns or holds are prepared,
// etcd resumed, and the service started 5 s after the kill. A proxy is its index: the workload stops
// sending to it once it is dead, as a load balancer would, and it counts as
// serving again when its admin port says ready; a shard when it answers a
// ping on its published port.
func dockerCrash(t *testing.T, ctx context.Context, st dockerStack, w *chaosWorkload, service string, proxy int, began time.Time) dockerFault {
	t.Helper()
	f := dockerFault{service: service}
	etcd, err := dockerComposeOut(ctx, st, "ps", "-q", "etcd")
	if err != nil || etcd == "" {
		t.Fatalf("docker bank: the etcd container: %q, %v", etcd, err)
	}
	paused := false
	pause := func() {
		if err := dockerEngine(ctx, "pause", etcd); err != nil {
			t.Fatalf("docker bank: pause etcd: %v", err)
		}
		paused = true
	}
	unpause := func() {
		if paused {
			paused = false
			if err := dockerEngine(context.Background(), "unpause", etcd); err != nil {
				t.Errorf("docker bank: unpause etcd: %v", err)
			}
		}
	}
	defer unpause()
	// In doubt: branches of the proxy about to be killed, prepared on any
	// shard; or any branch prepared on the shard about to be killed (it
	// survives the crash in the shard's redo log).
	inDoubt := func() (int, error) {
		n := 0
		for i, db := range st.shards {
			if proxy < 0 && dockerShardNames[i] != "s"+strings.TrimPrefix(service, "shard") {
				continue
			}
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			x, err := harness.XARecover(c, db)
			cancel()
			if err != nil {
				return 0, fmt.Errorf("XA RECOVER on %s: %w", dockerShardNames[i], err)
			}
			for _, xid := range x {
				if proxy < 0 || strings.Contains(xid, ":"+service+"-") {
					n++
				}
			}
		}
		return n, nil
	}
	// Kill once something is in doubt (within 6 s of the pause: the
	// workers may be waiting for row locks first). Every worker can be
	// stuck behind branches that do not involve the service (a lock held by
	// a commit waiting for its decision on other shards): then etcd is
	// resumed for a moment, to let them move on, and paused again.
	var ierr error
	for attempt := 1; ; attempt++ {
		pause()
		waitFor(6*time.Second, func() bool { f.inDoubt, ierr = inDoubt(); return ierr != nil || f.inDoubt > 0 })
		if ierr != nil {
			t.Fatalf("docker bank: before killing %s: %v", service, ierr)
		}
		if f.inDoubt > 0 || attempt == 4 {
			break
		}
		t.Logf("docker bank: nothing of %s in doubt 6 s after pausing etcd (attempt %d): resuming it for 2 s", service, attempt)
		unpause()
		time.Sleep(2 * time.Second)
	}
	if err := dockerCompose(ctx, st, "kill", "-s", "SIGKILL", service); err != nil {
		t.Fatalf("docker bank: %v", err)
	}
	f.killed = time.Since(began)
	if proxy >= 0 {
		w.avail[proxy].Store(false)
		// Counted again after the kill: what its death left prepared.
		if f.inDoubt, ierr = inDoubt(); ierr != nil {
			t.Fatalf("docker bank: after killing %s: %v", service, ierr)
		}
	}
	unpause()
	time.Sleep(5 * time.Second)
	if err := dockerCompose(ctx, st, "restart", "--no-deps", service); err != nil {
		t.Fatalf("docker bank: %v", err)
	}
	if proxy >= 0 {
		if err := dockerWaitHealthy(ctx, st.admins[proxy], 2*time.Minute); err != nil {
			t.Fatalf("docker bank: %s after start: %v", service, err)
		}
		w.avail[proxy].Store(true)
	} else {
		db := st.shards[shardIndex(service)]
		if !waitFor(2*time.Minute, func() bool { return db.PingContext(ctx) == nil }) {
			t.Fatalf("docker bank: %s does not answer 2 minutes after start", service)
		}
	}
	f.served = time.Since(began)
	t.Logf("docker bank: %s killed at +%s with etcd paused (%d branch(es) in doubt), serving again at +%s",
		service, f.killed.Round(100*time.Millisecond), f.inDoubt, f.served.Round(100*time.Millisecond))
	if f.inDoubt == 0 {
		t.Errorf("docker bank: killing %s left no branch in doubt: recovery after the crash was not exercised", service)
	}
	return f
}

// shardIndex maps the compose service shardN to N.
func shardIndex(service string) int {
	return int(service[len(service)-1] - '0')
}

// dockerCount counts the entries of a per-shard listing.
func dockerCount(m map[string][]string) int {
	n := 0
	for _, l := range m {
		n += len(l)
	}
	return n
}

// dockerLeftovers returns the prepared branches (XA RECOVER) and the open
// transactions (innodb_trx) per shard.
func dockerLeftovers(ctx context.Context, direct map[string]*sql.DB) (map[string][]string, map[string][]string, error) {
	prepared := map[string][]string{}
	open := map[string][]string{}
	for n, db := range direct {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		x, err := harness.XARecover(c, db)
		var o []string
		if err == nil {
			o, err = chaosOpenTrx(c, db)
		}
		cancel()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", n, err)
		}
		if len(x) > 0 {
			prepared[n] = x
		}
		if len(o) > 0 {
			open[n] = o
		}
	}
	return prepared, open, nil
}

// dockerRecoveryActions returns the xaproxy_xa_recovery_actions_total
// samples of a proxy's /metrics (action -> count); those of a restarted
// proxy count from its restart.
func dockerRecoveryActions(admin string) (map[string]string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + admin + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `xaproxy_xa_recovery_actions_total{action="`)
		if !ok {
			continue
		}
		action, value, ok := strings.Cut(rest, `"} `)
		if ok && value != "0" {
			out[action] = value
		}
	}
	return out, sc.Err()
}

// dockerBankSummary renders what ran and what was checked.
func dockerBankSummary(w *chaosWorkload, v *chaosVerdict, st dockerStack, clientsDone, recWait time.Duration, recovered bool) string {
	var b strings.Builder
	outcomes := map[string]int{}
	codes := map[string]int{}
	first, last := map[string]time.Duration{}, map[string]time.Duration{}
	cross := 0
	for _, x := range w.transfers {
		outcomes[x.outcome]++
		if x.code != "" {
			codes[x.code]++
			if f, ok := first[x.code]; !ok || x.start < f {
				first[x.code] = x.start
			}
			last[x.code] = max(last[x.code], x.end)
		}
		if x.crossShard {
			cross++
		}
	}
	fmt.Fprintf(&b, "docker bank summary:\n")
	fmt.Fprintf(&b, "  transfers: %d attempted (%d cross-shard), outcomes %s; clients done at +%s\n",
		len(w.transfers), cross, chaosCounts(outcomes), clientsDone.Round(100*time.Millisecond))
	if len(codes) > 0 {
		fmt.Fprintf(&b, "  transfer errors by code: %s\n", chaosCounts(codes))
		w.mu.Lock()
		for _, c := range slices.Sorted(maps.Keys(codes)) {
			fmt.Fprintf(&b, "    %s from +%s to +%s, first: %s\n", c, first[c].Round(100*time.Millisecond), last[c].Round(100*time.Millisecond), w.errSample[c])
		}
		w.mu.Unlock()
	}
	fmt.Fprintf(&b, "  reads: %d locking, %d plain; account creations/deletions: %d\n", len(w.locking), len(w.plain), len(w.acctOps))
	for _, f := range st.faults {
		fmt.Fprintf(&b, "  kill: %s (SIGKILL, etcd paused) at +%s, %d branch(es) in doubt, serving again at +%s\n",
			f.service, f.killed.Round(100*time.Millisecond), f.inDoubt, f.served.Round(100*time.Millisecond))
	}
	for i, admin := range st.admins {
		acts, err := dockerRecoveryActions(admin)
		switch {
		case err != nil:
			fmt.Fprintf(&b, "  recovery actions of %s: %v\n", w.proxyName(i), err)
		case len(acts) == 0:
			fmt.Fprintf(&b, "  recovery actions of %s: none\n", w.proxyName(i))
		default:
			keys := make([]string, 0, len(acts))
			for k := range acts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for j, k := range keys {
				parts[j] = k + "=" + acts[k]
			}
			fmt.Fprintf(&b, "  recovery actions of %s: %s\n", w.proxyName(i), strings.Join(parts, " "))
		}
	}
	if recovered {
		fmt.Fprintf(&b, "  recovery: XA RECOVER and innodb_trx empty on every shard %s after the clients finished\n", recWait.Round(100*time.Millisecond))
	} else {
		fmt.Fprintf(&b, "  recovery: XA RECOVER or innodb_trx NOT empty on every shard %s after the clients finished (see above)\n", recWait.Round(100*time.Millisecond))
	}
	fmt.Fprintf(&b, "  invariants: OK-committed present %d, missing %d; COMMIT error present %d / absent %d; failed before COMMIT absent %d, present %d (skipped %d); negative balances %d; total at end %d over %d accounts; violations %d",
		v.okPresent, v.okMissing, v.commitErrPresent, v.commitErrAbs, v.errAbsent, v.errPresent, v.skipped, v.negative, v.total, v.accountsAtEnd, len(v.violations))
	return b.String()
}
