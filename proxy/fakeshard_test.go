package proxy

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
	"github.com/xaproxy/xaproxy/xa"
)

// fakeEnv is a real proxy Server whose shards are in-process fakes
// (internal/fakeshard) and whose clients connect over net.Pipe: session
// logic runs unchanged, and every statement each shard connection
// received can be asserted on.
type fakeEnv struct {
	srv    *Server
	shards map[string]*fakeshard.Shard
	ctx    context.Context
}

// fakeConfig has two shards. shop.ranged puts id < 100 on s0 and the
// rest on s1, so a test picks its shard by the key.
const fakeConfig = `listen: 127.0.0.1:0
users: [{name: app, password: app-pw}]
shards: [{name: s0, dsn: "root@tcp(fake-s0:3306)/"}, {name: s1, dsn: "root@tcp(fake-s1:3306)/"}]
schemas:
  - name: shop
    default_shard: s0
    tables:
      - {name: ranged, shard_key: id, algorithm: range, ranges: [{shard: s0, below: 100}, {shard: s1}]}
backend: {max_open: 4, connect_timeout: 2s, wait_timeout: 2s}
`

func newFakeEnv(t testing.TB) *fakeEnv {
	t.Helper()
	return newFakeEnvWith(t, fakeConfig)
}

// newFakeEnvWith is newFakeEnv with another configuration (shards s0, s1).
func newFakeEnvWith(t testing.TB, config string) *fakeEnv {
	t.Helper()
	cfg, err := conf.Parse([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	e := &fakeEnv{shards: map[string]*fakeshard.Shard{}}
	for _, sh := range cfg.Shards {
		f := fakeshard.New(sh.Name)
		scriptCatalog(f)
		e.shards[sh.Name] = f
	}
	dial := backend.DialFunc(func(ctx context.Context, tg backend.Target) (net.Conn, error) {
		return e.shards[tg.Shard].Dial(ctx)
	})
	reg := prometheus.NewRegistry()
	gen, err := xa.NewGenerator(xa.DeploymentTag("test"), "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.ctx = ctx
	dlog := xa.NewMemLog()
	// Registered, as cmd/xaproxy does, so that commits across shards may
	// take a decision.
	if err := dlog.Register(ctx, xa.Incarnation(gen.Instance(), gen.Epoch())); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.srv, err = newServer(cfg, log, NewMetrics(reg), XA{Log: dlog, Generator: gen, Metrics: xa.NewMetrics(reg)}, dial)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		e.srv.Shutdown(sctx)
		for _, f := range e.shards {
			f.Close()
		}
	})
	return e
}

// connect opens a client session over net.Pipe, in schema shop.
func (e *fakeEnv) connect(t testing.TB) *client.Conn {
	t.Helper()
	cl, sv := net.Pipe()
	e.srv.wg.Add(1)
	go func() {
		defer e.srv.wg.Done()
		e.srv.serveConn(e.ctx, sv)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.ConnectWithDialer(ctx, "", "pipe", "app", "app-pw", "shop", func(context.Context, string, string) (net.Conn, error) {
		return cl, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// exec runs statements through the proxy, failing the test on an error.
func exec(t *testing.T, c *client.Conn, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := c.Execute(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// idle tells whether every connection opened to every shard is back in
// its pool (none checked out by a session).
func (e *fakeEnv) idle() bool {
	for _, p := range e.srv.pools {
		if open, idle := p.Stats(); open != idle {
			return false
		}
	}
	return true
}

// queries is what connection id of shard received, statement texts as
// sent (a multi-statement query is one string).
func (e *fakeEnv) queries(shard string, id uint32) []string {
	return e.shards[shard].Queries(id)
}

// clientQueries drops what the proxy sends on its own to bring a
// connection to the session's state (the character set replay), keeping
// the statements the test is about.
func clientQueries(qs []string) []string {
	var out []string
	for _, q := range qs {
		if strings.HasPrefix(q, "SET @@session.character_set_client") || isCatalogRead(q) {
			continue
		}
		out = append(out, q)
	}
	return out
}

// isCatalogRead tells the proxy's reads of table definitions (catalog.go)
// from what a client's statements sent.
func isCatalogRead(q string) bool {
	for _, tmpl := range []string{catalog.QuerySchemas, catalog.QueryTables, catalog.QueryColumns, catalog.QueryKeys, catalog.QuerySQLMode} {
		if strings.HasPrefix(q, catalogPrefix(tmpl)) {
			return true
		}
	}
	return false
}

// catalogPrefix is the text of a catalog query before its schema list.
func catalogPrefix(tmpl string) string {
	p, _, _ := strings.Cut(tmpl, "%") // %s, or %[1]s where the list comes twice
	return p
}

// scriptCatalog makes a fake shard answer the proxy's catalog reads with
// fakeConfig's one table, ranged (id INT PRIMARY KEY, v VARCHAR(10)).
func scriptCatalog(f *fakeshard.Shard) {
	f.On(catalogPrefix(catalog.QuerySchemas), fakeshard.Rows([]string{"SCHEMA_NAME"}, []any{"shop"}))
	f.On(catalogPrefix(catalog.QueryTables), fakeshard.Rows([]string{"TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE"}, []any{"shop", "ranged", "BASE TABLE"}))
	f.On(catalogPrefix(catalog.QueryColumns), fakeshard.Rows(
		[]string{"TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "COLUMN_TYPE", "IS_NULLABLE", "COLUMN_DEFAULT", "EXTRA"},
		[]any{"shop", "ranged", "id", "1", "int(11)", "NO", nil, ""},
		[]any{"shop", "ranged", "v", "2", "varchar(10)", "YES", "NULL", ""}))
	f.On(catalogPrefix(catalog.QueryKeys), fakeshard.Rows([]string{"TABLE_SCHEMA", "TABLE_NAME", "INDEX_NAME", "SEQ_IN_INDEX", "COLUMN_NAME"},
		[]any{"shop", "ranged", "PRIMARY", "1", "id"}))
}
