package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Env holds what is worth building only once per test binary: the compiled
// xaproxy binary and a template MariaDB data directory that every
// MariaDB instance is copied from. Create it in TestMain and hand it to
// the tests (the harness itself keeps no package-level state):
//
//	var env *harness.Env
//
//	func TestMain(m *testing.M) {
//		env = harness.NewEnv()
//		os.Exit(env.Run(m)) // runs the tests, then env.Close()
//	}
//
// All methods are safe for concurrent use by parallel tests.
type Env struct {
	// ProxyBuildFlags are extra `go build` flags for BuildProxy (e.g.
	// "-race"). Set before the first BuildProxy call. The environment
	// variable XAPROXY_BUILD_FLAGS (space separated) is appended.
	ProxyBuildFlags []string

	mu     sync.Mutex // guards root and closed
	root   string     // temp dir owned by the Env, removed by Close
	closed bool

	buildMu  sync.Mutex // one build at a time; others wait for its result
	proxyBin string
	proxyErr error

	tmplMu  sync.Mutex // one template install; others wait for it
	tmplDir string
	tmplErr error
}

// NewEnv returns an Env. Nothing is created on disk until needed. It
// removes harness temp directories left behind by test processes that
// died without running their cleanups.
func NewEnv() *Env {
	sweepStale()
	return &Env{}
}

// Run runs the tests, closes the Env and returns the exit code for
// os.Exit.
func (e *Env) Run(m *testing.M) int {
	code := m.Run()
	e.Close()
	return code
}

// Close removes the Env's temporary files (the proxy binary and the
// MariaDB template). Instances started by tests are cleaned up by their
// own t.Cleanup.
func (e *Env) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.root != "" {
		_ = os.RemoveAll(e.root)
		e.root = ""
	}
}

// dir returns the Env's private temp directory, creating it.
func (e *Env) dir() (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return "", errors.New("harness: Env used after Close")
	}
	if e.root == "" {
		d, err := os.MkdirTemp("", "xaproxy-harness-*")
		if err != nil {
			return "", err
		}
		markOwner(d)
		e.root = d
	}
	return e.root, nil
}

// ModuleRoot walks up from the working directory to the directory
// containing go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// goTool finds the go command: $PATH, then $GOROOT/bin, then the
// toolchain the test binary was built with, then /usr/local/go.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	cands := []string{}
	if g := os.Getenv("GOROOT"); g != "" {
		cands = append(cands, filepath.Join(g, "bin", "go"))
	}
	if g := runtime.GOROOT(); g != "" {
		cands = append(cands, filepath.Join(g, "bin", "go"))
	}
	cands = append(cands, "/usr/local/go/bin/go")
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", errors.New("the go command was not found in $PATH, $GOROOT/bin or /usr/local/go/bin")
}

// BuildProxy compiles ./cmd/xaproxy (from the module root) once per Env
// and returns the binary's path. Concurrent callers wait for the one
// build; a failed build fails every caller with the compiler output.
//
// If XAPROXY_BIN is set, that binary is used instead and nothing is built.
func (e *Env) BuildProxy(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("XAPROXY_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err == nil {
			_, err = os.Stat(abs)
		}
		if err != nil {
			t.Fatalf("harness: XAPROXY_BIN=%s: %v", p, err)
		}
		return abs
	}
	e.buildMu.Lock()
	defer e.buildMu.Unlock()
	if e.proxyBin == "" && e.proxyErr == nil {
		e.proxyBin, e.proxyErr = e.buildProxy(t)
	}
	if e.proxyErr != nil {
		t.Fatalf("harness: building xaproxy failed: %v", e.proxyErr)
	}
	return e.proxyBin
}

func (e *Env) buildProxy(t testing.TB) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir, err := e.dir()
	if err != nil {
		return "", err
	}
	goBin, err := goTool()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "xaproxy")
	args := []string{"build", "-o", out}
	args = append(args, e.ProxyBuildFlags...)
	args = append(args, strings.Fields(os.Getenv("XAPROXY_BUILD_FLAGS"))...)
	args = append(args, "./cmd/xaproxy")
	cmd := exec.Command(goBin, args...)
	cmd.Dir = root
	start := time.Now()
	b, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s (in %s): %v\n%s", goBin, strings.Join(args, " "), root, err, b)
	}
	t.Logf("harness: built xaproxy in %s -> %s", time.Since(start).Round(time.Millisecond), out)
	return out, nil
}

// mariaDBTemplate returns a freshly installed MariaDB data directory to
// copy from, installing it on first use.
func (e *Env) mariaDBTemplate(t testing.TB, bins mariaDBBins) (string, error) {
	e.tmplMu.Lock()
	defer e.tmplMu.Unlock()
	if e.tmplDir == "" && e.tmplErr == nil {
		dir, err := e.dir()
		if err != nil {
			return "", err
		}
		tmpl := filepath.Join(dir, "mariadb-template")
		start := time.Now()
		if err := installMariaDB(bins, tmpl, filepath.Join(dir, "mariadb-install.log")); err != nil {
			e.tmplErr = err
		} else {
			e.tmplDir = tmpl
			t.Logf("harness: installed MariaDB template datadir in %s", time.Since(start).Round(time.Millisecond))
		}
	}
	return e.tmplDir, e.tmplErr
}
