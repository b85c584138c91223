//go:build driversuite

// The driver suite: go-sql-driver/mysql's own tests (the version in
// go.mod, from the module cache) run twice, directly against a MariaDB and
// through an xaproxy in front of it, and compared. Run it with
// `make driver-suite` (scripts/driver-suite.sh), not by `go test ./...`:
// it needs the build tag driversuite.
//
// Acceptance rule (issue 12): no test may fail through the proxy that
// passes directly. A test (or subtest) that passes directly and, through
// the proxy, fails, is skipped, does not finish or does not run at all,
// and does so again when its top-level test is run once more, fails
// TestDriverSuite. `make test` runs it.
//
// Environment:
//
//	DRIVER_SUITE_REPORT=FILE   also write the Markdown results to FILE
//	DRIVER_SUITE_LOGDIR=DIR    keep both runs' test2json streams there
//	DRIVER_SUITE_RUN=REGEXP    run only the driver tests matching REGEXP
package integration

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

const (
	driverModule  = "github.com/go-sql-driver/mysql"
	driverVersion = "v1.9.3"
	// driverDB is the driver tests' database (MYSQL_TEST_DBNAME): a schema
	// of the proxy with the same physical name on the shard.
	driverDB = "gotest"
	// driverTestTimeout bounds one top-level driver test (-test.timeout);
	// each runs in its own process so that a hang loses only that test.
	driverTestTimeout = 120 * time.Second
)

// driverResult is the outcome of one driver test (top level or subtest).
type driverResult struct {
	Action  string   // pass, fail, skip; "incomplete" when started but never finished; "" not run
	Elapsed float64  // seconds
	Output  []string // the test's own output lines (the last maxKeptOutput)
}

// maxKeptOutput bounds the lines kept per test; the failure is usually
// at the end (TestConcurrent logs a line per broken connection first).
const maxKeptOutput = 2000

// driverRun is one run of the whole driver suite.
type driverRun struct {
	name    string                   // "direct" or "proxy"
	results map[string]*driverResult // by full test name (Parent/sub)
	order   []string                 // top-level tests in run order
	// leftovers: the tables found in the database after a test, by test.
	leftovers map[string][]string
	wall      time.Duration
	// again: top-level tests that failed once and passed when run again,
	// with their first result.
	again map[string]string
}

func TestDriverSuite(t *testing.T) {
	start := time.Now()
	goBin := goCommand(t)
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}

	// 1. The driver's source from the module cache, copied to a writable
	//    directory, and its test binary.
	work := t.TempDir()
	src := driverSourceDir(t, goBin, root)
	pkgDir := filepath.Join(work, "mysql")
	if err := os.CopyFS(pkgDir, os.DirFS(src)); err != nil {
		t.Fatalf("copying %s -> %s: %v", src, pkgDir, err)
	}
	pinDriverDeps(t, goBin, root, pkgDir)
	testBin := filepath.Join(work, "mysql.test")
	runGo(t, goBin, pkgDir, "test", "-c", "-o", testBin, ".")
	tests := listDriverTests(t, testBin, pkgDir)
	t.Logf("driver suite: %s@%s, %d top-level tests (copied from %s)", driverModule, driverVersion, len(tests), src)

	// 2. One MariaDB; the direct run, then a fresh database and the proxy
	//    run. Both serve TLS with one self-signed certificate (the driver's
	//    TLS tests use tls=skip-verify and tls=preferred); the proxy talks
	//    TLS to the shard too, so that SHOW STATUS LIKE 'Ssl_cipher', which
	//    it forwards, answers a cipher as it does directly.
	certFile, keyFile := selfSignedCert(t, work)
	s0 := env.StartMariaDB(t, "s0", "--ssl-cert="+certFile, "--ssl-key="+keyFile, "--performance-schema=ON")
	s0.CreateDatabase(t, driverDB)
	shardDB := s0.DB(t, "")
	direct := runDriverSuite(t, "direct", testBin, pkgDir, tests, shardDB, []string{
		"MYSQL_TEST_USER=root",
		"MYSQL_TEST_PASS=",
		"MYSQL_TEST_PROT=tcp",
		"MYSQL_TEST_ADDR=" + s0.Addr(),
		"MYSQL_TEST_DBNAME=" + driverDB,
		"MYSQL_TEST_CONCURRENT=1",
	})

	s0.Exec(t, "DROP DATABASE IF EXISTS `"+driverDB+"`", "CREATE DATABASE `"+driverDB+"`")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("") + "?tls=skip-verify"}},
		Schemas: `
		  - name: ` + driverDB + `
		    default_shard: s0`,
		Users: map[string]string{appUser: appPass},
		Extra: `
		  frontend:
		    tls: {cert_file: ` + certFile + `, key_file: ` + keyFile + `}`,
	})
	proxyVars := []string{
		"MYSQL_TEST_USER=" + appUser,
		"MYSQL_TEST_PASS=" + appPass,
		"MYSQL_TEST_PROT=tcp",
		"MYSQL_TEST_ADDR=" + p.Addr(),
		"MYSQL_TEST_DBNAME=" + driverDB,
		"MYSQL_TEST_CONCURRENT=1",
	}
	proxy := runDriverSuite(t, "proxy", testBin, pkgDir, tests, shardDB, proxyVars)
	// A test that passed directly and failed through the proxy runs once
	// more there: under the load of a 2-core machine a driver test has
	// failed directly once ("invalid connection" in TestConcurrent). One
	// that fails again counts; one that passes is listed in the report.
	if again := violatingTests(direct, proxy); len(again) > 0 {
		proxy.takeRerun(runDriverSuite(t, "proxy, again", testBin, pkgDir, again, shardDB, proxyVars), direct)
	}
	if !p.Running() {
		t.Errorf("the proxy process is not running after the driver suite (exit state %v)", p.ExitState())
	}

	// 3. Compare and report.
	report, violations := compareDriverRuns(direct, proxy)
	report += fmt.Sprintf("\nTestDriverSuite took %s (build of the driver's test binary, MariaDB, proxy and both runs).\n",
		time.Since(start).Round(time.Second))
	t.Logf("driver suite results:\n%s", report)
	if path := os.Getenv("DRIVER_SUITE_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Errorf("writing DRIVER_SUITE_REPORT: %v", err)
		}
	}
	if len(violations) > 0 {
		t.Errorf("%d driver tests pass directly against MariaDB but not through xaproxy:\n  %s",
			len(violations), strings.Join(violations, "\n  "))
	}
}

// goCommand finds the go tool: $PATH, $GOROOT/bin, the toolchain this
// test was built with, /usr/local/go/bin.
func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	for _, c := range []string{filepath.Join(os.Getenv("GOROOT"), "bin", "go"), filepath.Join(runtime.GOROOT(), "bin", "go"), "/usr/local/go/bin/go"} {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	t.Fatal("the go command was not found in $PATH, $GOROOT/bin or /usr/local/go/bin")
	return ""
}

func runGo(t *testing.T, goBin, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s (in %s): %v\n%s%s", strings.Join(args, " "), dir, err, out, stderr.Bytes())
	}
	return out
}

// driverSourceDir returns the driver's directory in the module cache
// (downloading it if needed, like any `go build` of this module would).
func driverSourceDir(t *testing.T, goBin, root string) string {
	t.Helper()
	out := runGo(t, goBin, root, "mod", "download", "-json", driverModule+"@"+driverVersion)
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("go mod download -json: %v\n%s", err, out)
	}
	if m.Error != "" || m.Dir == "" {
		t.Fatalf("go mod download %s@%s: %q (dir %q)", driverModule, driverVersion, m.Error, m.Dir)
	}
	return m.Dir
}

// pinDriverDeps makes the copied driver module use the versions of its
// dependencies (filippo.io/edwards25519) that this module already pins in
// go.mod/go.sum, so that building its tests needs nothing beyond what
// `go mod download` of xaproxy fetched (the driver asks for an older
// edwards25519 that is usually not in the module cache). The go.sum lines
// are copied first, so `go get` needs neither the proxy nor the checksum
// database; it also raises the go directive if the newer version needs it.
func pinDriverDeps(t *testing.T, goBin, root, pkgDir string) {
	t.Helper()
	out := runGo(t, goBin, pkgDir, "mod", "edit", "-json")
	var gm struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal(out, &gm); err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var gets, extra []string
	for _, r := range gm.Require {
		v := strings.TrimSpace(string(runGo(t, goBin, root, "list", "-m", "-f", "{{.Version}}", r.Path)))
		if v == "" {
			t.Fatalf("xaproxy's go.mod does not pin %s, which the driver needs", r.Path)
		}
		if v == r.Version {
			continue
		}
		gets = append(gets, r.Path+"@"+v)
		for _, l := range strings.Split(string(sum), "\n") {
			if strings.HasPrefix(l, r.Path+" "+v+" ") || strings.HasPrefix(l, r.Path+" "+v+"/go.mod ") {
				extra = append(extra, l)
			}
		}
		t.Logf("driver suite: building the driver's tests with %s %s (xaproxy's version) instead of %s", r.Path, v, r.Version)
	}
	if len(gets) == 0 {
		return
	}
	f, err := os.OpenFile(filepath.Join(pkgDir, "go.sum"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(strings.Join(extra, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	runGo(t, goBin, pkgDir, append([]string{"get"}, gets...)...)
}

// listDriverTests returns the driver's top-level tests (optionally those
// matching DRIVER_SUITE_RUN).
func listDriverTests(t *testing.T, testBin, dir string) []string {
	t.Helper()
	cmd := exec.Command(testBin, "-test.list", "^Test")
	cmd.Dir = dir
	// Without a server address the list must not depend on a server.
	cmd.Env = append(os.Environ(), "MYSQL_TEST_ADDR=127.0.0.1:1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -test.list: %v\n%s", testBin, err, out)
	}
	var sel *regexp.Regexp
	if r := os.Getenv("DRIVER_SUITE_RUN"); r != "" {
		if sel, err = regexp.Compile(r); err != nil {
			t.Fatalf("DRIVER_SUITE_RUN: %v", err)
		}
	}
	var tests []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "Test") && (sel == nil || sel.MatchString(l)) {
			tests = append(tests, l)
		}
	}
	if len(tests) == 0 {
		t.Fatalf("no driver tests listed by %s -test.list (DRIVER_SUITE_RUN=%q):\n%s", testBin, os.Getenv("DRIVER_SUITE_RUN"), out)
	}
	return tests
}

type testEvent struct {
	Action  string
	Test    string
	Output  string
	Elapsed float64
}

// runDriverSuite runs every top-level driver test in its own process
// (go tool test2json around the compiled test binary, -test.v=test2json),
// one after the other, with the MYSQL_TEST_* variables in vars.
//
// After each test it lists, on the shard (shardDB: root, directly), the
// tables left in the test database: the driver's tests drop theirs, so a
// leftover shows a cleanup that failed (and explains a later test's 1050).
func runDriverSuite(t *testing.T, name, testBin, dir string, tests []string, shardDB *sql.DB, vars []string) *driverRun {
	t.Helper()
	run := &driverRun{name: name, results: map[string]*driverResult{}, leftovers: map[string][]string{}}
	var stream io.Writer = io.Discard
	if ld := os.Getenv("DRIVER_SUITE_LOGDIR"); ld != "" {
		if err := os.MkdirAll(ld, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(ld, name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		stream = f
	}
	goBin := goCommand(t)
	start := time.Now()
	for _, test := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), driverTestTimeout+60*time.Second)
		cmd := exec.CommandContext(ctx, goBin, "tool", "test2json", "-t", "-p", driverModule, testBin,
			"-test.v=test2json", "-test.count=1", "-test.run", "^"+regexp.QuoteMeta(test)+"$",
			"-test.timeout", driverTestTimeout.String())
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), vars...) // later entries win
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cancel()
		_, _ = stream.Write(out)
		started := map[string]bool{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var ev testEvent
			if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Test == "" {
				continue
			}
			r := run.results[ev.Test]
			if r == nil {
				r = &driverResult{}
				run.results[ev.Test] = r
			}
			switch ev.Action {
			case "run":
				started[ev.Test] = true
			case "output":
				r.Output = append(r.Output, strings.TrimRight(ev.Output, "\n"))
				if len(r.Output) > maxKeptOutput {
					r.Output = append(r.Output[:0:0], r.Output[len(r.Output)-maxKeptOutput/2:]...)
				}
			case "pass", "fail", "skip":
				r.Action, r.Elapsed = ev.Action, ev.Elapsed
			}
		}
		for n := range started {
			if r := run.results[n]; r.Action == "" {
				r.Action = "incomplete"
			}
		}
		top := run.results[test]
		if top == nil || top.Action == "" {
			// The process died before the test started (or test2json failed).
			top = &driverResult{Action: "incomplete", Output: []string{fmt.Sprintf("no result: %v %s", err, strings.TrimSpace(stderr.String()))}}
			run.results[test] = top
		}
		run.order = append(run.order, test)
		if tbls := driverTables(t, shardDB); len(tbls) > 0 {
			run.leftovers[test] = tbls
		}
		// A driver test that skips because it cannot reach the server would
		// hide everything: fail loudly instead.
		if top.Action == "skip" && strings.Contains(strings.Join(top.Output, "\n"), "server not running") {
			t.Fatalf("%s run: %s was skipped because the server is unreachable:\n%s", name, test, strings.Join(top.Output, "\n"))
		}
	}
	run.wall = time.Since(start)
	p, f, s := run.counts(true)
	t.Logf("driver suite, %s run: %d passed, %d failed, %d skipped (top-level tests) in %s",
		name, p, f, s, run.wall.Round(time.Millisecond))
	return run
}

// violatingTests lists the top-level tests with a test or subtest that
// passed directly and did not through the proxy.
func violatingTests(direct, proxy *driverRun) []string {
	var out []string
	for _, top := range proxy.order {
		for n, d := range direct.results {
			if (n == top || strings.HasPrefix(n, top+"/")) && d.Action == "pass" && resultOf(proxy, n) != "pass" {
				out = append(out, top)
				break
			}
		}
	}
	return out
}

// takeRerun replaces the results of the tests rerun ran with its, noting
// those that now pass as they do directly (every subtest too).
func (r *driverRun) takeRerun(rerun, direct *driverRun) {
	if r.again == nil {
		r.again = map[string]string{}
	}
	for _, top := range rerun.order {
		first := resultOf(r, top)
		for n := range r.results {
			if n == top || strings.HasPrefix(n, top+"/") {
				delete(r.results, n)
			}
		}
		for n, res := range rerun.results {
			if n == top || strings.HasPrefix(n, top+"/") {
				r.results[n] = res
			}
		}
		if !slices.Contains(violatingTests(direct, &driverRun{order: []string{top}, results: r.results}), top) {
			r.again[top] = first
		}
	}
}

// counts returns passed, failed (incomplete included) and skipped, over
// the top-level tests or over all tests with subtests.
func (r *driverRun) counts(topLevel bool) (passed, failed, skipped int) {
	for name, res := range r.results {
		if topLevel && strings.Contains(name, "/") {
			continue
		}
		switch res.Action {
		case "pass":
			passed++
		case "skip":
			skipped++
		default:
			failed++
		}
	}
	return
}

func resultOf(r *driverRun, name string) string {
	if res := r.results[name]; res != nil && res.Action != "" {
		return res.Action
	}
	return "not run"
}

// failureLine is the message a test failed (or skipped) with: its panic
// line if it panicked, else its last "file.go:N:" line with the indented
// lines that continue it (a multi-line query), else its last output line.
func failureLine(res *driverResult) string {
	if res == nil {
		return ""
	}
	var lines []string
	for _, l := range res.Output {
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "=== ") || strings.HasPrefix(s, "--- ") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return ""
	}
	at := -1
	for i, l := range lines {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "panic: ") {
			return clip(s, 240)
		}
		if goLine.MatchString(s) {
			at = i
		}
	}
	if at < 0 {
		return clip(strings.TrimSpace(lines[len(lines)-1]), 240)
	}
	msg := []string{strings.TrimSpace(lines[at])}
	indent := len(lines[at]) - len(strings.TrimLeft(lines[at], " \t"))
	for _, l := range lines[at+1:] {
		if len(l)-len(strings.TrimLeft(l, " \t")) <= indent {
			break
		}
		msg = append(msg, strings.TrimSpace(l))
	}
	return clip(strings.Join(msg, " "), 240)
}

// firstFailure is the message of the first failing test at or under the
// top-level test top (names: every test name, sorted).
func firstFailure(r *driverRun, names []string, top string) string {
	for _, n := range names {
		if n != top && !strings.HasPrefix(n, top+"/") {
			continue
		}
		if res := r.results[n]; res != nil && res.Action != "pass" && res.Action != "skip" {
			if w := failureLine(res); w != "" {
				if n != top {
					w = n[len(top)+1:] + ": " + w
				}
				return w
			}
		}
	}
	return failureLine(r.results[top])
}

// goLine matches the start of a t.Log/t.Error line: "file_test.go:123: ".
var goLine = regexp.MustCompile(`^[\w.-]+\.go:\d+: `)

// clip shortens s to about n bytes, keeping its start and its end (where
// the server's error usually is), and escapes it for a Markdown table.
func clip(s string, n int) string {
	if len(s) > n {
		head := n / 3
		s = strings.ToValidUTF8(s[:head]+" … "+s[len(s)-(n-head):], "")
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

// compareDriverRuns renders the Markdown report and returns the tests that
// pass directly but not through the proxy.
func compareDriverRuns(direct, proxy *driverRun) (string, []string) {
	var b strings.Builder
	for _, r := range []*driverRun{direct, proxy} {
		p, f, s := r.counts(true)
		ap, af, as := r.counts(false)
		fmt.Fprintf(&b, "- **%s**: %d passed, %d failed, %d skipped of %d top-level tests (with subtests: %d passed, %d failed, %d skipped) in %s\n",
			r.name, p, f, s, p+f+s, ap, af, as, r.wall.Round(time.Second))
	}

	names := map[string]bool{}
	for n := range direct.results {
		names[n] = true
	}
	for n := range proxy.results {
		names[n] = true
	}
	all := make([]string, 0, len(names))
	for n := range names {
		all = append(all, n)
	}
	sort.Strings(all)

	var violations []string
	type row struct {
		test, d, p string
		subs       []string
		why        string
	}
	var rows []row
	rowOf := map[string]int{} // top-level test -> index in rows
	for _, n := range all {
		d, p := resultOf(direct, n), resultOf(proxy, n)
		if d == p {
			continue
		}
		if d == "pass" {
			violations = append(violations, fmt.Sprintf("%s (direct: pass, proxy: %s)", n, p))
		}
		top, sub, isSub := strings.Cut(n, "/")
		i, ok := rowOf[top]
		if !ok {
			i = len(rows)
			rowOf[top] = i
			rows = append(rows, row{test: top, d: resultOf(direct, top), p: resultOf(proxy, top)})
		}
		if isSub {
			rows[i].subs = append(rows[i].subs, fmt.Sprintf("%s: %s→%s", sub, d, p))
		}
	}
	for i := range rows {
		r := &rows[i]
		// The reason: the first failing leaf's message through the proxy.
		why := ""
		for _, n := range all {
			if n != r.test && !strings.HasPrefix(n, r.test+"/") {
				continue
			}
			if res := proxy.results[n]; res != nil && res.Action != "pass" && direct.results[n] != nil && direct.results[n].Action != res.Action {
				if w := failureLine(res); w != "" {
					why = w
					if strings.Contains(n, "/") {
						why = n[len(r.test)+1:] + ": " + w
					}
					break
				}
			}
		}
		if why == "" {
			why = failureLine(proxy.results[r.test])
		}
		r.why = why
	}

	fmt.Fprintf(&b, "\n%d top-level tests differ; %d tests or subtests pass directly but not through the proxy.\n\n", len(rows), len(violations))
	if len(rows) > 0 {
		b.WriteString("| test | direct | proxy | differing subtests (direct→proxy) | first failure through the proxy |\n")
		b.WriteString("|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.test, r.d, r.p, strings.Join(r.subs, ", "), r.why)
		}
	}
	if len(proxy.again) > 0 {
		var again []string
		for top, first := range proxy.again {
			again = append(again, fmt.Sprintf("%s (%s: %s)", top, first, "passed when run again"))
		}
		sort.Strings(again)
		fmt.Fprintf(&b, "\nTests that failed through the proxy once and passed when run again (counted as passed; a failure that repeats is not):\n\n- %s\n", strings.Join(again, "\n- "))
	}
	var directFails []string
	for _, n := range direct.order {
		if a := resultOf(direct, n); a != "pass" && a != "skip" {
			directFails = append(directFails, fmt.Sprintf("%s (%s: %s)", n, a, firstFailure(direct, all, n)))
		}
	}
	if len(directFails) > 0 {
		fmt.Fprintf(&b, "\nTests that fail directly against MariaDB (not counted against the proxy):\n\n- %s\n", strings.Join(directFails, "\n- "))
	}
	for _, r := range []*driverRun{direct, proxy} {
		var left []string
		for _, n := range r.order {
			if tbls := r.leftovers[n]; len(tbls) > 0 {
				left = append(left, fmt.Sprintf("%s: %s", n, strings.Join(tbls, ", ")))
			}
		}
		if len(left) > 0 {
			fmt.Fprintf(&b, "\nTables in `%s` after a test, %s run:\n\n- %s\n", driverDB, r.name, strings.Join(left, "\n- "))
		}
	}
	if len(violations) == 0 && len(rows) == 0 {
		b.WriteString("Both runs agree on every test.\n")
	}
	return b.String(), violations
}

// driverTables lists the tables in the driver's database, on the shard.
func driverTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", driverDB)
	if err != nil {
		t.Fatalf("listing the tables of %s on the shard: %v", driverDB, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// selfSignedCert writes a self-signed RSA certificate for 127.0.0.1 and
// localhost (PEM) into dir.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "xaproxy driver suite"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	// PKCS#1 ("RSA PRIVATE KEY"): both OpenSSL (mariadbd) and Go read it.
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestDriverSuiteRerunRule: a test that failed through the proxy and
// passes when run again counts as passed and is listed; one that fails
// again stays a violation.
func TestDriverSuiteRerunRule(t *testing.T) {
	res := func(action string) *driverResult { return &driverResult{Action: action} }
	direct := &driverRun{name: "direct", order: []string{"TestA", "TestB", "TestC"}, results: map[string]*driverResult{
		"TestA": res("pass"), "TestA/x": res("pass"), "TestB": res("pass"), "TestC": res("fail"),
	}}
	proxy := &driverRun{name: "proxy", order: []string{"TestA", "TestB", "TestC"}, results: map[string]*driverResult{
		"TestA": res("fail"), "TestA/x": res("fail"), "TestB": res("fail"), "TestC": res("fail"),
	}}
	if got := violatingTests(direct, proxy); strings.Join(got, ",") != "TestA,TestB" {
		t.Fatalf("violating tests %q, want TestA,TestB", got)
	}
	proxy.takeRerun(&driverRun{name: "proxy, again", order: []string{"TestA", "TestB"}, results: map[string]*driverResult{
		"TestA": res("pass"), "TestA/x": res("pass"), "TestB": res("fail"),
	}}, direct)
	report, violations := compareDriverRuns(direct, proxy)
	if len(violations) != 1 || !strings.HasPrefix(violations[0], "TestB ") {
		t.Errorf("violations after the rerun: %q, want TestB only", violations)
	}
	if !strings.Contains(report, "- TestA (fail: passed when run again)") {
		t.Errorf("the report does not list TestA as passed when run again:\n%s", report)
	}

	// A parent that passes with a subtest skipped through the proxy is
	// still a violation after the rerun, and not listed as passing.
	direct = &driverRun{name: "direct", order: []string{"TestD"}, results: map[string]*driverResult{"TestD": res("pass"), "TestD/y": res("pass")}}
	proxy = &driverRun{name: "proxy", order: []string{"TestD"}, results: map[string]*driverResult{"TestD": res("pass"), "TestD/y": res("skip")}}
	proxy.takeRerun(&driverRun{name: "proxy, again", order: []string{"TestD"}, results: map[string]*driverResult{"TestD": res("pass"), "TestD/y": res("skip")}}, direct)
	if report, violations := compareDriverRuns(direct, proxy); len(violations) != 1 || strings.Contains(report, "passed when run again") {
		t.Errorf("a subtest skipped twice: violations %q, report:\n%s", violations, report)
	}
}
