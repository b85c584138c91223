package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// process is one child process (mariadbd, etcd, xaproxy) that can be
// started, killed and started again with the same command line.
//
// Children are started in their own process group (so Kill reaches
// anything they spawn) and with Pdeathsig=SIGKILL, so that they die with
// the test binary even when it is killed before its t.Cleanup functions
// run (go test -timeout, Ctrl-C, SIGKILL).
type process struct {
	name    string   // for messages: "mariadb s0", "etcd", "xaproxy"
	path    string   // executable
	args    []string // without argv[0]
	env     []string // extra environment (appended to os.Environ())
	dir     string   // working directory
	logPath string   // stdout+stderr of every start, appended

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has been waited for
	state   *os.ProcessState
	waitErr error
	starts  int
	shown   int64 // log size when its tail was last included in a failure message
}

// tail returns the last n lines of the process log for a failure message
// and remembers that they were shown.
func (p *process) tail(label string, n int) string {
	p.mu.Lock()
	p.shown = fileSize(p.logPath)
	p.mu.Unlock()
	return logTail(label, p.logPath, n)
}

// tailIfNew is tail, unless nothing was logged since the last tail shown.
func (p *process) tailIfNew(label string, n int) (string, bool) {
	p.mu.Lock()
	shown := p.shown
	p.mu.Unlock()
	if shown > 0 && fileSize(p.logPath) == shown {
		return "", false
	}
	return p.tail(label, n), true
}

// start launches the process. It does not wait for readiness.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && !isClosed(p.done) {
		return fmt.Errorf("%s: already running (pid %d)", p.name, p.cmd.Process.Pid)
	}
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: open log: %w", p.name, err)
	}
	defer f.Close() // the child has its own copy of the descriptor
	p.starts++
	fmt.Fprintf(f, "\n=== harness: start #%d of %s at %s: %s %s\n", p.starts, p.name,
		time.Now().Format(time.RFC3339Nano), p.path, strings.Join(p.args, " "))

	cmd := exec.Command(p.path, p.args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdin = nil
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = SysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start %s: %w", p.name, p.path, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.state, p.waitErr = cmd, done, nil, nil
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.state, p.waitErr = cmd.ProcessState, err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

func isClosed(c chan struct{}) bool {
	if c == nil {
		return true
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// running reports whether the last started process has not exited yet.
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && !isClosed(p.done)
}

// exited returns a channel closed when the current process exits (a closed
// channel if nothing runs).
func (p *process) exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return p.done
}

func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// lastState is the exit state of the last process that exited (nil if it
// is still running or was never started).
func (p *process) lastState() *os.ProcessState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return fmt.Errorf("%s: not running", p.name)
	}
	return cmd.Process.Signal(sig)
}

// kill sends SIGKILL to the whole process group and waits for the exit.
func (p *process) kill(timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return nil
	}
	pid := cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGKILL) // process group (Setpgid, or Setsid: SysProcAttr)
	_ = cmd.Process.Kill()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%s: pid %d did not exit within %s of SIGKILL", p.name, pid, timeout)
	}
}

// stop sends SIGTERM and waits up to timeout. If the process is still
// there it is SIGKILLed and an error is returned.
func (p *process) stop(timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || isClosed(done) {
		return nil
	}
	pid := cmd.Process.Pid
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: SIGTERM pid %d: %w", p.name, pid, err)
	}
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		_ = p.kill(10 * time.Second)
		return fmt.Errorf("%s: pid %d did not exit within %s of SIGTERM (killed with SIGKILL)", p.name, pid, timeout)
	}
}

// waitExit waits for the current process to exit.
func (p *process) waitExit(timeout time.Duration) (*os.ProcessState, error) {
	select {
	case <-p.exited():
		return p.lastState(), nil
	case <-time.After(timeout):
		return nil, fmt.Errorf("%s: pid %d still running after %s", p.name, p.pid(), timeout)
	}
}

// describeExit renders the exit state for an error message.
func (p *process) describeExit() string {
	st := p.lastState()
	if st == nil {
		return "still running"
	}
	return st.String()
}

// tailFile returns the last n lines of a file (or a note saying why not).
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	defer f.Close()
	const maxRead = 256 << 10
	if st, err := f.Stat(); err == nil && st.Size() > maxRead {
		_, _ = f.Seek(st.Size()-maxRead, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	b = bytes.TrimRight(b, "\n")
	lines := strings.Split(string(b), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func logTail(name, path string, n int) string {
	return fmt.Sprintf("----- last %d lines of %s (%s) -----\n%s\n----- end of %s -----", n, name, path, tailFile(path, n), name)
}

// freePort returns a free TCP port on 127.0.0.1, chosen at random below
// the kernel's ephemeral range (net.ipv4.ip_local_port_range). Ports from
// that range are handed out to every outgoing connection the tests make, so
// a server killed and restarted on an ephemeral port could find it taken by
// a client socket; below the range only another harness can collide, and
// starts retry on "address already in use".
func freePort(t testing.TB) int {
	t.Helper()
	lo, hi := harnessPortRange()
	for i := 0; i < 200 && hi > lo; i++ {
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("harness: cannot allocate a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// harnessPortRange is [lo, hi) outside the ephemeral port range, avoiding
// the well-known ports below 10000 (the demo uses 2379, 3307, 3310, ...).
func harnessPortRange() (lo, hi int) {
	ephLo, ephHi := 32768, 60999
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if a, err1 := strconv.Atoi(f[0]); err1 == nil {
				if z, err2 := strconv.Atoi(f[1]); err2 == nil {
					ephLo, ephHi = a, z
				}
			}
		}
	}
	if ephLo-10000 >= 2000 {
		return 10000, ephLo
	}
	if 65536-(ephHi+1) >= 2000 {
		return ephHi + 1, 65536
	}
	return 0, 0 // no room: let the kernel choose
}

// tcpReachable reports whether a TCP connect to addr succeeds.
func tcpReachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// logSince returns what was appended to path after offset.
func logSince(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, 4<<20))
	return string(b)
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// portInUse reports whether a log fragment says a listen address was busy.
func portInUse(log string) bool {
	l := strings.ToLower(log)
	return strings.Contains(l, "address already in use") ||
		strings.Contains(l, "bind on tcp/ip port") ||
		strings.Contains(l, "do you already have another server running")
}

// lookBinary finds an executable: $envVar if set, then $PATH, then the
// given fallback locations (sbin directories are often not in a
// non-root PATH).
func lookBinary(envVar, name string, fallbacks ...string) (string, error) {
	if v := os.Getenv(envVar); v != "" {
		if _, err := os.Stat(v); err != nil {
			return "", fmt.Errorf("%s=%s: %w", envVar, v, err)
		}
		return v, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, f := range fallbacks {
		if st, err := os.Stat(f); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s not found in $PATH or %v", name, fallbacks)
}

// shortTempDir makes a temporary directory with a short path (unix socket
// paths are limited to ~107 bytes, and t.TempDir embeds the test name) and
// removes it at cleanup, after the processes using it were killed
// (cleanups run last-registered first, so register this before starting
// processes).
func shortTempDir(t testing.TB, prefix string) string {
	t.Helper()
	base := os.TempDir()
	if len(base) > 40 {
		base = "/tmp"
	}
	keep := os.Getenv(debugDirEnv)
	if keep != "" {
		base = keep
	}
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		t.Fatalf("harness: mkdtemp: %v", err)
	}
	if keep != "" {
		return dir // kept for reading: logs, data directories
	}
	markOwner(dir)
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("harness: remove %s: %v", dir, err)
		}
	})
	return dir
}

// debugDirEnv names a directory where every process's directory is made
// and kept after the test, MariaDB's with a general log (doc.go).
const debugDirEnv = "XAPROXY_DEBUG_DIR"

// sanitize turns a name into something usable in a file name.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	if b.Len() > 20 {
		return b.String()[:20]
	}
	return b.String()
}

// Temp directories are marked with the pid of the test process that made
// them, so that directories left behind by a test binary that was killed
// before its cleanups ran (go test -timeout, SIGKILL) can be removed by a
// later run: see sweepStale.
const ownerFile = ".harness-owner-pid"

var stalePrefixes = []string{"xa-mdb-", "xa-etcd-", "xa-proxy-", "xaproxy-harness-"}

func markOwner(dir string) {
	_ = os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644)
}

// sweepStale removes harness temp directories whose owning process is
// gone. Directories without an owner mark are left alone.
func sweepStale() {
	for _, base := range []string{os.TempDir(), "/tmp"} {
		entries, err := os.ReadDir(base)
		if err != nil {
			continue
		}
		for _, ent := range entries {
			if !ent.IsDir() || !hasAnyPrefix(ent.Name(), stalePrefixes) {
				continue
			}
			dir := filepath.Join(base, ent.Name())
			b, err := os.ReadFile(filepath.Join(dir, ownerFile))
			if err != nil {
				continue // not ours, or being created right now
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 0 || pid == os.Getpid() {
				continue
			}
			if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
				_ = os.RemoveAll(dir)
			}
		}
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
