package proxy

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSelfSignedCert(t *testing.T) {
	now := time.Now()
	names := selfSignedNames("proxy-host")
	if want := "proxy-host,localhost,127.0.0.1,::1"; strings.Join(names, ",") != want {
		t.Fatalf("names %v, want %s", names, want)
	}
	cert, err := selfSignedCert(names, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok {
		t.Errorf("key is %T, want ECDSA", cert.PrivateKey)
	}
	leaf := cert.Leaf
	if leaf.Subject.CommonName != "proxy-host" {
		t.Errorf("CN %q", leaf.Subject.CommonName)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	// A client that trusts the certificate (e.g. --ssl-ca with it) can
	// verify every name.
	for _, name := range names {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: pool, CurrentTime: now}); err == nil {
		t.Errorf("verified for a name it does not carry")
	}
	if leaf.NotBefore.After(now) || leaf.NotAfter.Before(now.Add(365*24*time.Hour)) {
		t.Errorf("valid %v to %v", leaf.NotBefore, leaf.NotAfter)
	}
	other, err := selfSignedCert(names, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other.Certificate[0], cert.Certificate[0]) || other.Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
		t.Errorf("two generated certificates are alike")
	}
	if n := selfSignedNames("localhost"); strings.Join(n, ",") != "localhost,127.0.0.1,::1" {
		t.Errorf("names for host localhost: %v", n)
	}
}

func TestCertFingerprint(t *testing.T) {
	der := []byte("not really a certificate")
	sum := sha256.Sum256(der)
	got := certFingerprint(der)
	if len(got) != 32*3-1 || !strings.HasPrefix(got, fmt.Sprintf("%02X:%02X:", sum[0], sum[1])) || strings.ToUpper(got) != got {
		t.Errorf("fingerprint %q", got)
	}
}

// Without cert_file and key_file, a client asking for TLS gets it, with the
// certificate whose fingerprint the log shows; the same one after a
// reload; require refuses plain clients as with a configured certificate;
// self_signed: false turns TLS off.
func TestZeroConfigTLS(t *testing.T) {
	var log syncBuffer
	srv, addr := startOpsLog(t, opsConfig(t, `[{name: app, password: app-pw}]`, `{}`), &log)
	var seen []byte
	tc := &tls.Config{InsecureSkipVerify: true, VerifyConnection: func(cs tls.ConnectionState) error {
		seen = cs.PeerCertificates[0].Raw
		return nil
	}}
	c, err := connect(addr, "app", "app-pw", "", tc)
	if err != nil {
		t.Fatalf("TLS login without a configured certificate: %v", err)
	}
	if _, ok := c.Conn.Conn.(*tls.Conn); !ok {
		t.Errorf("the connection is not TLS")
	}
	c.Close()
	fp := certFingerprint(seen)
	if !strings.Contains(log.String(), "sha256="+fp) {
		t.Errorf("log does not show the fingerprint %s:\n%s", fp, log.String())
	}
	// The key pair verifies: the client trusting the logged certificate
	// connects with verification on.
	leaf, err := x509.ParseCertificate(seen)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		c, err := connect(addr, "app", "app-pw", "", &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("verified TLS to %s: %v", name, err)
		}
		c.Close()
	}

	srv.Reload(opsConfig(t, `[{name: app, password: app-pw}]`, `{tls: {require: true}}`))
	c, err = connect(addr, "app", "app-pw", "", tc)
	if err != nil {
		t.Fatalf("TLS after reload: %v", err)
	}
	c.Close()
	if !bytes.Equal(seen, leaf.Raw) {
		t.Errorf("a reload changed the generated certificate")
	}
	if _, err := connect(addr, "app", "app-pw", "", nil); errCode(err) != erSecureTransportRequired {
		t.Errorf("plain login under require: %v, want 3159", err)
	}
	if n := strings.Count(log.String(), "self-signed certificate generated"); n != 1 {
		t.Errorf("certificate generated %d times, want once", n)
	}

	srv.Reload(opsConfig(t, `[{name: app, password: app-pw}]`, `{tls: {self_signed: false}}`))
	if _, err := connect(addr, "app", "app-pw", "", tc); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("TLS with self_signed: false: %v, want the client's no-TLS error", err)
	}
	c, err = connect(addr, "app", "app-pw", "", nil)
	if err != nil {
		t.Fatalf("plain login with TLS off: %v", err)
	}
	c.Close()
}
