package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/router"
)

// The Ssl_% status variables describe the client's TLS session with the
// server it talks to, which through xaproxy is the proxy: a shard's would
// describe the proxy's backend connection. MariaDB 10.11 lists 23 of them
// (checked on a server with and without --ssl-cert, for TLS and plain
// clients; GLOBAL and SESSION show the same values, computed from the
// asking connection). The proxy answers them all from its own TLS:
//
//   - per connection: Ssl_cipher and Ssl_version (OpenSSL names,
//     tlsnames.go), Ssl_cipher_list (the suites the frontend accepts),
//     Ssl_server_not_before/after (the certificate presented, printed as
//     OpenSSL's ASN1_TIME_print), Ssl_sessions_reused (a resumed session),
//     Ssl_verify_mode and Ssl_verify_depth, Ssl_default_timeout; '' or 0
//     for a plain client, as MariaDB;
//   - for the listener: Ssl_ctx_verify_mode/depth, Ssl_accepts and
//     Ssl_finished_accepts (TLS handshakes begun and completed since
//     start), the session cache and renegotiation counters.
//
// Where crypto/tls differs from MariaDB's OpenSSL setup the values say
// what the proxy does: it requests no client certificate (verify mode 0,
// where MariaDB requests one: 5), keeps no server-side session cache
// (mode NONE: resumption is by session tickets), and its tickets are
// valid 7 days (Ssl_default_timeout 604800, where OpenSSL says 7200).

// sslStatusNames are the variables in MariaDB's order (strcasecmp).
var sslStatusNames = []string{
	"Ssl_accept_renegotiates", "Ssl_accepts", "Ssl_callback_cache_hits", "Ssl_cipher", "Ssl_cipher_list",
	"Ssl_client_connects", "Ssl_connect_renegotiates", "Ssl_ctx_verify_depth", "Ssl_ctx_verify_mode",
	"Ssl_default_timeout", "Ssl_finished_accepts", "Ssl_finished_connects", "Ssl_server_not_after",
	"Ssl_server_not_before", "Ssl_session_cache_hits", "Ssl_session_cache_misses", "Ssl_session_cache_mode",
	"Ssl_session_cache_overflows", "Ssl_session_cache_size", "Ssl_session_cache_timeouts",
	"Ssl_sessions_reused", "Ssl_used_session_cache_entries", "Ssl_verify_depth", "Ssl_verify_mode", "Ssl_version",
}

// isSslStatus tells whether a status variable's name is one of them.
func isSslStatus(name string) bool {
	for _, n := range sslStatusNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// verifyDepthUnlimited is OpenSSL's default depth (-1) as MariaDB prints
// it: crypto/tls sets no limit either.
const verifyDepthUnlimited = "18446744073709551615"

// sessionTicketLifetime is how long crypto/tls accepts its session
// tickets, in seconds.
const sessionTicketLifetime = 7 * 24 * 3600

// tlsFacts is what the proxy knows of a client's TLS and its own.
type tlsFacts struct {
	served bool                 // the frontend serves TLS
	state  *tls.ConnectionState // the client's session; nil: plain
	cert   *x509.Certificate    // the certificate presented to the client
	// accepts and finished count the frontend's TLS handshakes.
	accepts, finished uint64
}

// tlsCounters count the frontend's TLS handshakes (Ssl_accepts,
// Ssl_finished_accepts), across reloads.
type tlsCounters struct{ accepts, finished atomic.Uint64 }

// hook makes cfg count its handshakes: one that received a ClientHello,
// one that got as far as verifying the connection (just before its
// Finished messages).
func (t *tlsCounters) hook(cfg *tls.Config) {
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		t.accepts.Add(1)
		return nil, nil
	}
	cfg.VerifyConnection = func(tls.ConnectionState) error {
		t.finished.Add(1)
		return nil
	}
}

// sslStatus is the value of each variable, by lower-case name.
func sslStatus(f tlsFacts) map[string]string {
	v := map[string]string{}
	for _, n := range sslStatusNames {
		v[strings.ToLower(n)] = "0"
	}
	for _, n := range []string{"ssl_cipher", "ssl_cipher_list", "ssl_server_not_after", "ssl_server_not_before", "ssl_version"} {
		v[n] = ""
	}
	v["ssl_session_cache_mode"] = "NONE"
	v["ssl_accepts"] = strconv.FormatUint(f.accepts, 10)
	v["ssl_finished_accepts"] = strconv.FormatUint(f.finished, 10)
	if f.served {
		v["ssl_ctx_verify_depth"] = verifyDepthUnlimited
	}
	if s := f.state; s != nil {
		v["ssl_cipher"] = opensslCipherName(s.CipherSuite)
		v["ssl_cipher_list"] = frontendCipherList()
		v["ssl_version"] = tlsVersionName(s.Version)
		v["ssl_verify_depth"] = verifyDepthUnlimited
		v["ssl_default_timeout"] = strconv.Itoa(sessionTicketLifetime)
		if s.DidResume {
			v["ssl_sessions_reused"] = "1"
		}
		if f.cert != nil {
			v["ssl_server_not_before"] = asn1TimeText(f.cert.NotBefore)
			v["ssl_server_not_after"] = asn1TimeText(f.cert.NotAfter)
		}
	}
	return v
}

// asn1TimeText prints a time as OpenSSL's ASN1_TIME_print: "Jan  4
// 03:13:39 2027 GMT".
func asn1TimeText(t time.Time) string {
	return t.UTC().Format("Jan _2 15:04:05 2006") + " GMT"
}

// keptRows are those of rows whose names the filter query answered.
func keptRows(rows []router.StatusRow, names [][]mysql.FieldValue) []router.StatusRow {
	kept := map[string]bool{}
	for _, r := range names {
		if len(r) > 0 {
			kept[strings.ToLower(string(r[0].AsString()))] = true
		}
	}
	var out []router.StatusRow
	for _, r := range rows {
		if kept[strings.ToLower(r.Name)] {
			out = append(out, r)
		}
	}
	return out
}

// mergeStatus replaces the Ssl_% rows of a shard's SHOW STATUS result
// (sorted by name, case-insensitively, as MariaDB lists them) with own:
// where the shard's were, or where they sort when the shard kept none.
func mergeStatus(shard []engine.Row, own []router.StatusRow) []engine.Row {
	out := make([]engine.Row, 0, len(shard)+len(own))
	at := -1
	for _, r := range shard {
		name := string(r[0])
		if isSslStatus(name) {
			if at < 0 {
				at = len(out)
			}
			continue
		}
		out = append(out, r)
	}
	if at < 0 {
		at = len(out)
		for i, r := range out {
			if strings.ToLower(string(r[0])) > "ssl_" {
				at = i
				break
			}
		}
	}
	mine := make([]engine.Row, len(own))
	for i, r := range own {
		mine[i] = engine.Row{[]byte(r.Name), []byte(r.Value)}
	}
	return append(out[:at], append(mine, out[at:]...)...)
}
