package harness

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// OpsProxyConfig is a ProxyConfig whose `users:` list is raw YAML, for
// users with schemas, connection limits, password_env or password_file.
// Other top-level blocks (frontend:, log:) go in ProxyConfig.Extra.
type OpsProxyConfig struct {
	ProxyConfig
	// UsersYAML is the raw YAML of the `users:` list, dedented like
	// ProxyConfig.Schemas, e.g.
	//
	//	- {name: app, password: app-secret}
	//	- {name: shopper, password: s, schemas: [shop], max_connections: 2}
	UsersYAML string
}

// RenderOpsProxyConfig renders the YAML config file like
// RenderProxyConfig, with UsersYAML as the users list.
func RenderOpsProxyConfig(cfg OpsProxyConfig, listen, admin string) (string, error) {
	base := cfg.ProxyConfig
	base.Users = map[string]string{} // renders "users: []", replaced below
	y, err := RenderProxyConfig(base, listen, admin)
	if err != nil {
		return "", err
	}
	users, err := dedent(cfg.UsersYAML)
	if err != nil {
		return "", fmt.Errorf("UsersYAML: %v", err)
	}
	if users == "" {
		return y, nil
	}
	return strings.Replace(y, "users: []\n", "users:\n"+indent(users, "  ")+"\n", 1), nil
}

// StartOpsProxy is StartProxy for an OpsProxyConfig: it writes the config
// file, starts `xaproxy serve` and waits until it is ready.
func (e *Env) StartOpsProxy(t testing.TB, cfg OpsProxyConfig) *Proxy {
	t.Helper()
	bin := e.BuildProxy(t)
	dir := shortTempDir(t, "xa-proxy-")
	p := &Proxy{
		bin:        bin,
		cfg:        cfg.ProxyConfig,
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
		y, err := RenderOpsProxyConfig(cfg, p.Addr(), p.AdminAddr())
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

// RewriteOpsConfig writes the proxy's config file again from cfg, on the
// same ports; the running process is unaffected until it is sent SIGHUP
// (or restarted).
func (p *Proxy) RewriteOpsConfig(t testing.TB, cfg OpsProxyConfig) {
	t.Helper()
	y, err := RenderOpsProxyConfig(cfg, p.Addr(), p.AdminAddr())
	if err != nil {
		t.Fatalf("harness: proxy config: %v", err)
	}
	if err := os.WriteFile(p.configPath, []byte(y), 0o644); err != nil {
		t.Fatalf("harness: %v", err)
	}
}
