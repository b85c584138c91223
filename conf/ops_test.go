package conf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key to dir and
// returns their paths.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "xaproxy-test"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestOpsDefaults(t *testing.T) {
	cfg, err := Parse([]byte(configWith(nil)))
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.Frontend
	if f.IdleTimeout.Duration != 8*time.Hour || f.QueryTimeout.Duration != 0 || f.MaxPacketSize != 64<<20 {
		t.Errorf("frontend defaults: idle %v, query %v, packet %d", f.IdleTimeout, f.QueryTimeout, f.MaxPacketSize)
	}
	if f.TLS.Enabled() || f.TLSRequired() || !f.TLS.Generated() {
		t.Errorf("TLS by default: certificate configured %v, required %v, self-signed %v; want a generated one, optional", f.TLS.Enabled(), f.TLSRequired(), f.TLS.Generated())
	}
	if l := f.LoginThrottle; l.MaxFailures != 10 || l.Window.Duration != time.Minute || l.BlockFor.Duration != 5*time.Minute || l.MaxHosts != 10000 {
		t.Errorf("login_throttle defaults: %+v", l)
	}
	if cfg.Backend.TLSCAFile != "" || cfg.Backend.TLSCA != nil {
		t.Errorf("backend.tls_ca_file default %q", cfg.Backend.TLSCAFile)
	}
	if cfg.Log.SlowQuery.Duration != 0 {
		t.Errorf("log.slow_query default %v, want 0 (off)", cfg.Log.SlowQuery)
	}
	u := cfg.User("app")
	if len(u.Schemas) != 0 || u.MaxConnections != 0 || !u.CanUse("anything") {
		t.Errorf("user defaults: %+v", u)
	}
}

func TestUserPasswords(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\r\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XAPROXY_TEST_PW", "from-env")
	t.Setenv("XAPROXY_TEST_EMPTY", "")

	tests := []struct {
		name     string
		user     string
		want     string // the password, when valid
		wantPath string // else the problem
		wantMsg  string
	}{
		{"by value", `{name: a, password: v}`, "v", "", ""},
		{"explicit empty", `{name: a, password: ""}`, "", "", ""},
		{"from env", `{name: a, password_env: XAPROXY_TEST_PW}`, "from-env", "", ""},
		{"from file, newlines trimmed", `{name: a, password_file: ` + pwFile + `}`, "from-file", "", ""},
		{"none", `{name: a}`, "", "users[0].password", "exactly one of password"},
		{"two", `{name: a, password: x, password_env: XAPROXY_TEST_PW}`, "", "users[0].password_env", "not password and password_env"},
		{"three", `{name: a, password: x, password_env: E, password_file: F}`, "", "users[0].password_env", "not password and password_env and password_file"},
		{"env unset", `{name: a, password_env: XAPROXY_TEST_NOT_SET}`, "", "users[0].password_env", `"XAPROXY_TEST_NOT_SET" is not set`},
		{"env empty", `{name: a, password_env: XAPROXY_TEST_EMPTY}`, "", "users[0].password_env", "is empty"},
		{"env name empty", `{name: a, password_env: ""}`, "", "users[0].password_env", "name the environment variable"},
		{"file missing", `{name: a, password_file: ` + filepath.Join(dir, "nope") + `}`, "", "users[0].password_file", "cannot read the password"},
		{"file empty", `{name: a, password_file: ` + empty + `}`, "", "users[0].password_file", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := configWith(map[string]string{"users": "[" + tt.user + "]"})
			if tt.wantPath != "" {
				problems := problemsOf(t, src)
				if !hasProblem(problems, tt.wantPath, tt.wantMsg) {
					t.Errorf("no problem at %q containing %q; got %v", tt.wantPath, tt.wantMsg, problems)
				}
				return
			}
			cfg, err := Parse([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Users[0].Password; got != tt.want {
				t.Errorf("password = %q, want %q", got, tt.want)
			}
		})
	}
}

// Relative files named in a loaded configuration are relative to it.
func TestRelativeFilesFollowTheConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.pw"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeCert(t, dir)
	src := configWith(map[string]string{
		"users":    `[{name: app, password_file: app.pw}]`,
		"frontend": `{tls: {cert_file: cert.pem, key_file: key.pem}}`,
	})
	path := filepath.Join(dir, "xaproxy.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User("app").Password != "secret" || !cfg.Frontend.TLS.Enabled() {
		t.Errorf("password %q, TLS enabled %v", cfg.User("app").Password, cfg.Frontend.TLS.Enabled())
	}
}

func TestOpsProblems(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	tests := []struct {
		name     string
		over     map[string]string
		wantPath string
		wantMsg  string
	}{
		{"user schema unknown", map[string]string{"users": `[{name: a, password: x, schemas: [shop, crm]}]`}, "users[0].schemas[1]", `"crm" is not a configured schema; configured schemas: shop`},
		{"user schema duplicate", map[string]string{"users": `[{name: a, password: x, schemas: [shop, SHOP]}]`}, "users[0].schemas[1]", "duplicate schema"},
		{"user max_connections negative", map[string]string{"users": `[{name: a, password: x, max_connections: -1}]`}, "users[0].max_connections", "must be 0"},
		{"tls require without cert or self_signed", map[string]string{"frontend": `{tls: {require: true, self_signed: false}}`}, "frontend.tls.require", "needs cert_file and key_file, or self_signed: true"},
		{"require_tls alias without cert or self_signed", map[string]string{"frontend": `{require_tls: true, tls: {self_signed: false}}`}, "frontend.require_tls", "needs frontend.tls.cert_file"},
		{"login_throttle max_failures negative", map[string]string{"frontend": `{login_throttle: {max_failures: -1}}`}, "frontend.login_throttle.max_failures", "must be 0 (no throttle) or more"},
		{"login_throttle window zero", map[string]string{"frontend": `{login_throttle: {window: 0s}}`}, "frontend.login_throttle.window", "positive duration"},
		{"login_throttle block_for zero", map[string]string{"frontend": `{login_throttle: {block_for: 0s}}`}, "frontend.login_throttle.block_for", "positive duration"},
		{"login_throttle max_hosts zero", map[string]string{"frontend": `{login_throttle: {max_hosts: 0}}`}, "frontend.login_throttle.max_hosts", "at least 1"},
		{"login_throttle unknown key", map[string]string{"frontend": `{login_throttle: {max_errors: 3}}`}, "frontend.login_throttle.max_errors", "known keys: max_failures, window, block_for, max_hosts"},
		{"backend tls_ca_file unreadable", map[string]string{"backend": `{tls_ca_file: /nonexistent/ca.pem}`, "shards": `[{name: s0, dsn: "root@tcp(h:1)/?tls=true"}]`},
			"backend.tls_ca_file", "cannot read the CA bundle"},
		{"backend tls_ca_file not PEM", map[string]string{"backend": `{tls_ca_file: ` + key + `}`, "shards": `[{name: s0, dsn: "root@tcp(h:1)/?tls=true"}]`},
			"backend.tls_ca_file", "holds no PEM certificate"},
		{"backend tls_ca_file unused", map[string]string{"backend": `{tls_ca_file: ` + cert + `}`, "shards": `[{name: s0, dsn: "root@tcp(h:1)/?tls=skip-verify"}]`},
			"backend.tls_ca_file", "no shard verifies its certificate: add tls=true"},
		{"tls cert without key", map[string]string{"frontend": `{tls: {cert_file: ` + cert + `}}`}, "frontend.tls.key_file", "required with cert_file"},
		{"tls key without cert", map[string]string{"frontend": `{tls: {key_file: ` + key + `}}`}, "frontend.tls.cert_file", "required with key_file"},
		{"tls cert unreadable", map[string]string{"frontend": `{tls: {cert_file: /nonexistent.pem, key_file: ` + key + `}}`}, "frontend.tls.cert_file", "cannot load"},
		{"tls key mismatch", map[string]string{"frontend": `{tls: {cert_file: ` + cert + `, key_file: ` + cert + `}}`}, "frontend.tls.cert_file", "cannot load"},
		{"tls unknown key", map[string]string{"frontend": `{tls: {cert: x}}`}, "frontend.tls.cert", "known keys: cert_file, key_file, require"},
		{"idle_timeout negative", map[string]string{"frontend": `{idle_timeout: -1s}`}, "frontend.idle_timeout", "0 keeps idle sessions open"},
		{"query_timeout negative", map[string]string{"frontend": `{query_timeout: -1s}`}, "frontend.query_timeout", "0 means no limit"},
		{"max_packet_size too small", map[string]string{"frontend": `{max_packet_size: 100}`}, "frontend.max_packet_size", "from 1KB to 1GB, got 100 bytes"},
		{"max_packet_size too large", map[string]string{"frontend": `{max_packet_size: 2GB}`}, "frontend.max_packet_size", "from 1KB to 1GB"},
		{"max_packet_size no number", map[string]string{"frontend": `{max_packet_size: lots}`}, "frontend.max_packet_size", "invalid size"},
		{"slow_query negative", map[string]string{"log": `{slow_query: -1ms}`}, "log.slow_query", "0 logs no statement"},
		{"slow_query without unit", map[string]string{"log": `{slow_query: 1}`}, "log.slow_query", "with a unit"},
		{"shard tls custom", map[string]string{"shards": `[{name: s0, dsn: "root@tcp(h:1)/?tls=custom"}]`}, "shards[0].dsn", "tls=custom is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := configWith(tt.over)
			if problems := problemsOf(t, src); !hasProblem(problems, tt.wantPath, tt.wantMsg) {
				t.Errorf("no problem at %q containing %q; got:\n%s", tt.wantPath, tt.wantMsg, (&Error{Problems: problems}).Error())
			}
		})
	}
}

func TestOpsValid(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	tests := []struct {
		name  string
		over  map[string]string
		check func(*Config) bool
	}{
		{"tls optional", map[string]string{"frontend": `{tls: {cert_file: ` + cert + `, key_file: ` + key + `}}`},
			func(c *Config) bool { return c.Frontend.TLS.Enabled() && !c.Frontend.TLSRequired() }},
		{"tls required", map[string]string{"frontend": `{tls: {cert_file: ` + cert + `, key_file: ` + key + `, require: true}}`},
			func(c *Config) bool { return c.Frontend.TLS.Enabled() && c.Frontend.TLSRequired() }},
		{"require_tls alias", map[string]string{"frontend": `{require_tls: true, tls: {cert_file: ` + cert + `, key_file: ` + key + `}}`},
			func(c *Config) bool { return c.Frontend.TLSRequired() }},
		{"tls required with a generated certificate", map[string]string{"frontend": `{tls: {require: true}}`},
			func(c *Config) bool { return c.Frontend.TLS.Generated() && c.Frontend.TLSRequired() }},
		{"require_tls alias with a generated certificate", map[string]string{"frontend": `{require_tls: true}`},
			func(c *Config) bool { return c.Frontend.TLS.Generated() && c.Frontend.TLSRequired() }},
		{"tls off", map[string]string{"frontend": `{tls: {self_signed: false}}`},
			func(c *Config) bool { return !c.Frontend.TLS.Enabled() && !c.Frontend.TLS.Generated() }},
		{"configured certificate wins over self_signed", map[string]string{"frontend": `{tls: {cert_file: ` + cert + `, key_file: ` + key + `, self_signed: true}}`},
			func(c *Config) bool { return c.Frontend.TLS.Enabled() && !c.Frontend.TLS.Generated() }},
		{"login_throttle partly given", map[string]string{"frontend": `{login_throttle: {max_failures: 3, window: 10s}}`},
			func(c *Config) bool {
				l := c.Frontend.LoginThrottle
				return l.MaxFailures == 3 && l.Window.Duration == 10*time.Second && l.BlockFor.Duration == 5*time.Minute && l.MaxHosts == 10000
			}},
		{"login_throttle off", map[string]string{"frontend": `{login_throttle: {max_failures: 0}}`},
			func(c *Config) bool { return c.Frontend.LoginThrottle.MaxFailures == 0 }},
		{"backend tls_ca_file", map[string]string{"backend": `{tls_ca_file: ` + cert + `}`, "shards": `[{name: s0, dsn: "root@tcp(h:1)/?tls=true"}]`},
			func(c *Config) bool {
				want, err := os.ReadFile(cert)
				return err == nil && string(c.Backend.TLSCA) == string(want)
			}},
		{"timeouts", map[string]string{"frontend": `{idle_timeout: 0s, query_timeout: 1500ms}`},
			func(c *Config) bool {
				return c.Frontend.IdleTimeout.Duration == 0 && c.Frontend.QueryTimeout.Duration == 1500*time.Millisecond
			}},
		{"max_packet_size with unit", map[string]string{"frontend": `{max_packet_size: 16MB}`},
			func(c *Config) bool { return c.Frontend.MaxPacketSize == 16<<20 }},
		{"max_packet_size bytes", map[string]string{"frontend": `{max_packet_size: 4096}`},
			func(c *Config) bool { return c.Frontend.MaxPacketSize == 4096 }},
		{"slow_query", map[string]string{"log": `{slow_query: 1s}`},
			func(c *Config) bool { return c.Log.SlowQuery.Duration == time.Second }},
		{"user schemas and limit", map[string]string{"users": `[{name: a, password: x, schemas: [SHOP], max_connections: 3}]`},
			func(c *Config) bool {
				u := c.User("a")
				return u.CanUse("shop") && !u.CanUse("crm") && u.MaxConnections == 3
			}},
		{"shard tls", map[string]string{"shards": `[{name: s0, dsn: "root@tcp(h:1)/?tls=skip-verify"}, {name: s1, dsn: "root@tcp(h:2)/?tls=true"}]`},
			func(c *Config) bool {
				return c.Shard("s0").Params["tls"] == ShardTLSSkipVerify && c.Shard("s1").Params["tls"] == ShardTLSVerify
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(configWith(tt.over)))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Errorf("unexpected config: frontend %+v log %+v users %+v", cfg.Frontend, cfg.Log, cfg.Users)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    Size
		wantErr bool
	}{
		{"0", 0, false},
		{"1024", 1024, false},
		{"1K", 1 << 10, false},
		{"512KB", 512 << 10, false},
		{"2KiB", 2 << 10, false},
		{"64MB", 64 << 20, false},
		{"64m", 64 << 20, false},
		{" 16 MiB ", 16 << 20, false},
		{"1GB", 1 << 30, false},
		{"100B", 100, false},
		{"", 0, true},
		{"MB", 0, true},
		{"-1", 0, true},
		{"1.5MB", 0, true},
		{"1TB", 0, true},
		{"9999999999999GB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, z := range []Size{0, 100, 1 << 10, 3 << 20, 1 << 30, 1500} {
		back, err := ParseSize(z.String())
		if err != nil || back != z {
			t.Errorf("%d -> %q -> %d, %v", z, z.String(), back, err)
		}
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	base := map[string]string{
		"users": `[{name: app, password: a}, {name: old, password: o}, {name: lim, password: l}]`,
	}
	with := func(over map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name        string
		over        map[string]string
		wantLive    []string // substrings, in order
		wantRestart []string
	}{
		{"nothing", nil, nil, nil},
		{"users", map[string]string{"users": `[{name: app, password: b, schemas: [shop]}, {name: new, password: n}, {name: lim, password: l, max_connections: 2}]`},
			[]string{"users: added new; removed old; changed app (password, schemas), lim (max_connections)"}, nil},
		{"user privileges", map[string]string{"users": `[{name: app, password: a, admin: true}, {name: old, password: o, file_access: true}, {name: lim, password: l, read_only: true}]`},
			[]string{"users: changed app (admin), old (file_access), lim (read_only)"}, nil},
		{"auto_increment", map[string]string{"auto_increment": `{block_size: 10}`}, nil, []string{"auto_increment"}},
		{"frontend limits", map[string]string{"frontend": `{max_connections: 5, idle_timeout: 1m, query_timeout: 2s, max_packet_size: 1MB}`},
			[]string{"frontend.max_connections 1000 -> 5", "frontend.idle_timeout 8h0m0s -> 1m0s", "frontend.query_timeout 0s -> 2s", "frontend.max_packet_size 64MB -> 1MB"}, nil},
		{"tls", map[string]string{"frontend": `{tls: {cert_file: ` + cert + `, key_file: ` + key + `, require: true}}`},
			[]string{"frontend.tls.require false -> true", "frontend.tls certificate"}, nil},
		{"tls off", map[string]string{"frontend": `{tls: {self_signed: false}}`},
			[]string{"frontend.tls.self_signed true -> false"}, nil},
		{"login_throttle", map[string]string{"frontend": `{login_throttle: {max_failures: 3, window: 10s, block_for: 1m, max_hosts: 50}}`},
			[]string{"frontend.login_throttle.max_failures 10 -> 3", "frontend.login_throttle.window 1m0s -> 10s", "frontend.login_throttle.block_for 5m0s -> 1m0s", "frontend.login_throttle.max_hosts 10000 -> 50"}, nil},
		{"backend tls_ca_file", map[string]string{"backend": `{tls_ca_file: ` + cert + `}`, "shards": `[{name: s0, dsn: "root@tcp(127.0.0.1:3310)/?tls=true"}, {name: s1, dsn: "root@tcp(127.0.0.1:3311)/"}]`},
			nil, []string{"shards", "backend"}},
		{"log", map[string]string{"log": `{level: debug, format: json, slow_query: 1s}`},
			[]string{"log.level info -> debug", "log.slow_query 0s -> 1s"}, []string{"log.format"}},
		{"restart only", map[string]string{
			"listen":      `127.0.0.1:4000`,
			"shards":      `[{name: s0, dsn: "root@tcp(127.0.0.1:3310)/"}, {name: s1, dsn: "root@tcp(127.0.0.1:3312)/"}]`,
			"schemas":     `[{name: shop, default_shard: s1}]`,
			"coordinator": `{recover_every: 5s}`,
			"backend":     `{max_open: 8, max_idle: 4}`,
		}, nil, []string{"listen", "shards", "schemas", "coordinator", "backend"}},
	}
	old, err := Parse([]byte(configWith(base)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, err := Parse([]byte(configWith(with(tt.over))))
			if err != nil {
				t.Fatal(err)
			}
			ch := Compare(old, cur)
			if len(ch.Live) != len(tt.wantLive) || len(ch.Restart) != len(tt.wantRestart) {
				t.Fatalf("Compare = %+v, want live %v restart %v", ch, tt.wantLive, tt.wantRestart)
			}
			for i, w := range tt.wantLive {
				if !strings.Contains(ch.Live[i], w) {
					t.Errorf("live[%d] = %q, want %q", i, ch.Live[i], w)
				}
			}
			if !slices.Equal(ch.Restart, tt.wantRestart) {
				t.Errorf("restart = %v, want %v", ch.Restart, tt.wantRestart)
			}
			if ch.Empty() != (len(tt.wantLive)+len(tt.wantRestart) == 0) {
				t.Errorf("Empty() = %v", ch.Empty())
			}
			for _, l := range ch.Live {
				if strings.Contains(l, "-> b") || strings.Contains(l, " a ") {
					t.Errorf("a password leaked into %q", l)
				}
			}
		})
	}
}
