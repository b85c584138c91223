package integration

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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
// Environment:
//
//	CHAOS_DURATION=90s  how long faults are injected (the run takes ~1 min more)
//	CHAOS_SEED=N        the fault schedule's seed (default: time-based, printed first)
//	CHAOS_PROXIES=2     proxy instances, 1 to 3
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
	t.Logf("chaos: duration %s, %d proxies, 3 shards, 1 etcd", cfg.duration, cfg.proxies)
	// The driver logs every connection it finds broken; under chaos that is
	// thousands of lines. Quiet it for this test (it runs alone: it is not
	// parallel) and restore the driver's default afterwards.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
	defer func() { _ = mysql.SetLogger(log.New(os.Stderr, "[mysql] ", log.Ldate|log.Ltime|log.Lshortfile)) }()
	setupStart := time.Now()

	const (
		etcdPrefix = "/xaproxy/"
		decPrefix  = etcdPrefix + "dec/"
		nAccounts  = 60
		initialBal = 1000
	)

	// Topology: 3 shards, 1 etcd, N proxies, each reaching each shard
	// through its own Link.
	names := []string{"s0", "s1", "s2"}
	shards := make([]*harness.MariaDB, len(names))
	direct := map[string]*sql.DB{}
	for j, name := range names {
		// A short lock wait: transfers and locking reads of every row
		// deadlock across shards, which no single InnoDB can detect.
		shards[j] = env.StartMariaDB(t, name, "--innodb-lock-wait-timeout=3")
		shards[j].CreateDatabase(t, "bank")
		db, err := sql.Open("mysql", shards[j].DSN("bank")+"?"+chaosDSNParams)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		direct[name] = db
	}
	etcd := harness.StartEtcd(t)
	links := make([][]*harness.Link, cfg.proxies)
	proxies := make([]*harness.Proxy, cfg.proxies)
	for i := range proxies {
		links[i] = make([]*harness.Link, len(shards))
		specs := make([]harness.ShardSpec, len(shards))
		for j, m := range shards {
			links[i][j] = harness.NewLink(t, m.Addr())
			specs[j] = harness.ShardSpec{Name: names[j], DSN: "root@tcp(" + links[i][j].Addr() + ")/"}
		}
		proxies[i] = env.StartProxy(t, harness.ProxyConfig{
			Shards: specs,
			Schemas: `
				- name: bank
				  default_shard: s0
				  tables:
				    - {name: accounts, shard_key: id, algorithm: hash}
				    - {name: transfers, shard_key: src, algorithm: hash}`,
			EtcdEndpoints: []string{etcd.Endpoint()},
			EtcdPrefix:    etcdPrefix,
			Coordinator: fmt.Sprintf(`
				instance_id: p%d
				abandon_after: 5s
				recover_every: 1s`, i+1),
		})
	}
	dbs := make([][2]*sql.DB, len(proxies))
	for i, p := range proxies {
		for m, extra := range []string{"&interpolateParams=true", ""} {
			db := p.DB(t, appUser, appPass, "bank", chaosDSNParams+extra)
			db.SetMaxOpenConns(16)
			db.SetMaxIdleConns(16)
			db.SetConnMaxIdleTime(30 * time.Second)
			dbs[i][m] = db
		}
	}

	// Schema and accounts, through a proxy.
	setup := dbs[0][0]
	mustExec(t, setup, "CREATE TABLE accounts (id BIGINT PRIMARY KEY, bal BIGINT NOT NULL) ENGINE=InnoDB")
	mustExec(t, setup, "CREATE TABLE transfers (src BIGINT, tid VARCHAR(64), dst BIGINT, amount BIGINT, PRIMARY KEY (src, tid)) ENGINE=InnoDB")
	initial := map[int64]int64{}
	for id := int64(1); id <= nAccounts; id++ {
		mustExec(t, setup, "INSERT INTO accounts (id, bal) VALUES (?, ?)", id, initialBal)
		initial[id] = initialBal
	}
	initialTotal := queryInt(t, setup, "SELECT SUM(bal) FROM accounts")
	if initialTotal != nAccounts*initialBal {
		t.Fatalf("initial total through the proxy is %d, inserted %d", initialTotal, nAccounts*initialBal)
	}
	st0, err := chaosReadState(testCtx(t, 30*time.Second), names, direct)
	if err != nil {
		t.Fatal(err)
	}
	perShard := map[string]int{}
	for _, s := range st0.accShard {
		perShard[s]++
	}
	if len(st0.accShard) != nAccounts || len(perShard) != len(names) {
		t.Fatalf("after setup the shards hold %d accounts (%v), want %d spread over %d shards", len(st0.accShard), perShard, nAccounts, len(names))
	}
	t.Logf("chaos: setup done in %s; initial total %d; accounts per shard %s", time.Since(setupStart).Round(time.Millisecond), initialTotal, chaosCounts(perShard))

	// Run.
	w := newChaosWorkload(dbs, cfg.seed, names, st0.accShard)
	w.initialTotal = initialTotal
	nem := newChaosNemesis(t, cfg.seed, w, proxies, shards, etcd, links, cfg.verbose)
	workers := w.run(5)
	nem.run(time.Now().Add(cfg.duration))
	chaosEnd := w.since()

	// Heal everything, let the clients finish (every call is bounded),
	// then wait for recovery.
	w.stop.Store(true)
	nem.healAll(90 * time.Second)
	healed := w.since()
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("chaos: seed %d: the clients did not finish within 2 minutes of the end of the faults (a call without a deadline?)", cfg.seed)
	}
	clientsDone := w.since()

	var prepared, openTrx map[string][]string
	var decisions map[string]string
	var leftErr error
	recoveryStart := time.Now()
	for {
		prepared, openTrx, decisions, leftErr = chaosLeftovers(nem.tb, names, direct, etcd, decPrefix)
		if leftErr == nil && len(prepared) == 0 && len(decisions) == 0 && len(openTrx) == 0 {
			break
		}
		if time.Since(recoveryStart) > 60*time.Second {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	recoveryWait := time.Since(recoveryStart)

	// Every proxy serves again: a locking read of the total through each.
	var liveness []string
	for i := range proxies {
		var got int64
		var lastErr error
		ok := waitFor(30*time.Second, func() bool {
			got, lastErr = chaosLockedTotal(dbs[i][0])
			return lastErr == nil
		})
		switch {
		case !ok:
			liveness = append(liveness, fmt.Sprintf("p%d does not serve a locking read of the total 30 s after healing: %v", i+1, lastErr))
		case got != initialTotal:
			liveness = append(liveness, fmt.Sprintf("p%d: locking read of the total after healing = %d, want %d", i+1, got, initialTotal))
		}
	}
	for _, p := range proxies {
		nem.scrapeMetrics(p)
	}

	var st *chaosState
	if !waitFor(30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		st, err = chaosReadState(ctx, names, direct)
		return err == nil
	}) {
		t.Fatalf("chaos: seed %d: reading the final state from the shards: %v", cfg.seed, err)
	}

	v := chaosCheck(w, st, initial, initialTotal, nem.timeline)
	if leftErr != nil {
		v.fail("checking for leftovers: %v", leftErr)
	}
	if len(prepared) > 0 {
		var parts []string
		for _, n := range names {
			if len(prepared[n]) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", n, strings.Join(prepared[n], ", ")))
			}
		}
		v.fail("XA RECOVER still lists prepared branches %s after healing: %s", recoveryWait.Round(time.Millisecond), strings.Join(parts, "; "))
	}
	if len(openTrx) > 0 {
		var parts []string
		for _, n := range names {
			if len(openTrx[n]) > 0 {
				parts = append(parts, fmt.Sprintf("%s: %s", n, strings.Join(openTrx[n], ", ")))
			}
		}
		v.fail("transactions still open on the shards %s after the clients finished (an XA branch left on a pooled proxy connection; its writes were acknowledged and will be lost): %s",
			recoveryWait.Round(time.Millisecond), strings.Join(parts, "; "))
	}
	if len(decisions) > 0 {
		keys := make([]string, 0, len(decisions))
		for k := range decisions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for i, k := range keys {
			if i == 10 {
				parts = append(parts, fmt.Sprintf("and %d more", len(keys)-10))
				break
			}
			parts = append(parts, k+" = "+decisions[k])
		}
		v.fail("%d decision record(s) left in etcd under %s %s after healing: %s", len(decisions), decPrefix, recoveryWait.Round(time.Millisecond), strings.Join(parts, "; "))
	}
	for _, l := range liveness {
		v.fail("%s", l)
	}
	for _, p := range nem.problems {
		v.fail("process did not come back: %s", p)
	}
	if cfg.proxies >= 2 && cfg.duration >= 30*time.Second {
		for _, kind := range chaosFaultKinds {
			if nem.counts[kind] == 0 {
				t.Errorf("chaos: fault kind %s was never injected (CHAOS_DURATION=%s too short?)", kind, cfg.duration)
			}
		}
	}

	t.Log(chaosSummary(cfg, w, nem, v, st, initialTotal, chaosTimes{
		chaosEnd: chaosEnd, healed: healed, clientsDone: clientsDone, recoveryWait: recoveryWait,
	}))

	if len(v.violations) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "chaos: seed %d: %d violation(s) (replay with CHAOS_SEED=%d CHAOS_DURATION=%s CHAOS_PROXIES=%d):\n",
			cfg.seed, len(v.violations), cfg.seed, cfg.duration, cfg.proxies)
		for i, s := range v.violations {
			if i == 40 {
				fmt.Fprintf(&b, "  ... and %d more\n", len(v.violations)-40)
				break
			}
			b.WriteString("  - " + s + "\n")
		}
		if len(v.offending) > 0 {
			b.WriteString("offending transfers:\n")
			tids := make([]string, 0, len(v.offending))
			for tid := range v.offending {
				tids = append(tids, tid)
			}
			sort.Strings(tids)
			byTid := map[string]*chaosTransfer{}
			for _, x := range w.transfers {
				byTid[x.tid] = x
			}
			for i, tid := range tids {
				if i == 30 {
					fmt.Fprintf(&b, "  ... and %d more\n", len(tids)-30)
					break
				}
				if x := byTid[tid]; x != nil {
					b.WriteString("  " + chaosDescribeTransfer(x, st, nem.timeline, st.accShard) + "\n")
				}
			}
		}
		b.WriteString("fault timeline (+time since the clients started):\n")
		b.WriteString(chaosTimeline(nem.timeline, w, v))
		if dir, err := chaosKeepLogs(cfg.seed, proxies, shards, etcd); err != nil {
			fmt.Fprintf(&b, "(could not keep the logs: %v)\n", err)
		} else {
			fmt.Fprintf(&b, "logs of every process kept in %s\n", dir)
		}
		t.Error(b.String())
	}
}

// chaosTimeline renders the faults: all of them in a short run, else those
// within 10 s of an offending transfer or read.
func chaosTimeline(faults []*chaosFault, w *chaosWorkload, v *chaosVerdict) string {
	type win struct{ from, to time.Duration }
	var wins []win
	if len(faults) > 150 {
		for _, x := range w.transfers {
			if v.offending[x.tid] {
				wins = append(wins, win{x.start - 10*time.Second, x.end + 10*time.Second})
			}
		}
		for _, r := range w.locking {
			if r.ok && r.total != w.initialTotal {
				wins = append(wins, win{r.start - 10*time.Second, r.end + 10*time.Second})
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
func chaosKeepLogs(seed uint64, proxies []*harness.Proxy, shards []*harness.MariaDB, etcd *harness.Etcd) (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("xaproxy-chaos-%d", seed))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	files := map[string]string{"etcd.log": etcd.LogPath()}
	for i, p := range proxies {
		files[fmt.Sprintf("p%d.log", i+1)] = p.LogPath()
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
	proxies  int
	verbose  bool
}

func chaosConfigFromEnv(t *testing.T) chaosConfig {
	t.Helper()
	c := chaosConfig{duration: 90 * time.Second, seed: uint64(time.Now().UnixNano()), proxies: 2}
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
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3 {
			t.Fatalf("CHAOS_PROXIES=%q: want 1, 2 or 3", s)
		}
		c.proxies = n
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

func chaosSummary(cfg chaosConfig, w *chaosWorkload, nem *chaosNemesis, v *chaosVerdict, st *chaosState, initialTotal int64, tm chaosTimes) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("chaos summary (seed %d):", cfg.seed)
	p("  run: faults for %s with %d proxies; healed at +%s, clients done at +%s, recovery finished %s later",
		cfg.duration, cfg.proxies, tm.healed.Round(time.Millisecond), tm.clientsDone.Round(time.Millisecond), tm.recoveryWait.Round(time.Millisecond))

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

	// Faults and recovery.
	p("  faults injected: %d: %s", len(nem.timeline), chaosCounts(nem.counts))
	rec := map[string]int{}
	var recTotal int
	other := map[string]int{}
	for k, val := range nem.metrics {
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
	p("  recovery actions (all proxies, scraped before each SIGKILL and at the end): %d excluding waits: %s", recTotal, chaosCounts(rec))
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
	if len(v.violations) == 0 {
		p("  VIOLATIONS: none")
	} else {
		p("  VIOLATIONS: %d (listed in the failure below)", len(v.violations))
	}
	return strings.TrimRight(b.String(), "\n")
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
