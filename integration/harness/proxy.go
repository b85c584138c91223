package harness

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	proxyReadyTimeout = 30 * time.Second
	proxyStopTimeout  = 20 * time.Second
)

// ShardSpec is one entry of the proxy's `shards:` list.
type ShardSpec struct {
	Name string
	DSN  string // e.g. MariaDB.DSN("") = "root@tcp(127.0.0.1:PORT)/"
}

// ProxyConfig describes the YAML config file the harness writes for
// `xaproxy serve --config FILE`. The listen and admin addresses are
// chosen by the harness (free loopback ports).
type ProxyConfig struct {
	Shards []ShardSpec
	// Schemas is the raw YAML of the `schemas:` list, e.g.
	//
	//	  - name: shop
	//	    default_shard: s0
	//	    tables:
	//	      - {name: orders, shard_key: user_id, algorithm: hash}
	//
	// The whitespace prefix common to all lines (e.g. the tabs of a Go raw
	// string) is removed and the list re-indented under `schemas:`; the YAML
	// structure itself must be indented with spaces. Empty means
	// `schemas: []`.
	Schemas string
	// EtcdEndpoints ("127.0.0.1:PORT"): when non-empty a coordinator block
	// is written: coordinator: {etcd: {endpoints: [...], prefix: ...}}.
	EtcdEndpoints []string
	// EtcdPrefix defaults to "/xaproxy/".
	EtcdPrefix string
	// Coordinator is raw YAML merged into the `coordinator:` block (after
	// its etcd line), dedented like Schemas, e.g.
	//
	//	instance_id: p1
	//	abandon_after: 3s
	//	recover_every: 1s
	//
	// A coordinator block is written when EtcdEndpoints or Coordinator is
	// non-empty.
	Coordinator string
	// Extra is raw YAML appended at the top level (dedented like Schemas).
	Extra string
	// Users maps user name to password. nil means {"app": "app-secret"};
	// an empty non-nil map writes `users: []`.
	Users map[string]string

	// Args are extra command-line arguments after `serve --config FILE`.
	Args []string
	// Env are extra environment variables ("K=V") for the proxy process.
	Env []string
	// NoWait makes StartProxy return right after the process started,
	// without waiting for readiness (for tests expecting it to fail; use
	// Proxy.WaitExit).
	NoWait bool
	// AllowCrashOutput disables the check, at cleanup, that the proxy's
	// output contains no Go panic, fatal error or data race report.
	AllowCrashOutput bool
}

// DefaultUsers is what a nil ProxyConfig.Users stands for.
func DefaultUsers() map[string]string { return map[string]string{"app": "app-secret"} }

// Proxy is a running xaproxy process.
type Proxy struct {
	bin        string
	cfg        ProxyConfig
	dir        string
	configPath string
	logPath    string
	port       int
	adminPort  int
	proc       *process
	http       *http.Client
}

// StartProxy builds the Env's xaproxy binary if needed and starts it.
func (e *Env) StartProxy(t testing.TB, cfg ProxyConfig) *Proxy {
	t.Helper()
	return StartProxy(t, e.BuildProxy(t), cfg)
}

// StartProxy writes a config file and starts `bin serve --config FILE`,
// waiting (up to 30 s) until GET /healthz on the admin port answers 200
// and the MySQL port accepts TCP connections. If the process exits first,
// the test fails with the tail of its output. The process is SIGKILLed at
// cleanup; if the test failed, the tail of its output is logged then.
func StartProxy(t testing.TB, bin string, cfg ProxyConfig) *Proxy {
	t.Helper()
	return startProxy(t, bin, cfg, func(listen, admin string) (string, error) {
		return RenderProxyConfig(cfg, listen, admin)
	})
}

// startProxy is StartProxy with the config file rendered by render.
func startProxy(t testing.TB, bin string, cfg ProxyConfig, render func(listen, admin string) (string, error)) *Proxy {
	t.Helper()
	dir := shortTempDir(t, "xa-proxy-")
	p := &Proxy{
		bin:        bin,
		cfg:        cfg,
		dir:        dir,
		configPath: filepath.Join(dir, "xaproxy.yaml"),
		logPath:    filepath.Join(dir, "xaproxy.log"),
		http:       &http.Client{Timeout: 2 * time.Second},
	}
	p.proc = &process{
		name:    "xaproxy",
		path:    bin,
		args:    append([]string{"serve", "--config", p.configPath}, cfg.Args...),
		env:     cfg.Env,
		dir:     dir,
		logPath: p.logPath,
	}
	t.Cleanup(func() {
		killErr := p.proc.kill(killTimeout)
		if t.Failed() {
			if tail, ok := p.proc.tailIfNew("xaproxy output", 60); ok {
				t.Logf("harness: xaproxy (%s) at end of failed test:\n%s", p.Addr(), tail)
			}
		} else if !cfg.AllowCrashOutput {
			if bad := crashLines(p.logPath); bad != "" {
				t.Errorf("harness: xaproxy output contains a crash report:\n%s\n%s", bad, p.proc.tail("xaproxy output", 60))
			}
		}
		if killErr != nil {
			t.Errorf("harness: %v", killErr)
		}
	})

	for attempt := 1; ; attempt++ {
		p.port = freePort(t)
		p.adminPort = freePort(t)
		for p.adminPort == p.port {
			p.adminPort = freePort(t)
		}
		y, err := render(p.Addr(), p.AdminAddr())
		if err != nil {
			t.Fatalf("harness: proxy config: %v", err)
		}
		if err := os.WriteFile(p.configPath, []byte(y), 0o644); err != nil {
			t.Fatalf("harness: %v", err)
		}
		off := fileSize(p.logPath)
		if err := p.proc.start(); err != nil {
			t.Fatalf("harness: %v", err)
		}
		if cfg.NoWait {
			return p
		}
		err = p.waitReady(proxyReadyTimeout)
		if err == nil {
			break
		}
		if !p.proc.running() && portInUse(logSince(p.logPath, off)) && attempt < portAttempts {
			t.Logf("harness: xaproxy: port %d or %d was taken, retrying on other ports", p.port, p.adminPort)
			continue
		}
		_ = p.proc.kill(killTimeout)
		t.Fatalf("harness: xaproxy did not become ready: %v\nconfig %s:\n%s\n%s", err, p.configPath, y, p.proc.tail("xaproxy output", 60))
	}
	t.Logf("harness: xaproxy ready on %s (admin %s), pid %d", p.Addr(), p.AdminAddr(), p.PID())
	return p
}

// crashLines returns the lines of the proxy output that report a panic,
// a fatal runtime error or a data race.
func crashLines(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var bad []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") ||
			strings.Contains(l, "WARNING: DATA RACE") {
			bad = append(bad, l)
			if len(bad) >= 10 {
				break
			}
		}
	}
	return strings.Join(bad, "\n")
}

// yamlString quotes s as a YAML double-quoted scalar (JSON strings are
// valid YAML).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// dedent removes the longest whitespace prefix common to the non-blank
// lines (so a Go raw string indented with the code's tabs works) and drops
// leading/trailing blank lines. Tabs left in the indentation after that
// are an error: YAML does not allow them.
func dedent(s string) (string, error) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	common, first := "", true
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
			continue
		}
		ws := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			common, first = ws, false
			continue
		}
		n := 0
		for n < len(common) && n < len(ws) && common[n] == ws[n] {
			n++
		}
		common = common[:n]
	}
	for i, l := range lines {
		if l == "" {
			continue
		}
		l = l[len(common):]
		if strings.Contains(l[:len(l)-len(strings.TrimLeft(l, " \t"))], "\t") {
			return "", fmt.Errorf("tab in the indentation of YAML line %q", strings.TrimSpace(l))
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n"), nil
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// RenderProxyConfig renders the YAML config file for the given listen and
// admin addresses.
func RenderProxyConfig(cfg ProxyConfig, listen, admin string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %s\n", yamlString(listen))
	fmt.Fprintf(&b, "admin_listen: %s\n", yamlString(admin))

	users := cfg.Users
	if users == nil {
		users = DefaultUsers()
	}
	if len(users) == 0 {
		b.WriteString("users: []\n")
	} else {
		b.WriteString("users:\n")
		names := make([]string, 0, len(users))
		for n := range users {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "  - {name: %s, password: %s}\n", yamlString(n), yamlString(users[n]))
		}
	}

	if len(cfg.Shards) == 0 {
		b.WriteString("shards: []\n")
	} else {
		b.WriteString("shards:\n")
		for _, s := range cfg.Shards {
			fmt.Fprintf(&b, "  - {name: %s, dsn: %s}\n", yamlString(s.Name), yamlString(s.DSN))
		}
	}

	schemas, err := dedent(cfg.Schemas)
	if err != nil {
		return "", fmt.Errorf("Schemas: %v", err)
	}
	if schemas == "" {
		b.WriteString("schemas: []\n")
	} else {
		b.WriteString("schemas:\n" + indent(schemas, "  ") + "\n")
	}

	coord, err := dedent(cfg.Coordinator)
	if err != nil {
		return "", fmt.Errorf("Coordinator: %v", err)
	}
	if len(cfg.EtcdEndpoints) > 0 || coord != "" {
		b.WriteString("coordinator:\n")
	}
	if len(cfg.EtcdEndpoints) > 0 {
		prefix := cfg.EtcdPrefix
		if prefix == "" {
			prefix = "/xaproxy/"
		}
		eps := make([]string, len(cfg.EtcdEndpoints))
		for i, ep := range cfg.EtcdEndpoints {
			eps[i] = yamlString(ep)
		}
		fmt.Fprintf(&b, "  etcd: {endpoints: [%s], prefix: %s}\n", strings.Join(eps, ", "), yamlString(prefix))
	}
	if coord != "" {
		b.WriteString(indent(coord, "  ") + "\n")
	}

	extra, err := dedent(cfg.Extra)
	if err != nil {
		return "", fmt.Errorf("Extra: %v", err)
	}
	if extra != "" {
		b.WriteString(extra + "\n")
	}
	return b.String(), nil
}

func (p *Proxy) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	exited := p.proc.exited()
	var lastErr error
	for {
		select {
		case <-exited:
			return fmt.Errorf("xaproxy exited during startup (%s); last readiness error: %v", p.proc.describeExit(), lastErr)
		default:
		}
		lastErr = p.ready()
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %v", timeout, lastErr)
		}
		select {
		case <-exited:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *Proxy) ready() error {
	resp, err := p.http.Get(p.AdminURL() + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: %s", resp.Status)
	}
	if !tcpReachable(p.Addr()) {
		return fmt.Errorf("MySQL port %s does not accept connections", p.Addr())
	}
	return nil
}

// Addr is the MySQL protocol address "127.0.0.1:PORT".
func (p *Proxy) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// Port is the MySQL protocol port.
func (p *Proxy) Port() int { return p.port }

// AdminAddr is the admin HTTP address "127.0.0.1:PORT".
func (p *Proxy) AdminAddr() string { return "127.0.0.1:" + strconv.Itoa(p.adminPort) }

// AdminURL is "http://" + AdminAddr().
func (p *Proxy) AdminURL() string { return "http://" + p.AdminAddr() }

// ConfigPath is the YAML file the proxy was started with.
func (p *Proxy) ConfigPath() string { return p.configPath }

// LogPath is the file receiving the proxy's stdout and stderr.
func (p *Proxy) LogPath() string { return p.logPath }

// Output returns everything the proxy printed so far (all starts).
func (p *Proxy) Output() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// DSN is a go-sql-driver DSN to the proxy:
// "user:pass@tcp(ADDR)/db?params" (params without '?', may be empty).
func (p *Proxy) DSN(user, pass, db string, params string) string {
	cred := user
	if pass != "" {
		cred += ":" + pass
	}
	dsn := fmt.Sprintf("%s@tcp(%s)/%s", cred, p.Addr(), db)
	if params != "" {
		dsn += "?" + strings.TrimPrefix(params, "?")
	}
	return dsn
}

// DB opens a *sql.DB to the proxy (closed at cleanup). It does not
// connect until first used.
func (p *Proxy) DB(t testing.TB, user, pass, db, params string) *sql.DB {
	t.Helper()
	d, err := sql.Open("mysql", p.DSN(user, pass, db, params))
	if err != nil {
		t.Fatalf("harness: open %s: %v", p.DSN(user, pass, db, params), err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// PID of the running proxy (of the last one started).
func (p *Proxy) PID() int { return p.proc.pid() }

// Running reports whether the proxy process is running.
func (p *Proxy) Running() bool { return p.proc.running() }

// ExitState is the exit state of the last proxy process that exited (nil
// while it runs).
func (p *Proxy) ExitState() *os.ProcessState { return p.proc.lastState() }

// RSS is the resident set size in bytes (VmRSS of /proc/PID/status).
func (p *Proxy) RSS() (int64, error) {
	if !p.proc.running() {
		return 0, fmt.Errorf("xaproxy is not running")
	}
	return ProcessRSS(p.PID())
}

// ProcessRSS reads VmRSS of /proc/PID/status, in bytes.
func ProcessRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "VmRSS:") {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, "VmRSS:"))
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected %q", line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, err
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// Signal sends sig to the proxy process.
func (p *Proxy) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.proc.signal(sig); err != nil {
		t.Fatalf("harness: %v", err)
	}
}

// WaitExit waits for the proxy to exit (after Signal, or when started
// with NoWait) and returns its exit state; it fails the test on timeout.
func (p *Proxy) WaitExit(t testing.TB, timeout time.Duration) *os.ProcessState {
	t.Helper()
	st, err := p.proc.waitExit(timeout)
	if err != nil {
		t.Fatalf("harness: %v\n%s", err, p.proc.tail("xaproxy output", 40))
	}
	return st
}

// Kill sends SIGKILL and waits for the exit.
func (p *Proxy) Kill(t testing.TB) {
	t.Helper()
	if err := p.proc.kill(killTimeout); err != nil {
		t.Fatalf("harness: %v", err)
	}
}

// Stop sends SIGTERM and waits; the test fails if the proxy has not
// exited within 20 s (it is then SIGKILLed). A non-zero exit status is
// logged; check ExitState() to assert on it.
func (p *Proxy) Stop(t testing.TB) {
	t.Helper()
	if err := p.proc.stop(proxyStopTimeout); err != nil {
		t.Fatalf("harness: %v\n%s", err, p.proc.tail("xaproxy output", 60))
	}
	if st := p.proc.lastState(); st != nil && !st.Success() {
		t.Logf("harness: xaproxy exited after SIGTERM with %s", st)
	}
}

// SetEnv replaces the extra environment variables ("K=V", see
// ProxyConfig.Env) of the next Start; the running process is unaffected.
// E.g. restart a proxy that was started with a fault injection without it.
func (p *Proxy) SetEnv(env []string) {
	p.proc.mu.Lock()
	p.proc.env = append([]string(nil), env...)
	p.proc.mu.Unlock()
	p.cfg.Env = p.proc.env
}

// Start starts the proxy again (after Kill, Stop or an exit) with the same
// config file and ports, and waits until it is ready.
func (p *Proxy) Start(t testing.TB) {
	t.Helper()
	if err := p.proc.start(); err != nil {
		t.Fatalf("harness: %v", err)
	}
	if err := p.waitReady(proxyReadyTimeout); err != nil {
		_ = p.proc.kill(killTimeout)
		t.Fatalf("harness: xaproxy did not come back on %s: %v\n%s", p.Addr(), err, p.proc.tail("xaproxy output", 60))
	}
}

// Restart is Stop (SIGTERM) followed by Start.
func (p *Proxy) Restart(t testing.TB) {
	t.Helper()
	p.Stop(t)
	p.Start(t)
}
