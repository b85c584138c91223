package integration

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestChaos is the bank test (after Jepsen's): money moves between
// accounts spread over three MariaDB shards, through several proxies at
// once, while a nemesis kills and pauses proxies, kills mariadbd and etcd
// and breaks single proxy->shard links. At the end, with every fault
// healed and recovery given time to finish, not a cent may be lost or
// created: every transfer is fully applied or not at all, and exactly the
// committed ones are; locking reads of the total always see the initial
// total; no XA branch stays prepared and no decision record stays in etcd.
//
// Two deployments run the bank at once, A and B: each with its own etcd
// prefix, its own proxies and its own database (bank_a, bank_b; each
// deployment's schema config knows only its own), on the same etcd and
// the same three mariadbd. Nothing is shared but the servers, as with
// staging and production, or two applications, on one MariaDB: the XA
// branches of both sit side by side in every shard's XA RECOVER, and one
// deployment's recovery must never decide the other's. Every fault hits
// both (etcd, mariadbd) or either (a proxy, a link); the invariants are
// checked per deployment.
//
// Environment:
//
//	CHAOS_DURATION=90s  how long faults are injected (the run takes ~1 min more)
//	CHAOS_SEED=N        the fault schedule's seed (default: time-based, printed first)
//	CHAOS_PROXIES=2     proxy instances per deployment, 1 to 3; "A,B" (e.g. 2,1) sets each
//	CHAOS_VERBOSE=1     log every fault and heal as it happens
//
// The schedule (kinds, targets, durations) follows from the seed; the
// interleaving with the clients does not, so a replay reproduces the
// faults, not necessarily the exact histories.
func TestChaos(t *testing.T) {
	cfg := chaosConfigFromEnv(t)
	seedLine := fmt.Sprintf("chaos: seed %d (replay with CHAOS_SEED=%d)", cfg.seed, cfg.seed)
	if !testing.Verbose() {
		fmt.Println(seedLine)
	}
	t.Log(seedLine)
	t.Logf("chaos: duration %s, deployments %s, 3 shards, 1 etcd", cfg.duration, cfg.describeProxies())
	// The driver logs every connection it finds broken; under chaos that is
	// thousands of lines. Quiet it for this test (it runs alone: it is not
	// parallel) and restore the driver's default afterwards.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
	defer func() { _ = mysql.SetLogger(log.New(os.Stderr, "[mysql] ", log.Ldate|log.Ltime|log.Lshortfile)) }()
	setupStart := time.Now()

	// Topology: 3 shards, 1 etcd, and per deployment N proxies, each
	// reaching each shard through its own Link.
	names := []string{"s0", "s1", "s2"}
	shards := make([]*harness.MariaDB, len(names))
	admin := map[string]*sql.DB{} // per shard, no database: XA RECOVER, innodb_trx
	for j, name := range names {
		// A short lock wait: transfers and locking reads of every row
		// deadlock across shards, which no single InnoDB can detect.
		shards[j] = env.StartMariaDB(t, name, "--innodb-lock-wait-timeout=3")
		admin[name] = chaosOpen(t, shards[j], "")
	}
	etcd := harness.StartEtcd(t)
	deps := make([]*chaosDeployment, len(chaosDeploymentSpecs))
	for k, spec := range chaosDeploymentSpecs {
		deps[k] = startChaosDeployment(t, spec, cfg.proxies[k], names, shards, etcd)
	}
	for k, d := range deps {
		d.setup(t, names, cfg.seed+uint64(k))
		t.Logf("chaos: %s: prefix %s, database %s, proxies %s; initial total %d; accounts per shard %s",
			d.label, d.prefix, d.db, strings.Join(d.names, " "), d.initialTotal, chaosCounts(d.perShard))
	}
	t.Logf("chaos: setup done in %s", time.Since(setupStart).Round(time.Millisecond))

	// Run: both deployments' clients and the nemesis on one clock.
	began := time.Now()
	workers := make([]*sync.WaitGroup, len(deps))
	for k, d := range deps {
		workers[k] = d.w.run(began, 5)
	}
	nem := newChaosNemesis(t, cfg.seed, began, deps, shards, etcd, cfg.verbose)
	nem.run(time.Now().Add(cfg.duration))
	chaosEnd := nem.since()

	// Heal everything, let the clients finish (every call is bounded),
	// then wait for recovery.
	for _, d := range deps {
		d.w.stop.Store(true)
	}
	nem.healAll(90 * time.Second)
	healed := nem.since()
	done := make(chan struct{})
	go func() {
		for _, wg := range workers {
			wg.Wait()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("chaos: seed %d: the clients did not finish within 2 minutes of the end of the faults (a call without a deadline?)", cfg.seed)
	}
	clientsDone := nem.since()

	decPrefixes := make([]string, len(deps))
	for k, d := range deps {
		decPrefixes[k] = d.decPrefix()
	}
	var prepared, openTrx map[string][]string
	var decisions map[string]string
	var leftErr error
	recoveryStart := time.Now()
	for {
		prepared, openTrx, decisions, leftErr = chaosLeftovers(nem.tb, names, admin, etcd, decPrefixes)
		if leftErr == nil && len(prepared) == 0 && len(decisions) == 0 && len(openTrx) == 0 {
			break
		}
		if time.Since(recoveryStart) > 60*time.Second {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	recoveryWait := time.Since(recoveryStart)

	// Every proxy serves again, each its own deployment's bank.
	for _, d := range deps {
		d.liveness = d.checkLiveness()
	}
	for _, tg := range nem.proxies {
		nem.scrapeMetrics(tg)
	}

	for _, d := range deps {
		var err error
		if !waitFor(30*time.Second, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			d.st, err = chaosReadState(ctx, names, d.direct)
			return err == nil
		}) {
			t.Fatalf("chaos: seed %d: reading deployment %s's final state from the shards: %v", cfg.seed, d.label, err)
		}
	}

	// Each deployment's own invariants, then what the servers share: the
	// shards' XA RECOVER and open transactions (which cannot be told
	// apart by deployment), the processes.
	for _, d := range deps {
		d.v = chaosCheck(d.w, d.st, d.initial, d.initialTotal, nem.timeline)
		var keys []string
		for k := range decisions {
			if strings.HasPrefix(k, d.decPrefix()) {
				keys = append(keys, k)
			}
		}
		if len(keys) > 0 {
			sort.Strings(keys)
			var parts []string
			for i, k := range keys {
				if i == 10 {
					parts = append(parts, fmt.Sprintf("and %d more", len(keys)-10))
					break
				}
				parts = append(parts, k+" = "+decisions[k])
			}
			d.v.fail("%d decision record(s) left in etcd under %s %s after healing: %s", len(keys), d.decPrefix(), recoveryWait.Round(time.Millisecond), strings.Join(parts, "; "))
		}
		for _, l := range d.liveness {
			d.v.fail("%s", l)
		}
	}
	shared := &chaosVerdict{offending: map[string]bool{}}
	if leftErr != nil {
		shared.fail("checking for leftovers: %v", leftErr)
	}
	if len(prepared) > 0 {
		var parts []string
		for _, n := range names {
			if len(prepared[n]) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", n, strings.Join(prepared[n], ", ")))
			}
		}
		shared.fail("XA RECOVER still lists prepared branches %s after healing: %s", recoveryWait.Round(time.Millisecond), strings.Join(parts, "; "))
	}
	if len(openTrx) > 0 {
		var parts []string
		for _, n := range names {
			if len(openTrx[n]) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", n, strings.Join(openTrx[n], ", ")))
			}
		}
		shared.fail("transactions still open on the shards %s after the clients finished (an XA branch left on a pooled proxy connection; its writes were acknowledged and will be lost): %s",
			recoveryWait.Round(time.Millisecond), strings.Join(parts, "; "))
	}
	for _, p := range nem.problems {
		shared.fail("process did not come back: %s", p)
	}
	if cfg.maxProxies() >= 2 && cfg.duration >= 30*time.Second {
		for _, kind := range chaosFaultKinds {
			if nem.counts[kind] == 0 {
				t.Errorf("chaos: fault kind %s was never injected (CHAOS_DURATION=%s too short?)", kind, cfg.duration)
			}
		}
	}

	t.Log(chaosSummary(cfg, deps, nem, shared, chaosTimes{
		chaosEnd: chaosEnd, healed: healed, clientsDone: clientsDone, recoveryWait: recoveryWait,
	}))

	total := len(shared.violations)
	for _, d := range deps {
		total += len(d.v.violations)
	}
	if total > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "chaos: seed %d: %d violation(s) (%s) (replay with CHAOS_SEED=%d CHAOS_DURATION=%s CHAOS_PROXIES=%s):\n",
			cfg.seed, total, chaosViolationCounts(deps, shared), cfg.seed, cfg.duration, cfg.proxiesEnv())
		listed := 0
		list := func(label string, vs []string) {
			for _, s := range vs {
				if listed == 40 {
					return
				}
				listed++
				b.WriteString("  - " + label + s + "\n")
			}
		}
		for _, d := range deps {
			list(d.label+": ", d.v.violations)
		}
		list("", shared.violations)
		if listed < total {
			fmt.Fprintf(&b, "  ... and %d more\n", total-listed)
		}
		for _, d := range deps {
			if len(d.v.offending) > 0 {
				fmt.Fprintf(&b, "offending transfers of %s:\n", d.label)
				b.WriteString(d.describeOffending(nem.timeline))
			}
		}
		b.WriteString("fault timeline (+time since the clients started):\n")
		b.WriteString(chaosTimeline(nem.timeline, deps))
		if dir, err := chaosKeepLogs(cfg.seed, deps, shards, etcd); err != nil {
			fmt.Fprintf(&b, "(could not keep the logs: %v)\n", err)
		} else {
			fmt.Fprintf(&b, "logs of every process kept in %s\n", dir)
		}
		t.Error(b.String())
	}
}

// chaosDeploymentSpecs are the deployments of the chaos test: different
// etcd prefixes and databases, the same shards. The instance ids of the
// proxies are the label in lower case and a number (a1, a2, b1, ...),
// distinct across deployments as operators would name them, so that no
// gtrid of one can equal one of the other's by accident.
var chaosDeploymentSpecs = []struct{ label, prefix, db string }{
	{"A", "/chaos-a/", "bank_a"},
	{"B", "/chaos-b/", "bank_b"},
}

const (
	chaosAccounts   = 60 // initial accounts per deployment
	chaosInitialBal = 1000
)

// chaosDeployment is one xaproxy deployment of the chaos test and what
// is known about its bank.
type chaosDeployment struct {
	label, prefix, db string
	names             []string           // instance ids of its proxies
	proxies           []*harness.Proxy   // [proxy]
	links             [][]*harness.Link  // [proxy][shard]
	dbs               [][2]*sql.DB       // [proxy][interpolated, prepared]
	direct            map[string]*sql.DB // shard -> its database on that shard, bypassing the proxies

	w            *chaosWorkload
	initial      map[int64]int64 // account -> initial balance
	initialTotal int64
	perShard     map[string]int // initial accounts per shard
	liveness     []string       // proxies that do not serve after healing
	st           *chaosState    // at the end
	v            *chaosVerdict
}

func (d *chaosDeployment) decPrefix() string { return d.prefix + "dec/" }

// chaosOpen opens a direct connection to a shard's database db ("" for
// none), closed at cleanup.
func chaosOpen(t *testing.T, m *harness.MariaDB, db string) *sql.DB {
	t.Helper()
	c, err := sql.Open("mysql", m.DSN(db)+"?"+chaosDSNParams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// startChaosDeployment creates the deployment's database on every shard
// and starts its proxies.
func startChaosDeployment(t *testing.T, spec struct{ label, prefix, db string }, nProxies int, names []string,
	shards []*harness.MariaDB, etcd *harness.Etcd) *chaosDeployment {
	t.Helper()
	d := &chaosDeployment{label: spec.label, prefix: spec.prefix, db: spec.db, direct: map[string]*sql.DB{}}
	for j, m := range shards {
		m.CreateDatabase(t, d.db)
		d.direct[names[j]] = chaosOpen(t, m, d.db)
	}
	for i := 0; i < nProxies; i++ {
		name := fmt.Sprintf("%s%d", strings.ToLower(d.label), i+1)
		links := make([]*harness.Link, len(shards))
		specs := make([]harness.ShardSpec, len(shards))
		for j, m := range shards {
			links[j] = harness.NewLink(t, m.Addr())
			specs[j] = harness.ShardSpec{Name: names[j], DSN: "root@tcp(" + links[j].Addr() + ")/"}
		}
		p := env.StartProxy(t, harness.ProxyConfig{
			Shards: specs,
			Schemas: fmt.Sprintf(`
				- name: %s
				  default_shard: s0
				  tables:
				    - {name: accounts, shard_key: id, algorithm: hash}
				    - {name: transfers, shard_key: src, algorithm: hash}`, d.db),
			EtcdEndpoints: []string{etcd.Endpoint()},
			EtcdPrefix:    d.prefix,
			Coordinator: fmt.Sprintf(`
				instance_id: %s
				abandon_after: 5s
				recover_every: 1s`, name),
		})
		var dbs [2]*sql.DB
		for m, extra := range []string{"&interpolateParams=true", ""} {
			db := p.DB(t, appUser, appPass, d.db, chaosDSNParams+extra)
			db.SetMaxOpenConns(16)
			db.SetMaxIdleConns(16)
			db.SetConnMaxIdleTime(30 * time.Second)
			dbs[m] = db
		}
		d.names = append(d.names, name)
		d.proxies = append(d.proxies, p)
		d.links = append(d.links, links)
		d.dbs = append(d.dbs, dbs)
	}
	return d
}

// setup creates the bank's tables and accounts through the deployment's
// first proxy, checks they are spread over every shard, and makes the
// deployment's workload.
func (d *chaosDeployment) setup(t *testing.T, names []string, seed uint64) {
	t.Helper()
	db := d.dbs[0][0]
	mustExec(t, db, "CREATE TABLE accounts (id BIGINT PRIMARY KEY, bal BIGINT NOT NULL) ENGINE=InnoDB")
	mustExec(t, db, "CREATE TABLE transfers (src BIGINT, tid VARCHAR(64), dst BIGINT, amount BIGINT, PRIMARY KEY (src, tid)) ENGINE=InnoDB")
	d.initial = map[int64]int64{}
	for id := int64(1); id <= chaosAccounts; id++ {
		mustExec(t, db, "INSERT INTO accounts (id, bal) VALUES (?, ?)", id, chaosInitialBal)
		d.initial[id] = chaosInitialBal
	}
	d.initialTotal = queryInt(t, db, "SELECT SUM(bal) FROM accounts")
	if d.initialTotal != chaosAccounts*chaosInitialBal {
		t.Fatalf("%s: initial total through the proxy is %d, inserted %d", d.label, d.initialTotal, chaosAccounts*chaosInitialBal)
	}
	st0, err := chaosReadState(testCtx(t, 30*time.Second), names, d.direct)
	if err != nil {
		t.Fatal(err)
	}
	d.perShard = map[string]int{}
	for _, s := range st0.accShard {
		d.perShard[s]++
	}
	if len(st0.accShard) != chaosAccounts || len(d.perShard) != len(names) {
		t.Fatalf("%s: after setup the shards hold %d accounts (%v), want %d spread over %d shards", d.label, len(st0.accShard), d.perShard, chaosAccounts, len(names))
	}
	d.w = newChaosWorkload(d.dbs, d.names, seed, names, st0.accShard)
	d.w.initialTotal = d.initialTotal
}

// checkLiveness reads the total with a locking read through each of the
// deployment's proxies, for up to 30 s each; it returns what is wrong.
func (d *chaosDeployment) checkLiveness() []string {
	var out []string
	for i := range d.proxies {
		var got int64
		var lastErr error
		ok := waitFor(30*time.Second, func() bool {
			got, lastErr = chaosLockedTotal(d.dbs[i][0])
			return lastErr == nil
		})
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s does not serve a locking read of the total 30 s after healing: %v", d.names[i], lastErr))
		case got != d.initialTotal:
			out = append(out, fmt.Sprintf("%s: locking read of the total after healing = %d, want %d", d.names[i], got, d.initialTotal))
		}
	}
	return out
}

// describeOffending renders the deployment's offending transfers.
func (d *chaosDeployment) describeOffending(faults []*chaosFault) string {
	tids := make([]string, 0, len(d.v.offending))
	for tid := range d.v.offending {
		tids = append(tids, tid)
	}
	sort.Strings(tids)
	byTid := map[string]*chaosTransfer{}
	for _, x := range d.w.transfers {
		byTid[x.tid] = x
	}
	var b strings.Builder
	for i, tid := range tids {
		if i == 30 {
			fmt.Fprintf(&b, "  ... and %d more\n", len(tids)-30)
			break
		}
		if x := byTid[tid]; x != nil {
			b.WriteString("  " + chaosDescribeTransfer(d.w, x, d.st, faults) + "\n")
		}
	}
	return b.String()
}

// chaosViolationCounts says where the violations are: "A 0, B 3, shared 1".
func chaosViolationCounts(deps []*chaosDeployment, shared *chaosVerdict) string {
	var parts []string
	for _, d := range deps {
		parts = append(parts, fmt.Sprintf("%s %d", d.label, len(d.v.violations)))
	}
	parts = append(parts, fmt.Sprintf("shared %d", len(shared.violations)))
	return strings.Join(parts, ", ")
}

// chaosTimeline renders the faults: all of them in a short run, else those
// within 10 s of an offending transfer or read of either deployment.
func chaosTimeline(faults []*chaosFault, deps []*chaosDeployment) string {
	type win struct{ from, to time.Duration }
	var wins []win
	if len(faults) > 150 {
		for _, d := range deps {
			for _, x := range d.w.transfers {
				if d.v.offending[x.tid] {
					wins = append(wins, win{x.start - 10*time.Second, x.end + 10*time.Second})
				}
			}
			for _, r := range d.w.locking {
				if r.ok && r.total != d.w.initialTotal {
					wins = append(wins, win{r.start - 10*time.Second, r.end + 10*time.Second})
				}
			}
		}
	}
	var b strings.Builder
	for _, f := range faults {
		keep := wins == nil
		for _, wi := range wins {
			if f.at >= wi.from && f.at <= wi.to {
				keep = true
			}
		}
		if !keep {
			continue
		}
		fmt.Fprintf(&b, "  +%-9s %-14s %-22s", f.at.Round(time.Millisecond), f.kind, f.target)
		if f.dur > 0 {
			fmt.Fprintf(&b, " for %s", f.dur.Round(time.Millisecond))
		}
		if f.healed > 0 {
			fmt.Fprintf(&b, " (healed at +%s)", f.healed.Round(time.Millisecond))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// chaosKeepLogs copies the logs of every process to a directory that
// outlives the test (the harness removes its own at cleanup).
func chaosKeepLogs(seed uint64, deps []*chaosDeployment, shards []*harness.MariaDB, etcd *harness.Etcd) (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("xaproxy-chaos-%d", seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	files := map[string]string{"etcd.log": etcd.LogPath()}
	for _, d := range deps {
		for i, p := range d.proxies {
			files[d.names[i]+".log"] = p.LogPath()
		}
	}
	for _, m := range shards {
		files[m.Name()+".err"] = m.ErrorLogPath()
	}
	for name, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

type chaosConfig struct {
	duration time.Duration
	seed     uint64
	proxies  []int // per deployment (chaosDeploymentSpecs)
	verbose  bool
}

func (c chaosConfig) maxProxies() int { return slices.Max(c.proxies) }

// proxiesEnv renders proxies as CHAOS_PROXIES would set them.
func (c chaosConfig) proxiesEnv() string {
	parts := make([]string, len(c.proxies))
	for k, n := range c.proxies {
		parts[k] = strconv.Itoa(n)
	}
	if slices.Min(c.proxies) == c.maxProxies() {
		return parts[0]
	}
	return strings.Join(parts, ",")
}

// describeProxies says which deployment has how many proxies: "A 2 proxies, B 2 proxies".
func (c chaosConfig) describeProxies() string {
	parts := make([]string, len(c.proxies))
	for k, n := range c.proxies {
		parts[k] = fmt.Sprintf("%s %d proxies", chaosDeploymentSpecs[k].label, n)
	}
	return strings.Join(parts, ", ")
}

func chaosConfigFromEnv(t *testing.T) chaosConfig {
	t.Helper()
	c := chaosConfig{duration: 90 * time.Second, seed: uint64(time.Now().UnixNano())}
	for range chaosDeploymentSpecs {
		c.proxies = append(c.proxies, 2)
	}
	if s := os.Getenv("CHAOS_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("CHAOS_DURATION=%q: want a positive Go duration such as 90s or 30m", s)
		}
		c.duration = d
	}
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: want an unsigned integer", s)
		}
		c.seed = n
	}
	if s := os.Getenv("CHAOS_PROXIES"); s != "" {
		parts := strings.Split(s, ",")
		if len(parts) != 1 && len(parts) != len(c.proxies) {
			t.Fatalf("CHAOS_PROXIES=%q: want one count for every deployment (2) or one per deployment (2,1)", s)
		}
		for k := range c.proxies {
			n, err := strconv.Atoi(strings.TrimSpace(parts[min(k, len(parts)-1)]))
			if err != nil || n < 1 || n > 3 {
				t.Fatalf("CHAOS_PROXIES=%q: want 1, 2 or 3 proxies per deployment", s)
			}
			c.proxies[k] = n
		}
	}
	c.verbose = os.Getenv("CHAOS_VERBOSE") == "1"
	return c
}

// chaosLockedTotal reads the total with a locking read in a transaction.
func chaosLockedTotal(db *sql.DB) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), chaosStmtTimeout)
	defer cancel()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	var total sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT SUM(bal) FROM accounts LOCK IN SHARE MODE").Scan(&total); err != nil {
		_ = tx.Rollback()
		return 0, err
	}
	return total.Int64, tx.Commit()
}

type chaosTimes struct {
	chaosEnd, healed, clientsDone time.Duration // since the workload began
	recoveryWait                  time.Duration
}

func chaosSummary(cfg chaosConfig, deps []*chaosDeployment, nem *chaosNemesis, shared *chaosVerdict, tm chaosTimes) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("chaos summary (seed %d):", cfg.seed)
	p("  run: faults for %s with deployments %s on 3 shards and 1 etcd; healed at +%s, clients done at +%s, recovery finished %s later",
		cfg.duration, cfg.describeProxies(), tm.healed.Round(time.Millisecond), tm.clientsDone.Round(time.Millisecond), tm.recoveryWait.Round(time.Millisecond))
	p("  faults injected: %d: %s", len(nem.timeline), chaosCounts(nem.counts))
	total := len(shared.violations)
	for k, d := range deps {
		p("  %s (etcd prefix %s, database %s, proxies %s):", d.label, d.prefix, d.db, strings.Join(d.names, " "))
		chaosDeploymentSummary(func(format string, args ...any) { p("  "+format, args...) }, d, nem.metrics[k])
		total += len(d.v.violations)
	}
	p("  shared (XA RECOVER and open transactions on the shards, processes): violations %d", len(shared.violations))
	if total == 0 {
		p("  VIOLATIONS: none (%s)", chaosViolationCounts(deps, shared))
	} else {
		p("  VIOLATIONS: %d (%s; listed in the failure below)", total, chaosViolationCounts(deps, shared))
	}
	return strings.TrimRight(b.String(), "\n")
}

// chaosDeploymentSummary prints one deployment's figures with p; metrics
// are its proxies' counters.
func chaosDeploymentSummary(p func(format string, args ...any), d *chaosDeployment, metrics map[string]float64) {
	w, v, st, initialTotal := d.w, d.v, d.st, d.initialTotal

	// Transfers.
	var attempted, ok, commitErr, preErr, skipped, cross int
	preCodes, commitCodes, skipWhy := map[string]int{}, map[string]int{}, map[string]int{}
	for _, x := range w.transfers {
		attempted++
		if x.crossShard {
			cross++
		}
		switch x.outcome {
		case chaosOK:
			ok++
		case chaosCommitErr:
			commitErr++
			commitCodes[x.code]++
		case chaosErr:
			preErr++
			preCodes[x.stage+":"+x.code]++
		case chaosSkip:
			skipped++
			why := x.err
			if i := strings.IndexByte(why, ':'); i > 0 {
				why = why[:i]
			}
			skipWhy[why]++
		}
	}
	p("  transfers: attempted %d (%d known cross-shard), committed OK %d, failed at COMMIT %d, failed before COMMIT %d, rolled back by the client %d",
		attempted, cross, ok, commitErr, preErr, skipped)
	p("    OK transfers fully present: %d of %d (missing: %d)", v.okPresent, ok, v.okMissing)
	p("    failed at COMMIT: committed anyway %d, absent %d; codes %s", v.commitErrPresent, v.commitErrAbs, chaosCounts(commitCodes))
	p("    failed before COMMIT (must be absent): absent %d, present %d; stage:code %s", v.errAbsent, v.errPresent, chaosCounts(preCodes))
	p("    rolled back by the client: %s", chaosCounts(skipWhy))

	// Reads.
	var lockOK, lockCommitOK int
	lockCodes := map[string]int{}
	for _, r := range w.locking {
		if r.ok {
			lockOK++
		}
		if r.commitOK {
			lockCommitOK++
		}
		if r.code != "" {
			lockCodes[r.code]++
		}
	}
	p("  locking reads of the total: %d attempted, %d returned a total (%d also committed), %d not equal to %d; errors %s",
		len(w.locking), lockOK, lockCommitOK, v.lockingBad, initialTotal, chaosCounts(lockCodes))
	var plainOK int
	plainCodes := map[string]int{}
	for _, r := range w.plain {
		if r.ok {
			plainOK++
		} else {
			plainCodes[r.code]++
		}
	}
	p("  plain reads of the total: %d attempted, %d answered, %d fractured (allowed; %d of them beyond what in-flight transfers explain); errors %s",
		len(w.plain), plainOK, v.plainFractured, v.plainImplausible, chaosCounts(plainCodes))

	// Accounts.
	acct := map[string]int{}
	for _, op := range w.acctOps {
		k := op.kind + ":" + op.outcome
		if op.code != "" {
			k += ":" + op.code
		}
		acct[k]++
	}
	p("  accounts: %d at the end; operations %s", v.accountsAtEnd, chaosCounts(acct))

	// Recovery.
	rec := map[string]int{}
	var recTotal int
	other := map[string]int{}
	for k, val := range metrics {
		switch {
		case strings.HasPrefix(k, "xaproxy_xa_recovery_actions_total{"):
			a := chaosLabel(k, "action")
			rec[a] += int(val)
			if a != "wait" {
				recTotal += int(val)
			}
		case strings.HasPrefix(k, "xaproxy_xa_commits_total{"):
			other["commits:"+chaosLabel(k, "kind")] += int(val)
		case strings.HasPrefix(k, "xaproxy_xa_aborts_total{"):
			other["aborts:"+chaosLabel(k, "cause")] += int(val)
		}
	}
	p("  recovery actions (its proxies, scraped before each SIGKILL and at the end): %d excluding waits: %s", recTotal, chaosCounts(rec))
	p("  coordinator counters: %s", chaosCounts(other))
	p("  end state: total %d (initial %d), negative balances %d, accounts %d, transfers rows %d",
		v.total, initialTotal, v.negative, v.accountsAtEnd, len(st.rows))

	codes := make([]string, 0, len(w.errSample))
	for c := range w.errSample {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	p("  first error seen per code:")
	for _, c := range codes {
		msg := w.errSample[c]
		if len(msg) > 160 {
			msg = msg[:160] + "..."
		}
		p("    %s: %s", c, msg)
	}
	p("  violations in %s: %d", d.label, len(v.violations))
}

// chaosLabel extracts a label's value from a sample name like
// metric{a="x",b="y"}.
func chaosLabel(sample, label string) string {
	i := strings.Index(sample, label+`="`)
	if i < 0 {
		return "?"
	}
	rest := sample[i+len(label)+2:]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return rest
}
