package integration

import (
	"crypto/tls"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The Ssl_% status variables and @@have_ssl describe the client's TLS
// session with the proxy, not the proxy's connection to the shard (which
// here is plain): the negotiated cipher by its OpenSSL name, the version,
// the dates of the proxy's certificate; empty for a plain client, as MariaDB.
// Rows, names and column definitions are otherwise the shard's.
func TestSslStatus(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `- {name: app, password: app-secret}`, "")
	ctx := testCtx(t, 2*time.Minute)

	var (
		mu   sync.Mutex
		seen = map[string]tls.ConnectionState{}
	)
	register := func(key string, cfg *tls.Config) string {
		name := fmt.Sprintf("xaproxy-sslstatus-%s-%d", key, time.Now().UnixNano())
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			mu.Lock()
			defer mu.Unlock()
			seen[key] = cs
			return nil
		}
		if err := mysql.RegisterTLSConfig(name, cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mysql.DeregisterTLSConfig(name) })
		return name
	}
	tls13 := f.open(t, appUser, appPass, "shop", "tls="+register("13", &tls.Config{}))
	tls12 := f.open(t, appUser, appPass, "shop", "tls="+register("12", &tls.Config{MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}))
	plain := f.open(t, appUser, appPass, "shop", "")
	for _, db := range []*sql.DB{tls13, tls12, plain} {
		db.SetMaxOpenConns(1)
		if err := db.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
	}
	status := func(db *sql.DB, q string) map[string]string {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		m := map[string]string{}
		for rows.Next() {
			var n, v string
			if err := rows.Scan(&n, &v); err != nil {
				t.Fatal(err)
			}
			m[n] = v
		}
		return m
	}
	mu.Lock()
	cs13, cs12 := seen["13"], seen["12"]
	mu.Unlock()
	cert := cs13.PeerCertificates[0]
	dates := func(ts time.Time) string { return ts.UTC().Format("Jan _2 15:04:05 2006") + " GMT" }

	got13 := status(tls13, "SHOW SESSION STATUS LIKE 'Ssl%'")
	want13 := map[string]string{
		"Ssl_cipher": tls.CipherSuiteName(cs13.CipherSuite), "Ssl_version": "TLSv1.3",
		"Ssl_server_not_before": dates(cert.NotBefore), "Ssl_server_not_after": dates(cert.NotAfter),
		"Ssl_verify_depth": "18446744073709551615", "Ssl_ctx_verify_depth": "18446744073709551615",
		"Ssl_default_timeout": "604800", "Ssl_sessions_reused": "0",
	}
	if !strings.HasPrefix(want13["Ssl_cipher"], "TLS_") {
		t.Fatalf("TLS 1.3 client negotiated %s", want13["Ssl_cipher"])
	}
	checkStatus(t, "TLS 1.3", got13, want13)
	if !strings.Contains(got13["Ssl_cipher_list"], want13["Ssl_cipher"]+":") {
		t.Errorf("Ssl_cipher_list %q lacks the cipher in use", got13["Ssl_cipher_list"])
	}
	if cs12.Version != tls.VersionTLS12 {
		t.Fatalf("TLS 1.2 client negotiated %x", cs12.Version)
	}
	checkStatus(t, "TLS 1.2", status(tls12, "SHOW GLOBAL STATUS LIKE 'ssl_%'"), map[string]string{
		"Ssl_cipher": "ECDHE-ECDSA-AES256-GCM-SHA384", "Ssl_version": "TLSv1.2",
	})
	checkStatus(t, "plain", status(plain, "SHOW STATUS LIKE 'Ssl%'"), map[string]string{
		"Ssl_cipher": "", "Ssl_version": "", "Ssl_cipher_list": "", "Ssl_server_not_after": "", "Ssl_verify_depth": "0",
		"Ssl_default_timeout": "0", "Ssl_ctx_verify_depth": "18446744073709551615",
	})

	// The same variables as MariaDB 10.11 lists, in its order.
	direct := f.s0.DB(t, "shop")
	names := func(db *sql.DB, q string) string {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n, v string
			if err := rows.Scan(&n, &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	for _, q := range []string{"SHOW STATUS LIKE 'Ssl%'", "SHOW STATUS LIKE 'S%'", "SHOW STATUS WHERE Variable_name LIKE 'ss%' OR Variable_name LIKE 'Sort%'"} {
		if got, want := names(tls13, q), names(direct, q); got != want {
			t.Errorf("%s: names\n%s\nwant\n%s", q, got, want)
		}
	}
	if n, m := len(strings.Split(names(tls13, "SHOW STATUS"), ",")), len(strings.Split(names(direct, "SHOW STATUS"), ",")); n != m {
		t.Errorf("SHOW STATUS: %d rows, the shard %d", n, m)
	}
	// WHERE sees the proxy's values.
	checkStatus(t, "WHERE Value", status(tls13, "SHOW STATUS WHERE Value = 'TLSv1.3'"), map[string]string{"Ssl_version": "TLSv1.3"})
	if got := status(tls13, "SHOW STATUS WHERE Value = 'TLSv1.3' OR Variable_name = 'ssl_cipher'"); len(got) != 2 || got["Ssl_cipher"] != want13["Ssl_cipher"] {
		t.Errorf("WHERE Value OR name: %v", got)
	}
	if got := status(plain, "SHOW STATUS WHERE Value = 'TLSv1.3'"); len(got) != 0 {
		t.Errorf("plain WHERE Value = 'TLSv1.3': %v", got)
	}

	// @@have_ssl: YES, with MariaDB's column definition.
	for _, q := range []string{"SELECT @@have_ssl", "SELECT @@global.have_ssl AS h", "SELECT CONCAT(@@have_ssl, '!')"} {
		if v := queryString(t, tls13, q); strings.TrimSuffix(v.String, "!") != "YES" {
			t.Errorf("%s: %v", q, v)
		}
	}
	sameColumns(t, tls13, direct, "SELECT @@have_ssl", "SELECT @@global.have_ssl AS h, @@have_openssl", "SELECT CONCAT(@@have_ssl, '!')",
		"SHOW STATUS LIKE 'Ssl_cipher'")
	_, errP := tls13.QueryContext(ctx, "SELECT @@session.have_ssl")
	_, errD := direct.QueryContext(ctx, "SELECT @@session.have_ssl")
	if errP == nil || errD == nil || errP.Error() != errD.Error() {
		t.Errorf("@@session.have_ssl: %v, MariaDB %v", errP, errD)
	}
}

func checkStatus(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: %s = %q (listed %v), want %q", what, k, g, ok, v)
		}
	}
}
