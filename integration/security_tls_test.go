package integration

import (
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// TLS with zero configuration: without cert_file and key_file the proxy
// presents a self-signed certificate, whose SHA-256 fingerprint it logs,
// so `mariadb --ssl` and go-sql-driver tls=skip-verify connect encrypted;
// frontend.tls.require still refuses plain clients (3159).
func TestZeroConfigTLS(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, `
		frontend:
		  tls: {require: true}
	`)
	ctx := testCtx(t, time.Minute)

	// The Debian mariadb client: --ssl without a CA, the certificate not
	// verified (the default of 10.11 clients; 11.4 clients need the
	// option spelt out).
	bin := dumpBins(t).client
	out, err := runClientAs(t, bin, nil, f.p.Port(), appUser, appPass, "shop",
		"--ssl", "--skip-ssl-verify-server-cert", "-e", `\s`)
	if err != nil {
		t.Fatalf("mariadb --ssl: %v\n%s%s", err, out.stdout, out.stderr)
	}
	if !regexp.MustCompile(`SSL:\s+Cipher in use is \S+`).Match(out.stdout) {
		t.Errorf("mariadb --ssl status shows no cipher:\n%s", out.stdout)
	}
	// Without --ssl the 10.11 client stays plain, which require refuses.
	out, err = runClientAs(t, bin, nil, f.p.Port(), appUser, appPass, "shop", "-e", "SELECT 1")
	if err == nil || !strings.Contains(string(out.stderr), "3159") {
		t.Errorf("plain mariadb under require: %v\n%s", err, out.stderr)
	}

	// go-sql-driver: the certificate the client saw is the one logged.
	var (
		mu   sync.Mutex
		seen []byte
	)
	name := fmt.Sprintf("xaproxy-zeroconf-%d", time.Now().UnixNano())
	if err := mysql.RegisterTLSConfig(name, &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(cs tls.ConnectionState) error {
		mu.Lock()
		defer mu.Unlock()
		seen = cs.PeerCertificates[0].Raw
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mysql.DeregisterTLSConfig(name) })
	secure := f.open(t, appUser, appPass, "shop", "tls="+name)
	mustExec(t, secure, "CREATE TABLE zc_t (id INT PRIMARY KEY)")
	mustExec(t, secure, "INSERT INTO zc_t VALUES (1)")
	if n := queryInt(t, secure, "SELECT COUNT(*) FROM zc_t"); n != 1 {
		t.Fatalf("read back %d rows", n)
	}
	mu.Lock()
	fp := fingerprint(seen)
	mu.Unlock()
	if lines := outputLines(f.p, "self-signed certificate generated at start", "sha256="+fp); len(lines) != 1 {
		t.Errorf("the log does not show the certificate's fingerprint %s once:\n%s", fp, f.p.Output())
	}
	skip := f.open(t, appUser, appPass, "shop", "tls=skip-verify")
	if err := skip.PingContext(ctx); err != nil {
		t.Errorf("tls=skip-verify: %v", err)
	}
	plain := f.open(t, appUser, appPass, "shop", "")
	wantMySQLError(t, plain.PingContext(ctx), 3159, "HY000")
}

// fingerprint is a certificate's SHA-256 fingerprint as openssl prints it.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// backend.tls_ca_file: a shard whose account requires TLS is reached with
// tls=true, its certificate verified against the CA file; with another CA
// the proxy refuses the shard instead of talking to it.
func TestBackendTLSCA(t *testing.T) {
	t.Parallel()
	ca := newOpsCA(t)
	s0 := env.StartMariaDB(t, "s0", "--ssl-cert="+ca.certFile, "--ssl-key="+ca.keyFile)
	s0.CreateDatabase(t, "shop", "crm")
	s0.Exec(t, "CREATE USER 'xatls'@'%' IDENTIFIED BY 'xatls-pw' REQUIRE SSL", "GRANT ALL ON *.* TO 'xatls'@'%'")
	dsn := fmt.Sprintf("xatls:xatls-pw@tcp(%s)/?tls=true", s0.Addr())
	start := func(caFile string) *harness.Proxy {
		return env.StartOpsProxy(t, harness.OpsProxyConfig{
			ProxyConfig: harness.ProxyConfig{
				Shards:  []harness.ShardSpec{{Name: "s0", DSN: dsn}},
				Schemas: schemasYAML,
				Extra:   fmt.Sprintf("backend: {tls_ca_file: %q, connect_timeout: 2s, wait_timeout: 3s}", caFile),
			},
			UsersYAML: `- {name: app, password: app-secret}`,
		})
	}
	p := start(ca.caFile)
	db := p.DB(t, appUser, appPass, "shop", "timeout=5s")
	mustExec(t, db, "CREATE TABLE ca_t (id INT PRIMARY KEY, v VARCHAR(10))")
	mustExec(t, db, "INSERT INTO ca_t VALUES (1, 'verified')")
	if v := queryString(t, db, "SELECT v FROM ca_t WHERE id = 1"); v.String != "verified" {
		t.Fatalf("read back %v", v)
	}
	if v := queryString(t, s0.DB(t, "shop"), "SELECT v FROM ca_t WHERE id = 1"); v.String != "verified" {
		t.Fatalf("row not on the shard: %v", v)
	}

	other := newOpsCA(t)
	p2 := start(other.caFile)
	db2 := p2.DB(t, appUser, appPass, "shop", "timeout=5s")
	var v sql.NullString
	err := db2.QueryRowContext(testCtx(t, 30*time.Second), "SELECT v FROM ca_t WHERE id = 1").Scan(&v)
	if err == nil {
		t.Fatalf("a shard with a certificate from another CA answered %v", v)
	}
	if !strings.Contains(p2.Output()+err.Error(), "certificate") {
		t.Errorf("the refusal does not name the certificate: %v\n%s", err, p2.Output())
	}
}
