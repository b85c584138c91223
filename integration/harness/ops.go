package harness

import (
	"fmt"
	"os"
	"strings"
	"testing"
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
	return startProxy(t, e.BuildProxy(t), cfg.ProxyConfig, func(listen, admin string) (string, error) {
		return RenderOpsProxyConfig(cfg, listen, admin)
	})
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
