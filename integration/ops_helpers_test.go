package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// opsCA is a certificate authority made for one test, and a server
// certificate it signed for 127.0.0.1 and localhost.
type opsCA struct {
	pool              *x509.CertPool
	certFile, keyFile string // the server's, PEM
	caFile            string
	serverName        string
}

// newOpsCA generates a CA and a server certificate signed by it, written
// to t.TempDir().
func newOpsCA(t *testing.T) *opsCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "xaproxy test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "xaproxy"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := &opsCA{
		pool:       x509.NewCertPool(),
		certFile:   filepath.Join(dir, "server.pem"),
		keyFile:    filepath.Join(dir, "server.key"),
		caFile:     filepath.Join(dir, "ca.pem"),
		serverName: "127.0.0.1",
	}
	ca.pool.AddCert(caCert)
	write := func(path, typ string, der []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(ca.certFile, "CERTIFICATE", srvDER)
	write(ca.keyFile, "PRIVATE KEY", keyDER)
	write(ca.caFile, "CERTIFICATE", caDER)
	return ca
}

// clientTLS is what a client trusting only the test CA uses.
func (ca *opsCA) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: ca.pool, ServerName: ca.serverName, MinVersion: tls.VersionTLS12}
}

// opsFixture is one MariaDB shard s0 with the databases shop and crm
// (schemas like startFixture's) and a proxy whose users and extra YAML
// the test chooses.
type opsFixture struct {
	s0 *harness.MariaDB
	p  *harness.Proxy
	// cfg is what the proxy was started with, for rewrites before SIGHUP.
	cfg harness.OpsProxyConfig
}

func startOpsFixture(t *testing.T, users, extra string) *opsFixture {
	t.Helper()
	s0 := env.StartMariaDB(t, "s0")
	s0.CreateDatabase(t, "shop", "crm")
	cfg := harness.OpsProxyConfig{
		ProxyConfig: harness.ProxyConfig{
			Shards:  []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}},
			Schemas: schemasYAML,
			Extra:   extra,
		},
		UsersYAML: users,
	}
	return &opsFixture{s0: s0, p: env.StartOpsProxy(t, cfg), cfg: cfg}
}

// open opens a go-sql-driver pool to the proxy (closed at cleanup).
func (f *opsFixture) open(t *testing.T, user, pass, db, params string) *sql.DB {
	t.Helper()
	return f.p.DB(t, user, pass, db, joinParams("timeout=5s", params))
}

// adminGet fetches a path of the proxy's admin port.
func adminGet(t *testing.T, p *harness.Proxy, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(p.AdminURL() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// waitUntil polls cond every 50 ms for up to d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// outputLines returns the proxy's log lines containing every one of subs.
func outputLines(p *harness.Proxy, subs ...string) []string {
	var out []string
	for _, l := range strings.Split(p.Output(), "\n") {
		ok := true
		for _, s := range subs {
			if !strings.Contains(l, s) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}
