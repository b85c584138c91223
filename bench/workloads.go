//go:build bench

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// benchRun runs the workloads and collects the rows of the report.
type benchRun struct {
	t    *testing.T
	ctx  context.Context
	s    settings
	top  *topology
	bk   *bank
	xa   *directXA
	pdb  *sql.DB // the sharded proxy's bank database, for the transfer clients
	rep  *report
	prof *profiler
}

// sysbenchIgnore are the errors sysbench may meet in oltp_read_write and
// retries: deadlocks, lock wait timeouts (a deadlock across shards ends as
// one), and a failed distributed COMMIT or XA branch rolled back.
const sysbenchIgnore = "--mysql-ignore-errors=1213,1205,1180,1402"

// prepareSysbench creates the sysbench tables: sbtest on m0 directly (read
// by all three sides), sbshard directly on m0 and through the sharded
// proxy (client-generated ids: the proxy refuses AUTO_INCREMENT in sharded
// tables).
func (b *benchRun) prepareSysbench() {
	t := b.t
	start := time.Now()
	preps := []struct {
		e    endpoint
		spec sysbenchSpec
	}{
		{b.top.directM0(), sysbenchSpec{Test: "oltp_read_write", DB: dbSB, Threads: sbTables}},
		{b.top.directM0(), sysbenchSpec{Test: "oltp_read_write", DB: dbSharded, Threads: sbTables, Extra: []string{"--auto_inc=off"}}},
		{b.top.viaSharded(), sysbenchSpec{Test: "oltp_read_write", DB: dbSharded, Threads: sbTables, Extra: []string{"--auto_inc=off"}}},
	}
	for _, p := range preps {
		if _, err := runSysbench(b.ctx, p.e, p.spec, "prepare", 0); err != nil {
			t.Fatalf("sysbench prepare: %v", err)
		}
	}
	b.checkSharded()
	t.Logf("sysbench tables prepared in %s", time.Since(start).Round(time.Millisecond))
}

// checkSharded makes sure the proxy spread the sysbench rows over both
// shards: otherwise workload 3 would measure one shard and no 2PC.
func (b *benchRun) checkSharded() {
	t := b.t
	shards := []*harness.MariaDB{b.top.s0, b.top.s1}
	dbs := []*sql.DB{b.top.s0.DB(t, dbSharded), b.top.s1.DB(t, dbSharded)}
	for i := 1; i <= sbTables; i++ {
		var counts []int64
		for j, m := range shards {
			var n int64
			q := fmt.Sprintf("SELECT COUNT(*) FROM sbtest%d", i)
			if err := dbs[j].QueryRowContext(b.ctx, q).Scan(&n); err != nil {
				t.Fatalf("%s on %s: %v", q, m.Name(), err)
			}
			counts = append(counts, n)
		}
		if counts[0]+counts[1] != sbTableSize || counts[0] < sbTableSize/4 || counts[1] < sbTableSize/4 {
			t.Fatalf("%s.sbtest%d holds %d rows on s0 and %d on s1; want %d spread over both", dbSharded, i, counts[0], counts[1], sbTableSize)
		}
	}
}

// sysbenchWorkload runs spec against each endpoint, back to back per
// repetition so that drift hits every side alike, and returns the sides
// by name. Each side warms up before its first measured run.
func (b *benchRun) sysbenchWorkload(name string, spec sysbenchSpec, eps []endpoint, profile string) map[string]*side {
	sides := map[string]*side{}
	for rep := 0; rep < b.s.Repeat; rep++ {
		for _, e := range eps {
			if sides[e.Side] == nil {
				sides[e.Side] = &side{Name: e.Side}
				if b.s.Warmup > 0 {
					if _, err := runSysbench(b.ctx, e, spec, "run", b.s.Warmup); err != nil {
						b.t.Fatalf("%s warm-up: %v", name, err)
					}
				}
			}
			prof := ""
			if rep == 0 && e.Side == "proxy" {
				prof = profile
			}
			sides[e.Side].Runs = append(sides[e.Side].Runs, b.sysbenchRun(name, spec, e, rep, prof))
		}
	}
	return sides
}

// sysbenchRun is one measured sysbench run, with the CPU of the proxy or
// HAProxy in between (and a CPU profile of the proxy if profile is set).
func (b *benchRun) sysbenchRun(name string, spec sysbenchSpec, e endpoint, rep int, profile string) sample {
	t := b.t
	stopProf := func() {}
	if profile != "" {
		stopProf = b.prof.start(b.adminURL(e), profile, b.s.Duration)
	}
	meter := startCPU(b.top.pidOf(e))
	out, err := runSysbench(b.ctx, e, spec, "run", b.s.Duration)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	res, err := parseSysbench(out)
	if err != nil {
		t.Fatalf("%s against %s: %v", name, e.Side, err)
	}
	cpu, err := meter.perQuery(res.Queries)
	if err != nil {
		t.Fatalf("%s: CPU of %s: %v", name, e.Side, err)
	}
	stopProf()
	detail := map[string]int64{}
	for code, n := range res.ErrorCodes {
		detail[fmt.Sprint(code)] = n
	}
	t.Logf("%s %-7s run %d: %.0f qps, %.1f tps, p95 %.2f ms, ignored errors %d %s, reconnects %d, cpu %s µs/q",
		name, e.Side, rep+1, res.QPS, res.TPS, res.LatencyP95Ms, res.IgnoredErrors, formatCodes(res.ErrorCodes), res.Reconnects, formatCPU(cpu))
	return sample{
		Metrics: cpuMetric(map[string]float64{"qps": res.QPS, "tps": res.TPS, "p95_ms": res.LatencyP95Ms, "mean latency": res.LatencyAvgMs}, cpu),
		CPU:     cpu,
		Errors:  res.IgnoredErrors,
		Detail:  detail,
	}
}

// cpuMetric adds the CPU per query, when measured, as the metric "CPU per
// query".
func cpuMetric(m map[string]float64, cpu *float64) map[string]float64 {
	if cpu != nil {
		m["CPU per query"] = *cpu
	}
	return m
}

func (b *benchRun) adminURL(e endpoint) string {
	if e.Addr == b.top.sharded.Addr() {
		return b.top.sharded.AdminURL()
	}
	return b.top.single.AdminURL()
}

// pointSelect is workload 1 at one thread count, with prepared statements
// (sysbench's default) or the text protocol.
func (b *benchRun) pointSelect(threads int, text bool) {
	name := fmt.Sprintf("oltp_point_select %d thr", threads)
	spec := sysbenchSpec{Test: "oltp_point_select", DB: dbSB, Threads: threads}
	eps := []endpoint{b.top.directM0(), b.top.viaHAProxy(), b.top.viaSingle()}
	if text {
		// The direct side is there for the proxy/direct row only.
		name += ", text"
		spec.Extra = []string{"--db-ps-mode=disable"}
		eps = eps[1:]
	}
	if !b.s.wants(name) {
		return
	}
	profile := fmt.Sprintf("point_select_%d", threads)
	if text {
		profile += "_text"
	}
	sides := b.sysbenchWorkload(name, spec, eps, profile)
	b.add(compare(name, "qps", "q/s", sides["proxy"], sides["haproxy"], atLeast(0.95)))
	b.add(compare(name, "CPU per query", "µs", sides["proxy"], sides["haproxy"], atMost(1.25)))
	if !text {
		b.add(compare(name, "qps", "q/s", sides["proxy"], sides["direct"], nil))
	}
}

// pointSelectOneCore is workload 1 with one core each: the proxy with
// GOMAXPROCS=1 against HAProxy with nbthread 1. On a machine whose cores
// the clients and MariaDB share, this is what each can do with one.
func (b *benchRun) pointSelectOneCore(threads int) {
	name := fmt.Sprintf("oltp_point_select %d thr, one core each", threads)
	if !b.s.wants(name) {
		return
	}
	sides := b.sysbenchWorkload(name, sysbenchSpec{Test: "oltp_point_select", DB: dbSB, Threads: threads},
		[]endpoint{b.top.viaHAProxy1(), b.top.viaSingle1()}, "")
	b.add(compare(name, "qps", "q/s", sides["proxy"], sides["haproxy"], nil))
	b.add(compare(name, "CPU per query", "µs", sides["proxy"], sides["haproxy"], nil))
}

// addedLatency is point_select at one thread: the mean latency each hop
// adds to a statement over the direct connection, the proxy's against
// HAProxy's.
func (b *benchRun) addedLatency() {
	name := "oltp_point_select 1 thr"
	if !b.s.wants(name) {
		return
	}
	sides := b.sysbenchWorkload(name, sysbenchSpec{Test: "oltp_point_select", DB: dbSB, Threads: 1},
		[]endpoint{b.top.directM0(), b.top.viaHAProxy(), b.top.viaSingle()}, "")
	direct := sides["direct"].metric("mean latency")
	b.add(compare(name, "latency added", "ms", added(sides["proxy"], direct), added(sides["haproxy"], direct), atMost(1.3)))
	b.add(compare(name, "mean latency", "ms", sides["proxy"], sides["haproxy"], nil))
}

// added is s with each run's mean latency less direct's median, as the
// metric "latency added".
func added(s *side, direct float64) *side {
	out := &side{Name: s.Name}
	for _, r := range s.Runs {
		r.Metrics = map[string]float64{"latency added": r.Metrics["mean latency"] - direct}
		out.Runs = append(out.Runs, r)
	}
	return out
}

// readWrite is workload 2.
func (b *benchRun) readWrite() {
	name := "oltp_read_write 8 thr"
	if !b.s.wants(name) {
		return
	}
	sides := b.sysbenchWorkload(name, sysbenchSpec{Test: "oltp_read_write", DB: dbSB, Threads: 8, Extra: []string{sysbenchIgnore}},
		[]endpoint{b.top.directM0(), b.top.viaHAProxy(), b.top.viaSingle()}, "read_write_8")
	b.add(compare(name, "tps", "tx/s", sides["proxy"], sides["haproxy"], atLeast(0.95)))
	b.add(compare(name, "tps", "tx/s", sides["proxy"], sides["direct"], nil))
	b.noteErrors(name, sides)
}

// shardedReadWrite is workload 3: the same transactions over two shards
// (XA 2PC whenever they span both) against one MariaDB.
func (b *benchRun) shardedReadWrite() {
	name := "oltp_read_write 8 thr, 2 shards"
	if !b.s.wants(name) {
		return
	}
	spec := sysbenchSpec{Test: "oltp_read_write", DB: dbSharded, Threads: 8, Extra: []string{"--auto_inc=off", sysbenchIgnore}}
	counters := append(append(append([]string{}, commitKinds...), commitTimes...), batchCounters...)
	before, err := scrape(b.ctx, b.top.sharded.AdminURL(), counters...)
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	sides := b.sysbenchWorkload(name, spec, []endpoint{b.top.directM0(), b.top.viaSharded()}, "read_write_2_shards")
	after, err := scrape(b.ctx, b.top.sharded.AdminURL(), counters...)
	if err != nil {
		b.t.Fatalf("%s: %v", name, err)
	}
	b.rep.Notes = append(b.rep.Notes, twoPhaseNote(name, before, after)+phaseNote(before, after))
	b.add(compare(name, "tps", "tx/s", sides["proxy"], sides["direct"], nil))
	b.noteErrors(name, sides)
}

// transfers is workload 4 at one client count.
func (b *benchRun) transfers(clients int) {
	t := b.t
	name := fmt.Sprintf("2-shard transfer, %d client(s)", clients)
	if !b.s.wants(name) {
		return
	}
	profile := ""
	if clients == 32 {
		profile = "transfer_32"
	}
	direct, proxy := &side{Name: "direct-xa"}, &side{Name: "proxy"}
	before, err := scrape(b.ctx, b.top.sharded.AdminURL(), batchCounters...)
	if err != nil {
		t.Fatalf("%s: proxy metrics: %v", name, err)
	}
	defer func() {
		after, err := scrape(b.ctx, b.top.sharded.AdminURL(), batchCounters...)
		if err != nil {
			t.Fatalf("%s: proxy metrics: %v", name, err)
		}
		b.rep.Notes = append(b.rep.Notes, groupCommitNote(name, before, after))
	}()
	for rep := 0; rep < b.s.Repeat; rep++ {
		b.runTransfers(name, direct, rep, b.xa.clients(b.ctx, t, b.bk, clients), 0, "", proxyTransferStatements)
		b.runTransfers(name, proxy, rep, proxyTransferClients(b.ctx, t, b.pdb, b.bk, clients), b.top.sharded.PID(), profile, proxyTransferStatements)
	}
	// Latency targets apply at both client counts; the throughput target
	// is about scaling, so only at 32.
	b.add(compare(name, "p50", "ms", proxy, direct, atMost(1.2)))
	b.add(compare(name, "p99", "ms", proxy, direct, nil))
	var g *target
	if clients >= 32 {
		g = atLeast(1.0)
	}
	b.add(compare(name, "throughput", "tx/s", proxy, direct, g))
	b.noteErrors(name, map[string]*side{"proxy": proxy, "direct-xa": direct})
}

// runTransfers measures one run of one side (warming up first on its
// first repetition) and closes the clients; stmts is the statements per
// transaction, for the CPU per query.
func (b *benchRun) runTransfers(name string, sd *side, rep int, clients []txClient, pid int, profile string, stmts int64) {
	t := b.t
	defer closeAll(clients)
	if rep == 0 && b.s.Warmup > 0 {
		b.checkLoad(name+" warm-up", sd.Name, runLoad(b.ctx, clients, b.s.Warmup, 0))
	}
	var stopProf func()
	if rep == 0 && profile != "" {
		stopProf = b.prof.start(b.top.sharded.AdminURL(), profile, b.s.Duration)
	}
	meter := startCPU(pid)
	res := runLoad(b.ctx, clients, b.s.Duration, 0)
	cpu, err := meter.perQuery(res.Committed * stmts)
	if err != nil {
		t.Fatalf("%s: proxy CPU: %v", name, err)
	}
	if stopProf != nil {
		stopProf()
	}
	b.checkLoad(name, sd.Name, res)
	sd.Runs = append(sd.Runs, loadSample(res, cpu))
	t.Logf("%s %-9s run %d: %d tx, %.1f tx/s, p50 %.3f ms, p99 %.3f ms, retried %d, errors %d %v, cpu %s µs/q",
		name, sd.Name, rep+1, res.Committed, res.TPS(), ms(res.P50()), ms(res.P99()), res.Retries, res.ErrorCount(), res.Errors, formatCPU(cpu))
}

// checkLoad fails the benchmark on a correctness violation or when a side
// committed nothing at all.
func (b *benchRun) checkLoad(name, sideName string, res loadResult) {
	b.t.Helper()
	for msg := range res.Errors {
		if strings.Contains(msg, "CORRECTNESS") {
			b.t.Fatalf("%s (%s): %s", name, sideName, msg)
		}
	}
	if res.Committed == 0 {
		b.t.Fatalf("%s (%s): no transaction committed; errors: %v", name, sideName, res.Errors)
	}
}

func loadSample(res loadResult, cpu *float64) sample {
	return sample{
		Metrics: map[string]float64{
			"p50":        ms(res.P50()),
			"p99":        ms(res.P99()),
			"throughput": res.TPS(),
		},
		CPU:     cpu,
		Errors:  res.ErrorCount(),
		Retries: res.Retries,
		Detail:  res.Errors,
	}
}

// singleShard is workload 5: one client, a fixed number of transactions
// per side, run in alternating blocks so that drift hits every side. HAProxy
// is measured too: it shows what any extra network hop costs here.
func (b *benchRun) singleShard() {
	t := b.t
	name := "1-shard transaction, 1 client"
	if !b.s.wants(name) {
		return
	}
	const block = 500
	const params = "interpolateParams=true&timeout=5s&readTimeout=30s"
	hap := b.top.viaHAProxy()
	clients := []struct {
		side *side
		c    txClient
		pid  int
	}{
		{&side{Name: "direct"}, singleClient(b.ctx, t, b.top.m0.DSN(dbSB)+"?"+params), 0},
		{&side{Name: "haproxy"}, singleClient(b.ctx, t, fmt.Sprintf("%s@tcp(%s)/%s?%s", hap.User, hap.Addr, dbSB, params)), 0},
		{&side{Name: "proxy"}, singleClient(b.ctx, t, b.top.single.DSN(appUser, appPass, dbSB, params)), b.top.single.PID()},
	}
	for _, c := range clients {
		defer c.c.Close()
		if b.s.Warmup > 0 {
			b.checkLoad(name+" warm-up", c.side.Name, runLoad(b.ctx, []txClient{c.c}, 0, block))
		}
	}
	for rep := 0; rep < b.s.Repeat; rep++ {
		res := make([]loadResult, len(clients))
		var cpuUsed time.Duration
		for done := 0; done < b.s.SingleTx; done += block {
			n := min(block, b.s.SingleTx-done)
			for i, c := range clients {
				meter := startCPU(c.pid)
				res[i] = mergeLoad(res[i], runLoad(b.ctx, []txClient{c.c}, 0, n))
				if c.pid != 0 {
					used, err := meter.used()
					if err != nil {
						t.Fatalf("%s: proxy CPU: %v", name, err)
					}
					cpuUsed += used
				}
			}
		}
		for i, c := range clients {
			b.checkLoad(name, c.side.Name, res[i])
			var cpu *float64
			if c.pid != 0 {
				cpu = cpuPerQuery(cpuUsed, res[i].Committed*singleStatements)
			}
			c.side.Runs = append(c.side.Runs, loadSample(res[i], cpu))
			t.Logf("%s %-7s run %d: %d tx, p50 %.3f ms, p99 %.3f ms, errors %d %v", name, c.side.Name, rep+1, res[i].Committed, ms(res[i].P50()), ms(res[i].P99()), res[i].ErrorCount(), res[i].Errors)
		}
	}
	direct, haproxy, proxy := clients[0].side, clients[1].side, clients[2].side
	b.add(compare(name, "p50", "ms", proxy, direct, nil))
	b.add(compare(name, "p99", "ms", proxy, direct, nil))
	// Issue 15's target: the same statements through HAProxy.
	b.add(compare(name, "p50", "ms", proxy, haproxy, atMost(1.1)))
	if d := direct.metric("p50"); d > 0 {
		h := haproxy.metric("p50")
		b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("%s: HAProxy alone costs %.2f× direct at p50 (%.3f vs %.3f ms), the price of one extra hop per statement on this machine", name, h/d, h, d))
	}
	b.noteErrors(name, map[string]*side{"proxy": proxy, "direct": direct, "haproxy": haproxy})
}

// mergeLoad adds the results of b to a (latencies kept sorted).
func mergeLoad(a, b loadResult) loadResult {
	out := loadResult{
		Committed: a.Committed + b.Committed,
		Latencies: append(append([]time.Duration(nil), a.Latencies...), b.Latencies...),
		Elapsed:   a.Elapsed + b.Elapsed,
		Retries:   a.Retries + b.Retries,
		Errors:    map[string]int64{},
	}
	for _, m := range []map[string]int64{a.Errors, b.Errors} {
		for k, v := range m {
			out.Errors[k] += v
		}
	}
	slices.Sort(out.Latencies)
	return out
}

func (b *benchRun) add(r row) { b.rep.Rows = append(b.rep.Rows, r) }

// noteErrors records, per side, the errors met and their codes.
func (b *benchRun) noteErrors(name string, sides map[string]*side) {
	for _, n := range []string{"proxy", "haproxy", "direct", "direct-xa"} {
		sd := sides[n]
		if sd == nil {
			continue
		}
		errs, retries, detail := sd.errors()
		if errs == 0 && retries == 0 {
			continue
		}
		var parts []string
		for k, v := range detail {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, v))
		}
		slices.Sort(parts)
		b.rep.Notes = append(b.rep.Notes, fmt.Sprintf("%s, %s: %d errors, %d retried transactions; by code: %s",
			name, n, errs, retries, dash(strings.Join(parts, "; "))))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
