//go:build bench

package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

var env *harness.Env

func TestMain(m *testing.M) {
	env = harness.NewEnv()
	os.Exit(env.Run(m))
}

// TestBench is `make bench`: every workload, one table. It fails only on
// setup errors and correctness violations, never on a missed target.
func TestBench(t *testing.T) {
	s, err := loadSettings()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx := t.Context()
	top := startTopology(t, env, s)
	b := &benchRun{t: t, ctx: ctx, s: s, top: top, rep: &report{}, prof: newProfiler(t, s.Profile)}
	b.prepareSysbench()
	createSingleTable(ctx, t, top)
	b.bk = loadBank(ctx, t, top)
	b.xa = newDirectXA(t, top)
	b.pdb = openProxyBank(t, top)
	t.Logf("setup done in %s; measuring (BENCH_DURATION=%s, warm-up %s, %d run(s) per side)",
		time.Since(start).Round(time.Millisecond), s.Duration, s.Warmup, s.Repeat)

	logs := markProxyLogs(map[string]*harness.Proxy{"single": top.single, "sharded": top.sharded})
	b.pointSelect(8, false)
	b.pointSelect(64, false)
	b.pointSelect(8, true)
	b.pointSelect(64, true)
	b.addedLatency()
	b.pointSelectOneCore(8)
	b.pointSelectOneCore(64)
	b.readWrite()
	b.shardedReadWrite()
	b.transfers(1)
	b.transfers(32)
	b.singleShard()
	b.orderEntry()

	// Correctness before figures: a benchmark that corrupts is worthless.
	b.bk.verify(ctx, t)
	if err := b.xa.Close(ctx); err != nil {
		t.Fatalf("CORRECTNESS: direct XA client: %v", err)
	}
	top.checkNoPreparedBranches(ctx, t)

	b.rep.Notes = append(b.rep.Notes, logs.problems()...)
	paths, profNotes := b.prof.results()
	b.rep.Profiles = paths
	b.rep.Notes = append(b.rep.Notes, profNotes...)
	b.rep.Meta = collectMeta(s, time.Since(start))
	md := b.rep.markdown()
	fmt.Println()
	fmt.Println(md)
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "bench", "results")
	if err := b.rep.write(dir); err != nil {
		t.Fatalf("writing the results: %v", err)
	}
	t.Logf("results written to %s/latest.md and latest.json", dir)
}

func collectMeta(s settings, elapsed time.Duration) meta {
	return meta{
		Date:     time.Now().Format(time.RFC3339),
		Commit:   gitDescribe(),
		Duration: s.Duration.String(),
		Warmup:   s.Warmup.String(),
		Repeat:   s.Repeat,
		SingleTx: s.SingleTx,
		Nproc:    runtime.NumCPU(),
		CPUModel: cpuModel(),
		Versions: map[string]string{
			"go":       runtime.Version(),
			"sysbench": firstLine("sysbench", "--version"),
			"haproxy":  firstLine("haproxy", "-v"),
			"mariadbd": firstLine("mariadbd", "--version"),
			"etcd":     firstLine("etcd", "--version"),
		},
		Elapsed: elapsed.Round(time.Second).String(),
		Setup: []string{
			"proxy backend pools max_open=max_idle=256; MariaDB " + strings.Join(mariadbArgs, " ") + " (on top of the integration harness settings)",
			fmt.Sprintf("sysbench: %d tables × %d rows, prepared statements (default --db-ps-mode) unless the row says text (--db-ps-mode=disable); proxy as app, direct and HAProxy as root", sbTables, sbTableSize),
			"proxies and HAProxy with their defaults (GOMAXPROCS = nproc; one HAProxy thread per CPU) except in the rows \"one core each\": the proxy with GOMAXPROCS=1 against HAProxy with nbthread 1",
			"latency added: at 1 thread, each side's mean latency (sysbench's latency sum / transactions) less the direct connection's; CPU per query: µs of process CPU of the proxy or HAProxy",
			fmt.Sprintf("transfers: %d accounts, each client owns disjoint accounts (no row contention); proxy side BEGIN/UPDATE/UPDATE/COMMIT with interpolated args", bankAccounts),
			fmt.Sprintf("single-shard: BEGIN, two UPDATEs, COMMIT; %d transactions per side in alternating blocks of 500", s.SingleTx),
			schedulingLine(),
		},
	}
}

// schedulingLine says how the kernel groups the processes for CPU
// shares, which moves HAProxy's figures by a quarter to a half on 2 cores
// (docs/performance.md, "Scheduling groups").
func schedulingLine() string {
	autogroup := "autogroup unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/sched_autogroup_enabled"); err == nil {
		autogroup = "autogroup " + strings.TrimSpace(string(b))
	}
	if harness.OwnSessions() {
		return "scheduling: every server (MariaDB, etcd, HAProxy, proxies) in its own session (XAPROXY_HARNESS_SESSIONS=own), sysbench and the Go clients in the test's; " + autogroup
	}
	return "scheduling: every process in the test's session (XAPROXY_HARNESS_SESSIONS unset); " + autogroup
}

func gitDescribe() string {
	root, err := harness.ModuleRoot()
	if err != nil {
		return "unknown"
	}
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// firstLine is the first line a version command prints.
func firstLine(name string, args ...string) string {
	bin, err := exec.LookPath(name)
	if err != nil {
		for _, d := range []string{"/usr/sbin", "/usr/local/sbin"} {
			if _, e := os.Stat(filepath.Join(d, name)); e == nil {
				bin, err = filepath.Join(d, name), nil
			}
		}
	}
	if err != nil {
		return "not found"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
