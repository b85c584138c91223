package harness

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers the "mysql" driver
)

const (
	mariaDBReadyTimeout = 60 * time.Second
	mariaDBStopTimeout  = 60 * time.Second
	killTimeout         = 15 * time.Second
	portAttempts        = 4
)

// Flags shared by mariadb-install-db and mariadbd, so the template's redo
// log already has the size the server wants (no resize on first start).
var mariaDBInnoDBFlags = []string{
	"--innodb-buffer-pool-size=64M",
	"--innodb-log-file-size=48M",
}

type mariaDBBins struct {
	mariadbd  string
	installDB string
}

func findMariaDBBins() (mariaDBBins, error) {
	d, err := lookBinary("XAPROXY_MARIADBD", "mariadbd", "/usr/sbin/mariadbd", "/usr/local/sbin/mariadbd", "/usr/local/mysql/bin/mariadbd")
	if err != nil {
		return mariaDBBins{}, fmt.Errorf("mariadbd not found: run `make deps` (installs mariadb-server): %v", err)
	}
	i, err := lookBinary("XAPROXY_MARIADB_INSTALL_DB", "mariadb-install-db", "/usr/bin/mariadb-install-db", "/usr/local/bin/mariadb-install-db", "/usr/local/mysql/scripts/mariadb-install-db")
	if err != nil {
		return mariaDBBins{}, fmt.Errorf("mariadb-install-db not found: run `make deps` (installs mariadb-server): %v", err)
	}
	return mariaDBBins{mariadbd: d, installDB: i}, nil
}

func asRoot() bool { return os.Geteuid() == 0 }

// installMariaDB creates a fresh data directory with a password-less root
// that can log in over TCP from 127.0.0.1.
func installMariaDB(bins mariaDBBins, datadir, logPath string) error {
	// A tmpdir of its own: installs running at once in /tmp collided on
	// their temporary tables ("Could not remove temporary table
	// '/tmp/#sql-temptable-...'", then 1051 and "Aborting").
	tmp := filepath.Join(filepath.Dir(datadir), "install-tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	args := []string{
		"--no-defaults", // must be first: ignore /etc/mysql and ~/.my.cnf
		"--datadir=" + datadir,
		"--tmpdir=" + tmp,
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		"--skip-name-resolve",
		"--force", // only skips the resolveip check of the hostname (fails without /etc/hosts)
	}
	if asRoot() {
		args = append(args, "--user=root")
	}
	args = append(args, mariaDBInnoDBFlags...)
	cmd := exec.Command(bins.installDB, args...)
	cmd.SysProcAttr = SysProcAttr()
	out, err := cmd.CombinedOutput()
	_ = os.WriteFile(logPath, out, 0o644)
	if err != nil {
		return fmt.Errorf("%s %v: %v\n%s", bins.installDB, args, err, tailString(string(out), 40))
	}
	return nil
}

func tailString(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// MariaDB is a mariadbd process with its own data directory, listening on
// 127.0.0.1 on a free port. It is SIGKILLed at the end of the test that
// started it and its files are removed.
type MariaDB struct {
	name    string
	dir     string // everything of this instance lives here
	datadir string
	sock    string
	errLog  string
	port    int
	extra   []string
	bins    mariaDBBins
	proc    *process
}

// StartMariaDB installs a fresh data directory (a few seconds) and starts
// mariadbd. Prefer Env.StartMariaDB, which copies a template instead.
func StartMariaDB(t testing.TB, name string, extraArgs ...string) *MariaDB {
	t.Helper()
	return startMariaDB(t, nil, name, extraArgs)
}

// StartMariaDB starts mariadbd on a copy of the Env's template data
// directory (installed once per Env). extraArgs are appended to the
// mariadbd command line (e.g. "--innodb-lock-wait-timeout=5").
func (e *Env) StartMariaDB(t testing.TB, name string, extraArgs ...string) *MariaDB {
	t.Helper()
	return startMariaDB(t, e, name, extraArgs)
}

func startMariaDB(t testing.TB, env *Env, name string, extraArgs []string) *MariaDB {
	t.Helper()
	bins, err := findMariaDBBins()
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	dir := shortTempDir(t, "xa-mdb-"+sanitize(name)+"-")
	m := &MariaDB{
		name:    name,
		dir:     dir,
		datadir: filepath.Join(dir, "data"),
		sock:    filepath.Join(dir, "mysqld.sock"),
		errLog:  filepath.Join(dir, "error.log"),
		extra:   extraArgs,
		bins:    bins,
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatalf("harness: %v", err)
	}
	start := time.Now()
	if env != nil {
		tmpl, err := env.mariaDBTemplate(t, bins)
		if err != nil {
			t.Fatalf("harness: installing the MariaDB template datadir failed: %v", err)
		}
		if err := os.CopyFS(m.datadir, os.DirFS(tmpl)); err != nil {
			t.Fatalf("harness: copying MariaDB template %s -> %s: %v", tmpl, m.datadir, err)
		}
	} else if err := installMariaDB(bins, m.datadir, filepath.Join(dir, "install.log")); err != nil {
		t.Fatalf("harness: mariadb-install-db for %q failed: %v", name, err)
	}

	m.proc = &process{name: "mariadb " + name, path: bins.mariadbd, dir: dir, logPath: m.errLog}
	t.Cleanup(func() {
		if t.Failed() {
			if tail, ok := m.proc.tailIfNew("mariadb "+name+" error log", 40); ok {
				t.Logf("harness: %s (port %d) at end of failed test:\n%s", m.proc.name, m.port, tail)
			}
		}
		if err := m.proc.kill(killTimeout); err != nil {
			t.Errorf("harness: %v", err)
		}
	})

	for attempt := 1; ; attempt++ {
		m.port = freePort(t)
		m.proc.args = m.args()
		off := fileSize(m.errLog)
		if err := m.proc.start(); err != nil {
			t.Fatalf("harness: %v", err)
		}
		err := m.waitReady(mariaDBReadyTimeout)
		if err == nil {
			break
		}
		if !m.proc.running() && portInUse(logSince(m.errLog, off)) && attempt < portAttempts {
			t.Logf("harness: mariadb %s: port %d was taken, retrying on another port", name, m.port)
			continue
		}
		_ = m.proc.kill(killTimeout)
		t.Fatalf("harness: mariadb %s did not become ready: %v\n%s", name, err, m.proc.tail("mariadb error log", 40))
	}
	t.Logf("harness: mariadb %s ready on %s in %s (datadir %s)", name, m.Addr(), time.Since(start).Round(time.Millisecond), m.datadir)
	return m
}

func (m *MariaDB) args() []string {
	args := []string{
		"--no-defaults", // must be first
		"--datadir=" + m.datadir,
		"--port=" + strconv.Itoa(m.port),
		"--bind-address=127.0.0.1",
		"--socket=" + m.sock,
		"--pid-file=" + filepath.Join(m.dir, "mysqld.pid"),
		"--log-error=" + m.errLog,
		"--tmpdir=" + filepath.Join(m.dir, "tmp"),
		"--skip-name-resolve",
		"--skip-log-bin",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--max-connections=1000",
		"--innodb-buffer-pool-dump-at-shutdown=OFF",
		"--innodb-buffer-pool-load-at-startup=OFF",
		"--loose-feedback=OFF",
	}
	if asRoot() {
		args = append(args, "--user=root")
	}
	args = append(args, mariaDBInnoDBFlags...)
	if os.Getenv(debugDirEnv) != "" {
		// Every statement each connection sent, in order: what a shard
		// really ran, against what the proxy meant to send.
		args = append(args, "--general-log=1", "--general-log-file="+filepath.Join(m.dir, "general.log"))
	}
	return append(args, m.extra...)
}

// waitReady polls with go-sql-driver until SELECT 1 works, the process
// exits, or the timeout passes.
func (m *MariaDB) waitReady(timeout time.Duration) error {
	db, err := sql.Open("mysql", m.DSN("")+"?timeout=2s&readTimeout=5s&writeTimeout=5s")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxIdleConns(0)
	deadline := time.Now().Add(timeout)
	exited := m.proc.exited()
	var lastErr error
	for {
		select {
		case <-exited:
			return fmt.Errorf("mariadbd exited during startup (%s); last connect error: %v", m.proc.describeExit(), lastErr)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var one int
		lastErr = db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		cancel()
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

// Name is the name given at start.
func (m *MariaDB) Name() string { return m.name }

// Addr is "127.0.0.1:PORT".
func (m *MariaDB) Addr() string { return "127.0.0.1:" + strconv.Itoa(m.port) }

// Port is the TCP port.
func (m *MariaDB) Port() int { return m.port }

// DataDir is the server's data directory.
func (m *MariaDB) DataDir() string { return m.datadir }

// ErrorLogPath is the server's error log (also receives its stdout/stderr).
func (m *MariaDB) ErrorLogPath() string { return m.errLog }

// PID of the running mariadbd (0 if never started).
func (m *MariaDB) PID() int { return m.proc.pid() }

// Running reports whether mariadbd is running.
func (m *MariaDB) Running() bool { return m.proc.running() }

// DSN is a go-sql-driver DSN for root without password, e.g.
// "root@tcp(127.0.0.1:PORT)/db". db may be empty.
func (m *MariaDB) DSN(db string) string {
	return fmt.Sprintf("root@tcp(%s)/%s", m.Addr(), db)
}

// DB opens a *sql.DB as root on database db (may be empty), closed at
// cleanup. It survives Kill/Start of the server (database/sql redials).
func (m *MariaDB) DB(t testing.TB, db string) *sql.DB {
	t.Helper()
	d, err := sql.Open("mysql", m.DSN(db))
	if err != nil {
		t.Fatalf("harness: open %s: %v", m.DSN(db), err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// Exec runs statements as root (no default database) and fails the test
// on error.
func (m *MariaDB) Exec(t testing.TB, queries ...string) {
	t.Helper()
	d, err := sql.Open("mysql", m.DSN("")+"?timeout=5s")
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	defer d.Close()
	for _, q := range queries {
		if _, err := d.Exec(q); err != nil {
			t.Fatalf("harness: mariadb %s: %s: %v", m.name, q, err)
		}
	}
}

// CreateDatabase creates the databases (if they do not exist).
func (m *MariaDB) CreateDatabase(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		m.Exec(t, "CREATE DATABASE IF NOT EXISTS `"+n+"`")
	}
}

// Kill sends SIGKILL and waits for the process to exit.
func (m *MariaDB) Kill(t testing.TB) {
	t.Helper()
	if err := m.proc.kill(killTimeout); err != nil {
		t.Fatalf("harness: %v", err)
	}
}

// Stop shuts mariadbd down cleanly (SIGTERM) and waits for it to exit.
func (m *MariaDB) Stop(t testing.TB) {
	t.Helper()
	if err := m.proc.stop(mariaDBStopTimeout); err != nil {
		t.Fatalf("harness: %v\n%s", err, m.proc.tail("mariadb error log", 40))
	}
}

// Start (re)starts mariadbd on the same port and data directory after
// Kill or Stop, and waits until it accepts connections (InnoDB crash
// recovery included).
func (m *MariaDB) Start(t testing.TB) {
	t.Helper()
	start := time.Now()
	if err := m.proc.start(); err != nil {
		t.Fatalf("harness: %v", err)
	}
	if err := m.waitReady(mariaDBReadyTimeout); err != nil {
		_ = m.proc.kill(killTimeout)
		t.Fatalf("harness: mariadb %s did not come back on %s: %v\n%s", m.name, m.Addr(), err, m.proc.tail("mariadb error log", 40))
	}
	t.Logf("harness: mariadb %s restarted on %s in %s", m.name, m.Addr(), time.Since(start).Round(time.Millisecond))
}

// Restart is Stop followed by Start.
func (m *MariaDB) Restart(t testing.TB) {
	t.Helper()
	m.Stop(t)
	m.Start(t)
}
