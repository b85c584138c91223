package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

func TestOpensslCipherNames(t *testing.T) {
	// Every suite crypto/tls implements has its OpenSSL name.
	for _, c := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if _, ok := opensslCipherNames[c.ID]; !ok {
			t.Errorf("%s has no OpenSSL name", c.Name)
		}
	}
	// As `openssl ciphers -stdname` pairs them.
	for _, tc := range []struct {
		id   uint16
		want string
	}{
		{tls.TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384"},
		{tls.TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256"},
		{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256"},
		{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305"},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256"},
		{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384"},
		{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA"},
	} {
		if got := opensslCipherName(tc.id); got != tc.want {
			t.Errorf("%s: %q, want %q", tls.CipherSuiteName(tc.id), got, tc.want)
		}
	}
}

func TestTLSVersionName(t *testing.T) {
	for v, want := range map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3", tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1"} {
		if got := tlsVersionName(v); got != want {
			t.Errorf("%x: %q, want %q", v, got, want)
		}
	}
}

func TestFrontendCipherList(t *testing.T) {
	got := frontendCipherList()
	if !strings.HasPrefix(got, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:") ||
		!strings.HasSuffix(got, ":ECDHE-RSA-AES256-SHA") || strings.Count(got, ":") != 12 {
		t.Errorf("cipher list %q", got)
	}
}

func TestASN1TimeText(t *testing.T) {
	// As MariaDB prints Ssl_server_not_after.
	for in, want := range map[time.Time]string{
		time.Date(2027, 1, 4, 3, 13, 39, 0, time.UTC):                      "Jan  4 03:13:39 2027 GMT",
		time.Date(2026, 12, 15, 3, 13, 39, 0, time.FixedZone("X", 2*3600)): "Dec 15 01:13:39 2026 GMT",
	} {
		if got := asn1TimeText(in); got != want {
			t.Errorf("%v: %q, want %q", in, got, want)
		}
	}
}

func TestSSLStatus(t *testing.T) {
	cert := &x509.Certificate{NotBefore: time.Date(2026, 12, 5, 3, 13, 39, 0, time.UTC), NotAfter: time.Date(2027, 1, 4, 3, 13, 39, 0, time.UTC)}
	tests := []struct {
		name string
		f    tlsFacts
		want map[string]string
	}{
		{"TLS off", tlsFacts{}, map[string]string{
			"ssl_cipher": "", "ssl_cipher_list": "", "ssl_version": "", "ssl_ctx_verify_depth": "0", "ssl_verify_depth": "0",
			"ssl_default_timeout": "0", "ssl_server_not_after": "", "ssl_session_cache_mode": "NONE", "ssl_accepts": "0",
		}},
		{"plain client", tlsFacts{served: true, cert: cert, accepts: 3, finished: 2}, map[string]string{
			"ssl_cipher": "", "ssl_version": "", "ssl_ctx_verify_depth": verifyDepthUnlimited, "ssl_verify_depth": "0",
			"ssl_verify_mode": "0", "ssl_server_not_before": "", "ssl_accepts": "3", "ssl_finished_accepts": "2",
		}},
		{"TLS 1.2 client", tlsFacts{served: true, cert: cert, state: &tls.ConnectionState{Version: tls.VersionTLS12, CipherSuite: tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, DidResume: true}}, map[string]string{
			"ssl_cipher": "ECDHE-RSA-AES256-GCM-SHA384", "ssl_version": "TLSv1.2", "ssl_verify_depth": verifyDepthUnlimited,
			"ssl_server_not_before": "Dec  5 03:13:39 2026 GMT", "ssl_server_not_after": "Jan  4 03:13:39 2027 GMT",
			"ssl_sessions_reused": "1", "ssl_default_timeout": "604800", "ssl_cipher_list": frontendCipherList(),
		}},
		{"TLS 1.3 client", tlsFacts{served: true, cert: cert, state: &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_256_GCM_SHA384}}, map[string]string{
			"ssl_cipher": "TLS_AES_256_GCM_SHA384", "ssl_version": "TLSv1.3", "ssl_sessions_reused": "0", "ssl_verify_mode": "0",
		}},
	}
	for _, tc := range tests {
		got := sslStatus(tc.f)
		if len(got) != len(sslStatusNames) {
			t.Errorf("%s: %d variables, want %d", tc.name, len(got), len(sslStatusNames))
		}
		for k, want := range tc.want {
			if got[k] != want {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k], want)
			}
		}
	}
}

func TestSSLStatusNamesSorted(t *testing.T) {
	// MariaDB lists status variables by strcasecmp.
	if len(sslStatusNames) != 25 {
		t.Errorf("%d names", len(sslStatusNames))
	}
	for i := 1; i < len(sslStatusNames); i++ {
		if strings.ToLower(sslStatusNames[i-1]) >= strings.ToLower(sslStatusNames[i]) {
			t.Errorf("%s before %s", sslStatusNames[i-1], sslStatusNames[i])
		}
	}
}

func TestMergeStatus(t *testing.T) {
	row := func(n, v string) engine.Row { return engine.Row{[]byte(n), []byte(v)} }
	own := []router.StatusRow{{Name: "Ssl_cipher", Value: "X"}, {Name: "Ssl_version", Value: "TLSv1.3"}}
	show := func(rows []engine.Row) string {
		var s []string
		for _, r := range rows {
			s = append(s, string(r[0])+"="+string(r[1]))
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		shard []engine.Row
		want  string
	}{
		{[]engine.Row{row("Sort_scan", "0"), row("Ssl_accepts", "4"), row("Ssl_cipher", ""), row("Ssl_version", ""), row("Subquery_cache_hit", "0")},
			"Sort_scan=0 Ssl_cipher=X Ssl_version=TLSv1.3 Subquery_cache_hit=0"},
		{[]engine.Row{row("Sort_scan", "0"), row("Subquery_cache_hit", "0")}, "Sort_scan=0 Ssl_cipher=X Ssl_version=TLSv1.3 Subquery_cache_hit=0"},
		{[]engine.Row{row("Aborted_clients", "0")}, "Aborted_clients=0 Ssl_cipher=X Ssl_version=TLSv1.3"},
		{nil, "Ssl_cipher=X Ssl_version=TLSv1.3"},
	}
	for _, tc := range tests {
		if got := show(mergeStatus(tc.shard, own)); got != tc.want {
			t.Errorf("%s\nwant %s", got, tc.want)
		}
	}
}
