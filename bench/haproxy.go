//go:build bench

package bench

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// haproxy is an HAProxy in TCP mode in front of one MariaDB: the baseline
// of what a proxy that only relays bytes costs.
type haproxy struct {
	cmd     *exec.Cmd
	done    chan struct{}
	addr    string
	logPath string
}

// haproxyConfig balances (to its single server) with TCP passthrough;
// maxconn is far above anything sysbench opens so that it never queues.
func haproxyConfig(listen, backend string, threads int) string {
	nbthread := ""
	if threads > 0 {
		nbthread = fmt.Sprintf("    nbthread %d\n", threads)
	}
	return fmt.Sprintf(`global
    maxconn 4000
%s
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    maxconn 4000

frontend mysql
    bind %s
    default_backend mariadb

backend mariadb
    balance roundrobin
    server m0 %s maxconn 4000
`, nbthread, listen, backend)
}

// startHAProxy runs `haproxy -db -f CFG` in front of backend and waits
// until it accepts connections; threads > 0 sets nbthread (0: HAProxy's
// default, one per CPU). It is killed at cleanup.
func startHAProxy(t *testing.T, backend string, threads int) *haproxy {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatalf("haproxy not found (make deps-bench installs it): %v", err)
	}
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		h, err := tryHAProxy(bin, dir, backend, threads)
		if err == nil {
			t.Cleanup(h.kill)
			t.Logf("haproxy ready on %s -> %s, pid %d", h.addr, backend, h.PID())
			return h
		}
		if attempt == 3 {
			t.Fatalf("haproxy did not start: %v", err)
		}
		t.Logf("haproxy start attempt %d: %v; retrying on another port", attempt, err)
	}
}

func tryHAProxy(bin, dir, backend string, threads int) (*haproxy, error) {
	port, err := pickPort()
	if err != nil {
		return nil, err
	}
	h := &haproxy{addr: "127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(dir, "haproxy.log"), done: make(chan struct{})}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(haproxyConfig(h.addr, backend, threads)), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(h.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	h.cmd = exec.Command(bin, "-db", "-f", cfg)
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	// Started as the harness starts MariaDB and the proxies: killed by the
	// kernel if the test binary dies before its cleanups run, and in the
	// same scheduling arrangement (XAPROXY_HARNESS_SESSIONS).
	h.cmd.SysProcAttr = harness.SysProcAttr()
	if err := h.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = h.cmd.Wait(); close(h.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-h.done:
			return nil, fmt.Errorf("haproxy exited: %s", h.log())
		case <-time.After(20 * time.Millisecond):
		}
		if c, err := net.DialTimeout("tcp", h.addr, time.Second); err == nil {
			c.Close()
			return h, nil
		}
	}
	h.kill()
	return nil, fmt.Errorf("haproxy not listening on %s after 10s: %s", h.addr, h.log())
}

// pickPort asks the kernel for a free loopback port.
func pickPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// PID of the haproxy process (started with -db: no master, one process).
func (h *haproxy) PID() int { return h.cmd.Process.Pid }

func (h *haproxy) log() string {
	b, _ := os.ReadFile(h.logPath)
	return strings.TrimSpace(tailLines(string(b), 20))
}

// kill SIGKILLs haproxy's process group (only what this benchmark started)
// and waits for the exit.
func (h *haproxy) kill() {
	select {
	case <-h.done:
		return
	default:
	}
	_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
	}
}
