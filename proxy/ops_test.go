package proxy

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/packet"
	perrors "github.com/pingcap/errors"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/sharding"
	"github.com/xaproxy/xaproxy/xa"
)

func TestParseAdmin(t *testing.T) {
	tests := []struct {
		sql     string
		ok      bool
		kind    adminKind
		schema  string
		table   string
		value   sharding.Value
		wantErr string
	}{
		{sql: "SHOW SHARD RULES", ok: true, kind: adminRules},
		{sql: "  show shard rules ; ", ok: true, kind: adminRules},
		{sql: "/* tool */ SHOW\n\tSHARD RULES", ok: true, kind: adminRules},
		{sql: "SHOW SHARD FOR orders 42", ok: true, kind: adminFor, table: "orders", value: sharding.IntValue(42)},
		{sql: "show shard for shop.orders -7;", ok: true, kind: adminFor, schema: "shop", table: "orders", value: sharding.IntValue(-7)},
		{sql: "SHOW SHARD FOR `shop`.`my``t` 'it''s'", ok: true, kind: adminFor, schema: "shop", table: "my`t", value: sharding.StringValue("it's")},
		{sql: `SHOW SHARD FOR t "a\"b\\c"`, ok: true, kind: adminFor, table: "t", value: sharding.StringValue(`a"b\c`)},
		{sql: "SHOW SHARD FOR t 18446744073709551615", ok: true, kind: adminFor, table: "t", value: sharding.UintValue(18446744073709551615)},
		{sql: "SHOW SHARD FOR t 99999999999999999999999", ok: true, kind: adminFor, table: "t", value: sharding.NumberValue("99999999999999999999999")},
		{sql: "SHOW SHARD FOR t 5.50", ok: true, kind: adminFor, table: "t", value: sharding.NumberValue("5.50")},
		{sql: "SHOW SHARD FOR t 1e3", ok: true, kind: adminFor, table: "t", value: sharding.FloatValue(1000)},
		{sql: "SHOW SHARD FOR t null", ok: true, kind: adminFor, table: "t", value: sharding.NullValue()},
		{sql: "SHOW SHARD FOR t", ok: true, kind: adminBad, wantErr: "missing the shard key value"},
		{sql: "SHOW SHARD FOR t abc", ok: true, kind: adminBad, wantErr: "not a number"},
		{sql: "SHOW SHARD FOR t 'abc", ok: true, kind: adminBad, wantErr: "unterminated"},
		{sql: "SHOW SHARD FOR t 'a' 'b'", ok: true, kind: adminBad, wantErr: "unexpected text"},
		{sql: "SHOW SHARD FOR 5", ok: true, kind: adminBad, wantErr: ""},
		{sql: "SHOW SHARD RULES now", ok: true, kind: adminBad, wantErr: "unexpected text"},
		{sql: "SHOW SHARD STATUS", ok: true, kind: adminBad, wantErr: "unknown SHOW SHARD"},
		{sql: "SHOW SHARDS", ok: false},
		{sql: "SHOW TABLES", ok: false},
		{sql: "SELECT 'SHOW SHARD RULES'", ok: false},
		{sql: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			a, ok := parseAdmin(tt.sql)
			if ok != tt.ok {
				t.Fatalf("recognised = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if a.kind != tt.kind {
				t.Fatalf("kind = %v (%s), want %v", a.kind, a.err, tt.kind)
			}
			if tt.kind == adminBad {
				if !strings.Contains(a.err, tt.wantErr) {
					t.Errorf("err = %q, want %q", a.err, tt.wantErr)
				}
				return
			}
			if a.schema != tt.schema || a.table != tt.table || a.value != tt.value {
				t.Errorf("got %q.%q %v, want %q.%q %v", a.schema, a.table, a.value, tt.schema, tt.table, tt.value)
			}
		})
	}
}

func TestTruncateSQL(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"SELECT 1", 100, "SELECT 1"},
		{"SELECT 1", 6, "SELECT..."},
		{"héé", 2, "h..."}, // never cuts a character in half
		{"héé", 3, "hé..."},
	}
	for _, tt := range tests {
		if got := truncateSQL(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateSQL(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestRouteName(t *testing.T) {
	tests := []struct {
		ex   router.Exec
		want string
	}{
		{router.Exec{Op: router.ExecSingle}, "single"},
		{router.Exec{Op: router.ExecRewritten}, "single"},
		{router.Exec{Op: router.ExecMerge}, "merge"},
		{router.Exec{Op: router.ExecShowTables}, "merge"},
		{router.Exec{Op: router.ExecWrite}, "scatter"},
		{router.Exec{Op: router.ExecReturning}, "scatter"},
		{router.Exec{Op: router.ExecReturning, Copies: true}, "broadcast_write"},
		{router.Exec{Op: router.ExecCopies, Copies: true}, "broadcast_write"},
		{router.Exec{Op: router.ExecDDL}, "ddl"},
	}
	for _, tt := range tests {
		if got := routeName(&tt.ex); got != tt.want {
			t.Errorf("routeName(%+v) = %q, want %q", tt.ex, got, tt.want)
		}
	}
}

func TestStmtType(t *testing.T) {
	p := router.NewParser()
	tests := []struct{ sql, want string }{
		{"SELECT 1", "select"},
		{"SELECT a FROM t UNION SELECT b FROM u", "select"},
		{"INSERT INTO t VALUES (1)", "insert"},
		{"REPLACE INTO t VALUES (1)", "replace"},
		{"UPDATE t SET a = 1", "update"},
		{"DELETE FROM t", "delete"},
		{"CREATE TABLE t (a INT)", "ddl"},
		{"SHOW TABLES", "show"},
		{"SHOW DATABASES", "show"},
		{"BEGIN", "transaction"},
		{"COMMIT", "transaction"},
		{"SET @a = 1", "set"},
		{"USE shop", "use"},
		{"SHOW XA STATUS", "admin"},
		{"SELEKT nonsense", "unparsed"},
		{"DO 1", "other"},
	}
	for _, tt := range tests {
		st, err := p.Parse(tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if got := stmtType(st); got != tt.want {
			t.Errorf("stmtType(%q) = %q, want %q", tt.sql, got, tt.want)
		}
	}
}

// A packet is collected up to the limit; past it the writer refuses.
func TestLimitedPacket(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		max    int64
		wantOK bool
	}{
		{"small", 100, 1024, true},
		{"exactly the limit", 1024, 1024, true},
		{"one byte over", 1025, 1024, false},
		{"far over", 200 << 10, 64 << 10, false},
		{"several 16 MB chunks", 16<<20 + 10, 32 << 20, true},
		{"several chunks, over", 16<<20 + 10, 16 << 20, false},
		// A payload of a multiple of 0xffffff ends with an empty chunk.
		{"exactly 0xffffff", mysql.MaxPayloadLen, 32 << 20, true},
		{"exactly twice 0xffffff", 2 * mysql.MaxPayloadLen, 64 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			payload := bytes.Repeat([]byte{'x'}, tt.size)
			go func() {
				w := packet.NewConn(b)
				_ = w.WritePacket(append(make([]byte, 4), payload...))
				// The reader may stop early: unblock the writer.
				b.Close()
			}()
			r := packet.NewConn(a)
			p := limitedPacket{max: tt.max}
			err := r.ReadPacketTo(&p)
			if tt.wantOK {
				if err != nil || !bytes.Equal(p.b, payload) {
					t.Fatalf("err %v, got %d bytes, want %d", err, len(p.b), tt.size)
				}
				// The answer's numbering continues after the last chunk.
				if want := tt.size/mysql.MaxPayloadLen + 1; int(r.Sequence) != want {
					t.Fatalf("sequence %d after the packet, want %d", r.Sequence, want)
				}
				return
			}
			if err == nil || !p.over {
				t.Fatalf("packet of %d bytes with max %d: err %v, over %v", tt.size, tt.max, err, p.over)
			}
			if int64(len(p.b)) > tt.max {
				t.Errorf("kept %d bytes, more than the limit %d", len(p.b), tt.max)
			}
		})
	}
}

// writeTestCert writes a self-signed certificate for localhost and
// 127.0.0.1 and returns the files and a pool trusting it.
func writeTestCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// opsConfig is a configuration whose shards are never reached: everything
// tested here is answered by the proxy itself.
func opsConfig(t *testing.T, users, frontend string) *conf.Config {
	t.Helper()
	src := `listen: 127.0.0.1:0
users: ` + users + `
shards: [{name: s0, dsn: "root@tcp(127.0.0.1:1)/"}, {name: s1, dsn: "root@tcp(127.0.0.1:2)/"}]
schemas:
  - name: shop
    default_shard: s0
    tables:
      - {name: orders, shard_key: user_id, algorithm: hash}
      - {name: countries, broadcast: true}
      - {name: ranged, shard_key: id, algorithm: range, ranges: [{shard: s0, below: 100}, {shard: s1}]}
  - {name: crm, default_shard: s1}
backend: {connect_timeout: 1s, wait_timeout: 1s}
frontend: ` + frontend + "\n"
	cfg, err := conf.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startOps serves cfg on a loopback port.
func startOps(t *testing.T, cfg *conf.Config) (*Server, string) {
	t.Helper()
	return startOpsLog(t, cfg, io.Discard)
}

// startOpsLog is startOps with the server's log written to w.
func startOpsLog(t *testing.T, cfg *conf.Config, w io.Writer) (*Server, string) {
	t.Helper()
	reg := prometheus.NewRegistry()
	gen, err := xa.NewGenerator(xa.DeploymentTag("test"), "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(w, nil))
	srv, err := New(cfg, log, NewMetrics(reg), XA{Log: xa.NewMemLog(), Generator: gen, Metrics: xa.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterPoolMetrics(reg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		srv.Shutdown(sctx)
		_ = ln.Close()
		<-done
	})
	return srv, ln.Addr().String()
}

func connect(addr, user, pass, db string, tlsConfig *tls.Config) (*client.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return client.ConnectWithContext(ctx, addr, user, pass, db, 5*time.Second, func(c *client.Conn) error {
		if tlsConfig != nil {
			c.SetTLSConfig(tlsConfig)
		}
		return nil
	})
}

func errCode(err error) uint16 {
	var me *mysql.MyError
	if errors.As(err, &me) {
		return me.Code
	}
	if me, ok := perrors.Cause(err).(*mysql.MyError); ok {
		return me.Code
	}
	return 0
}

func column(t *testing.T, c *client.Conn, query string, col int) []string {
	t.Helper()
	r, err := c.Execute(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var out []string
	for i := range r.Values {
		s, _ := r.GetString(i, col)
		out = append(out, s)
	}
	return out
}

func TestLoginAndSchemaAccess(t *testing.T) {
	certFile, keyFile, pool := writeTestCert(t)
	cfg := opsConfig(t, `[{name: app, password: app-pw}, {name: shopper, password: s-pw, schemas: [shop]}]`,
		`{tls: {cert_file: `+certFile+`, key_file: `+keyFile+`}}`)
	_, addr := startOps(t, cfg)
	tlsCfg := &tls.Config{RootCAs: pool, ServerName: "localhost"}

	logins := []struct {
		name           string
		user, pass, db string
		tls            bool
		want           uint16
	}{
		{"plain", "app", "app-pw", "shop", false, 0},
		{"tls", "app", "app-pw", "crm", true, 0},
		{"wrong password", "app", "nope", "", false, mysql.ER_ACCESS_DENIED_ERROR},
		{"unknown database", "app", "app-pw", "nosuch", false, mysql.ER_BAD_DB_ERROR},
		{"wrong password beats unknown database", "app", "nope", "nosuch", false, mysql.ER_ACCESS_DENIED_ERROR},
		{"granted schema", "shopper", "s-pw", "shop", false, 0},
		{"schema not granted", "shopper", "s-pw", "crm", false, mysql.ER_DBACCESS_DENIED_ERROR},
		{"unknown schema, restricted user", "shopper", "s-pw", "nosuch", false, mysql.ER_DBACCESS_DENIED_ERROR},
		{"information_schema, restricted user", "shopper", "s-pw", "information_schema", false, 0},
	}
	for _, tt := range logins {
		t.Run(tt.name, func(t *testing.T) {
			var tc *tls.Config
			if tt.tls {
				tc = tlsCfg
			}
			c, err := connect(addr, tt.user, tt.pass, tt.db, tc)
			if got := errCode(err); got != tt.want || (tt.want == 0 && err != nil) {
				t.Fatalf("login: %v (code %d), want code %d", err, got, tt.want)
			}
			if c != nil {
				c.Close()
			}
		})
	}

	c, err := connect(addr, "shopper", "s-pw", "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := column(t, c, "SHOW DATABASES", 0); !slices.Equal(got, []string{"information_schema", "shop"}) {
		t.Errorf("SHOW DATABASES for shopper = %v", got)
	}
	if got := column(t, c, "SHOW SHARD RULES", 0); slices.Contains(got, "crm") || !slices.Contains(got, "shop") {
		t.Errorf("SHOW SHARD RULES schemas for shopper = %v", got)
	}
	denied := []struct {
		name string
		run  func() error
	}{
		{"USE", func() error { _, err := c.Execute("USE crm"); return err }},
		{"COM_INIT_DB", func() error { return c.UseDB("crm") }},
		{"qualified table", func() error { _, err := c.Execute("SELECT * FROM crm.customers"); return err }},
		{"qualified table in a join", func() error {
			_, err := c.Execute("SELECT * FROM orders o JOIN crm.customers c ON c.id = o.user_id")
			return err
		}},
		{"SHOW TABLES FROM", func() error { _, err := c.Execute("SHOW TABLES FROM crm"); return err }},
		{"DROP DATABASE", func() error { _, err := c.Execute("DROP DATABASE crm"); return err }},
		{"SHOW SHARD FOR", func() error { _, err := c.Execute("SHOW SHARD FOR crm.t 1"); return err }},
		{"prepared", func() error { _, err := c.Prepare("SELECT * FROM crm.customers WHERE id = ?"); return err }},
		{"SHOW CREATE FUNCTION of another schema", func() error { _, err := c.Execute("SHOW CREATE FUNCTION crm.f"); return err }},
		{"CALL of another schema's procedure", func() error { _, err := c.Execute("CALL crm.p()"); return err }},
		{"another schema's function", func() error { _, err := c.Execute("SELECT crm.f()"); return err }},
	}
	// A routine's body runs as the backend account, which may reach other
	// schemas: a restricted user may not define one.
	for _, q := range []string{
		"CREATE FUNCTION leak() RETURNS TEXT RETURN (SELECT GROUP_CONCAT(name) FROM crm.customers)",
		"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.id = 1",
		"CREATE PROCEDURE p() SELECT 1",
		"DROP FUNCTION IF EXISTS f",
	} {
		if _, err := c.Execute(q); errCode(err) != mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR {
			t.Errorf("%s as a restricted user: %v, want 1227", q, err)
		}
	}
	for _, tt := range denied {
		t.Run("denied "+tt.name, func(t *testing.T) {
			if code := errCode(tt.run()); code != mysql.ER_DBACCESS_DENIED_ERROR {
				t.Fatalf("got code %d, want 1044", code)
			}
		})
	}
	// The session goes on in its own schema.
	if got := column(t, c, "SHOW SHARD FOR t 1", 0); len(got) != 1 || got[0] != "shop" {
		t.Errorf("current database after refusals = %v", got)
	}
}

func TestRequireTLS(t *testing.T) {
	certFile, keyFile, pool := writeTestCert(t)
	cfg := opsConfig(t, `[{name: app, password: app-pw}]`, `{tls: {cert_file: `+certFile+`, key_file: `+keyFile+`, require: true}}`)
	_, addr := startOps(t, cfg)
	_, err := connect(addr, "app", "app-pw", "shop", nil)
	if code := errCode(err); code != erSecureTransportRequired {
		t.Fatalf("plain login under require: %v, want 3159", err)
	}
	var me *mysql.MyError
	if errors.As(perrors.Cause(err), &me) && (me.State != "HY000" || !strings.Contains(me.Message, "frontend.tls.require")) {
		t.Errorf("error %q state %s", me.Message, me.State)
	}
	c, err := connect(addr, "app", "app-pw", "shop", &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS login: %v", err)
	}
	c.Close()
}

func TestConnectionLimitsAndReload(t *testing.T) {
	base := `[{name: app, password: app-pw}, {name: lim, password: l-pw, max_connections: 1}, {name: old, password: o-pw}]`
	cfg := opsConfig(t, base, `{max_connections: 3}`)
	srv, addr := startOps(t, cfg)

	first, err := connect(addr, "lim", "l-pw", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := connect(addr, "lim", "l-pw", "", nil); errCode(err) != mysql.ER_TOO_MANY_USER_CONNECTIONS {
		t.Fatalf("second session of lim: %v, want 1203", err)
	}
	other, err := connect(addr, "app", "app-pw", "shop", nil)
	if err != nil {
		t.Fatalf("another user is not limited by lim's limit: %v", err)
	}
	defer other.Close()
	first.Close()
	waitFor(t, "lim's slot to be freed", func() bool {
		c, err := connect(addr, "lim", "l-pw", "", nil)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})

	// Total limit: 3 with app's session, two more fill it.
	var held []*client.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	waitFor(t, "two more sessions", func() bool {
		c, err := connect(addr, "app", "app-pw", "", nil)
		if err != nil {
			return false
		}
		held = append(held, c)
		return len(held) == 2
	})
	if _, err := connect(addr, "app", "app-pw", "", nil); errCode(err) != mysql.ER_CON_COUNT_ERROR {
		t.Fatalf("fourth session: %v, want 1040", err)
	}

	// Reload: a new user, old removed, the total limit raised.
	cfg2 := opsConfig(t, `[{name: app, password: app-pw}, {name: lim, password: l-pw, max_connections: 1}, {name: new, password: n-pw}]`, `{max_connections: 10}`)
	ch := srv.Reload(cfg2)
	if len(ch.Live) != 2 || !strings.Contains(ch.Live[0], "added new; removed old") || !strings.Contains(ch.Live[1], "frontend.max_connections 3 -> 10") || len(ch.Restart) != 0 {
		t.Errorf("Reload changes = %+v", ch)
	}
	c, err := connect(addr, "new", "n-pw", "shop", nil)
	if err != nil {
		t.Fatalf("user added by reload: %v", err)
	}
	c.Close()
	if _, err := connect(addr, "old", "o-pw", "", nil); errCode(err) != mysql.ER_ACCESS_DENIED_ERROR {
		t.Fatalf("user removed by reload: %v, want 1045", err)
	}
	// Sessions opened before the reload keep working.
	if got := column(t, other, "SHOW SHARD FOR t 1", 0); len(got) != 1 || got[0] != "shop" {
		t.Errorf("old session after reload: %v", got)
	}
	// Restart-only changes are reported, not applied.
	cfg3 := opsConfig(t, `[{name: app, password: app-pw}]`, `{max_connections: 10}`)
	cfg3.Listen = "127.0.0.1:1234"
	if ch := srv.Reload(cfg3); !slices.Equal(ch.Restart, []string{"listen"}) {
		t.Errorf("restart list = %v", ch.Restart)
	}
}

func TestIdleTimeoutAndPacketSize(t *testing.T) {
	cfg := opsConfig(t, `[{name: app, password: app-pw}]`, `{idle_timeout: 300ms, max_packet_size: 1KB}`)
	srv, addr := startOps(t, cfg)

	c, err := connect(addr, "app", "app-pw", "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Execute("SHOW DATABASES"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	if _, err := c.Execute("SHOW DATABASES"); err == nil {
		t.Fatal("a session idle longer than frontend.idle_timeout still answers")
	}
	waitFor(t, "the idle session to be gone", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.sessions) == 0
	})

	c2, err := connect(addr, "app", "app-pw", "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	big := "SELECT '" + strings.Repeat("x", 5000) + "'"
	if _, err := c2.Execute(big); errCode(err) != mysql.ER_NET_PACKET_TOO_LARGE {
		t.Fatalf("a 5 KB query with max_packet_size 1KB: %v, want 1153", err)
	}
}

func TestShowShardFor(t *testing.T) {
	cfg := opsConfig(t, `[{name: app, password: app-pw}]`, `{}`)
	srv, addr := startOps(t, cfg)
	c, err := connect(addr, "app", "app-pw", "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	orders := srv.router.Rules().Schema("shop").Table("orders")
	locate := func(v sharding.Value) string {
		k, err := orders.Normalize(v)
		if err != nil {
			t.Fatal(err)
		}
		s, err := orders.Locate(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		query string
		want  []string // shard column
		code  uint16
	}{
		{"SHOW SHARD FOR orders 1", []string{locate(sharding.IntValue(1))}, 0},
		{"SHOW SHARD FOR shop.orders '1'", []string{locate(sharding.IntValue(1))}, 0}, // same key whatever its spelling
		{"SHOW SHARD FOR orders 'abc'", []string{locate(sharding.StringValue("ABC"))}, 0},
		{"SHOW SHARD FOR ranged 99", []string{"s0"}, 0},
		{"SHOW SHARD FOR ranged 100", []string{"s1"}, 0},
		{"SHOW SHARD FOR countries 1", []string{"s0", "s1"}, 0},
		{"SHOW SHARD FOR customers 1", []string{"s0"}, 0},
		{"SHOW SHARD FOR crm.anything 'x'", []string{"s1"}, 0},
		{"SHOW SHARD FOR ranged 'abc'", nil, mysql.ER_WRONG_ARGUMENTS},
		{"SHOW SHARD FOR nosuch.t 1", nil, mysql.ER_BAD_DB_ERROR},
		{"SHOW SHARD FOR orders", nil, mysql.ER_PARSE_ERROR},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r, err := c.Execute(tt.query)
			if tt.code != 0 {
				if errCode(err) != tt.code {
					t.Fatalf("got %v, want code %d", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range r.Values {
				s, _ := r.GetString(i, 5)
				got = append(got, s)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("shards = %v, want %v", got, tt.want)
			}
		})
	}
	rules := column(t, c, "SHOW SHARD RULES", 1)
	if !slices.Equal(rules, []string{"*", "*", "countries", "orders", "ranged"}) {
		t.Errorf("SHOW SHARD RULES tables = %v", rules)
	}
	ranges := column(t, c, "SHOW SHARD RULES", 6)
	if !slices.Contains(ranges, "s0<100,s1") {
		t.Errorf("SHOW SHARD RULES ranges = %v", ranges)
	}
	if _, err := c.Prepare("SHOW SHARD RULES"); errCode(err) != mysql.ER_UNSUPPORTED_PS {
		t.Errorf("prepared SHOW SHARD RULES: %v, want 1295", err)
	}
}

func TestAdminEndpoints(t *testing.T) {
	cfg := opsConfig(t, `[{name: app, password: app-pw}]`, `{}`)
	srv, addr := startOps(t, cfg)
	h := srv.AdminHandler(prometheus.NewRegistry())
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d before recovery, want 200 (liveness)", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "recovery") {
		t.Errorf("/readyz before recovery = %d %q, want 503", code, body)
	}
	// The shards are unreachable: the pass completes with errors, which
	// does not keep the proxy from serving the other shards.
	rep, err := srv.RecoverOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 2 {
		t.Errorf("recovery errors = %v, want one per unreachable shard", rep.Errors)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz after recovery = %d, want 200", code)
	}

	c, err := connect(addr, "app", "app-pw", "shop", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The session is listed once its goroutine registered it, which may be
	// just after the client saw the handshake's OK.
	var code int
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if code, body = get("/"); strings.Contains(body, "<td>app</td>") || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{`<meta http-equiv="refresh" content="5">`, "<td>s0</td>", "127.0.0.1:1", "<td>app</td>", "<td>shop</td>", "In-doubt transactions"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if code != 200 {
		t.Errorf("status page: %d", code)
	}
	if code, _ := get("/nosuch"); code != 404 {
		t.Errorf("/nosuch = %d, want 404", code)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTimeoutError(t *testing.T) {
	srv := &Server{}
	srv.live.Store(&settings{queryTimeout: time.Second})
	tests := []struct {
		timedOut bool
		code     uint16
		want     uint16
	}{
		{false, mysql.ER_QUERY_INTERRUPTED, mysql.ER_QUERY_INTERRUPTED}, // a client's KILL QUERY stays 1317
		{true, mysql.ER_QUERY_INTERRUPTED, erQueryTimeout},
		{true, erStatementTimeout, erQueryTimeout},
		{true, mysql.ER_LOCK_DEADLOCK, mysql.ER_LOCK_DEADLOCK}, // other errors are the shard's
		{true, mysql.ER_DUP_ENTRY, mysql.ER_DUP_ENTRY},
	}
	for _, tt := range tests {
		s := &Session{srv: srv}
		s.timedOut.Store(tt.timedOut)
		got := s.timeoutError(mysql.NewError(tt.code, "x"))
		if got.Code != tt.want {
			t.Errorf("timedOut=%v code %d: got %d, want %d", tt.timedOut, tt.code, got.Code, tt.want)
		}
		if got.Code == erQueryTimeout && (got.State != "HY000" || !strings.Contains(got.Message, "maximum statement execution time exceeded (xaproxy frontend.query_timeout=1s)")) {
			t.Errorf("3024 = %+v", got)
		}
	}
}

func TestLimitedPacketNeverGrowsPastTheLimit(t *testing.T) {
	p := limitedPacket{max: 100_000}
	piece := bytes.Repeat([]byte{'y'}, 16<<10)
	for {
		if _, err := p.Write(piece); err != nil {
			break
		}
	}
	if !p.over || cap(p.b) > 100_000 || len(p.b) != 6*(16<<10) {
		t.Errorf("over %v, len %d, cap %d", p.over, len(p.b), cap(p.b))
	}
}

// A KILL QUERY that reaches the shard before its thread starts the
// statement is dropped (MariaDB 10.11): the query timeout sends it again
// while the statement still runs, so that the timeout cannot be lost.
func TestQueryTimeoutSendsTheKillAgain(t *testing.T) {
	e := newFakeEnvWith(t, strings.Replace(oneShardConfig, "backend:", "frontend: {query_timeout: 100ms}\nbackend:", 1))
	released := make(chan struct{})
	var kills atomic.Int32
	e.shards["s0"].OnFunc("KILL QUERY", func(uint32, string) fakeshard.Answer {
		if kills.Add(1) == 2 { // the first one is lost
			close(released)
		}
		return fakeshard.OK()
	})
	e.shards["s0"].OnFunc("SELECT SLEEP", func(uint32, string) fakeshard.Answer {
		select {
		case <-released:
			return fakeshard.Error(mysql.ER_QUERY_INTERRUPTED, "Query execution was interrupted")
		case <-time.After(5 * time.Second):
			return fakeshard.Rows([]string{"SLEEP(10)"}, []any{int64(0)})
		}
	})
	c := e.connect(t)
	start := time.Now()
	_, err := c.Execute("SELECT SLEEP(10)")
	var me *mysql.MyError
	if !errors.As(err, &me) || me.Code != erQueryTimeout {
		t.Fatalf("after %s: %v, want 3024 (KILL QUERY sent %d times)", time.Since(start), err, kills.Load())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("3024 after %s, want about %s", d, 100*time.Millisecond+killRetry)
	}
	if n := kills.Load(); n != 2 {
		t.Errorf("KILL QUERY sent %d times, want 2 (once more after the lost one)", n)
	}
}

// A KILL QUERY that failed (its reply lost, the shard overloaded) may
// still reach the shard later: the connection it aimed at is closed, not
// returned to the pool for another session's statement.
func TestQueryTimeoutDropsTheConnectionOfAFailedKill(t *testing.T) {
	e := newFakeEnvWith(t, strings.Replace(oneShardConfig, "backend:", "frontend: {query_timeout: 100ms}\nbackend:", 1))
	e.shards["s0"].On("KILL QUERY", fakeshard.Error(mysql.ER_UNKNOWN_ERROR, "lost"))
	e.shards["s0"].OnFunc("SELECT SLEEP", func(uint32, string) fakeshard.Answer {
		time.Sleep(300 * time.Millisecond)
		return fakeshard.Rows([]string{"SLEEP(1)"}, []any{int64(0)})
	})
	c := e.connect(t)
	if _, err := c.Execute("SELECT SLEEP(1)"); err == nil {
		t.Fatal("SELECT SLEEP(1) past the query timeout answered, want 3024")
	}
	ids := e.usedBy("s0", "SELECT SLEEP")
	if len(ids) != 1 {
		t.Fatalf("SELECT SLEEP ran on %d connections, want 1", len(ids))
	}
	deadline := time.Now().Add(2 * time.Second)
	for !e.shards["s0"].Closed(ids[0]) {
		if time.Now().After(deadline) {
			t.Fatal("the connection a failed KILL QUERY aimed at is still open (back in the pool)")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A KILL QUERY that no connection could carry (the pool full) never
// reaches the shard: the connection it aimed at stays usable (a
// transaction's branch or a pin would otherwise be lost with it).
func TestQueryTimeoutKeepsTheConnectionOfAnUnsentKill(t *testing.T) {
	cfg := strings.Replace(oneShardConfig, "backend:", "frontend: {query_timeout: 100ms}\nbackend:", 1)
	cfg = strings.Replace(cfg, "max_open: 4, connect_timeout: 2s, wait_timeout: 2s", "max_open: 1, connect_timeout: 2s, wait_timeout: 200ms", 1)
	e := newFakeEnvWith(t, cfg)
	e.shards["s0"].OnFunc("SELECT SLEEP", func(uint32, string) fakeshard.Answer {
		time.Sleep(400 * time.Millisecond)
		return fakeshard.Rows([]string{"SLEEP(1)"}, []any{int64(0)})
	})
	e.shards["s0"].On("SELECT 1", fakeshard.Rows([]string{"1"}, []any{int64(1)}))
	c := e.connect(t)
	c.Execute("SELECT SLEEP(1)") // the KILL waits for the one connection, in vain
	if got := e.usedBy("s0", "KILL QUERY"); len(got) != 0 {
		t.Fatalf("KILL QUERY reached the shard on %v, want no connection free for it", got)
	}
	ids := e.usedBy("s0", "SELECT SLEEP")
	if len(ids) != 1 {
		t.Fatalf("SELECT SLEEP ran on %d connections, want 1", len(ids))
	}
	if _, err := c.Execute("SELECT 1"); err != nil {
		t.Fatalf("the next statement: %v", err)
	}
	if e.shards["s0"].Closed(ids[0]) {
		t.Error("the connection an unsent KILL QUERY aimed at was closed")
	}
}
