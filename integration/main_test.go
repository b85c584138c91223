// Package integration runs xaproxy end to end: real MariaDB shards, the real
// proxy binary, and clients that talk to it the way applications do
// (go-sql-driver/mysql) or byte by byte (go-mysql's client and raw TCP).
//
// Every top-level test starts its own MariaDB and proxy (see startFixture)
// and shares them between its subtests where isolation allows.
package integration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	gmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-sql-driver/mysql"
	perrors "github.com/pingcap/errors"
	"github.com/xaproxy/xaproxy/integration/harness"
)

var env *harness.Env

func TestMain(m *testing.M) {
	env = harness.NewEnv()
	os.Exit(env.Run(m))
}

const (
	appUser   = "app"
	appPass   = "app-secret"
	otherUser = "other" // a second mysql_native_password user
	otherPass = "other-secret"
)

// mode is how go-sql-driver sends statements with arguments: server-side
// prepared statements (the driver's default, binary protocol) or
// client-side interpolation (COM_QUERY, text protocol).
type mode struct {
	name   string
	params string // DSN parameters
}

var modes = []mode{
	{name: "prepared", params: ""},
	{name: "interpolated", params: "interpolateParams=true"},
}

// fixture is one MariaDB shard s0 holding the databases shop and crm, and a
// proxy serving the schemas shop and crm, both with default shard s0.
type fixture struct {
	s0 *harness.MariaDB
	p  *harness.Proxy
}

type fixtureOpts struct {
	mariaArgs []string          // extra mariadbd arguments
	extra     string            // raw YAML appended to the proxy config
	users     map[string]string // nil: app and other
}

const schemasYAML = `
  - name: shop
    default_shard: s0
  - name: crm
    default_shard: s0
`

func startFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	s0 := env.StartMariaDB(t, "s0", o.mariaArgs...)
	s0.CreateDatabase(t, "shop", "crm")
	users := o.users
	if users == nil {
		users = map[string]string{appUser: appPass, otherUser: otherPass}
	}
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards:  []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}},
		Schemas: schemasYAML,
		Users:   users,
		Extra:   o.extra,
	})
	return &fixture{s0: s0, p: p}
}

// db opens a pool of app connections to the proxy on database dbName.
func (f *fixture) db(t *testing.T, dbName, params string) *sql.DB {
	t.Helper()
	return f.p.DB(t, appUser, appPass, dbName, params)
}

// shard opens a root pool directly on s0 (bypassing the proxy).
func (f *fixture) shard(t *testing.T, dbName string) *sql.DB {
	t.Helper()
	return f.s0.DB(t, dbName)
}

// directTwin creates database direct on s0 and runs setup both through
// the proxy (schema shop) and there, so that a script can be compared on
// the two.
func (f *fixture) directTwin(t *testing.T, direct string, setup ...string) {
	t.Helper()
	f.s0.CreateDatabase(t, direct)
	for _, q := range setup {
		mustExec(t, f.db(t, "shop", ""), q)
		mustExec(t, f.shard(t, direct), q)
	}
}

// assertAlive checks that the proxy process runs and serves a brand new
// client connection.
func (f *fixture) assertAlive(t *testing.T) {
	t.Helper()
	if !f.p.Running() {
		t.Fatalf("proxy process is not running (exit state %v)", f.p.ExitState())
	}
	db, err := sql.Open("mysql", f.p.DSN(appUser, appPass, "shop", "timeout=5s"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("a new client connection cannot run SELECT 1 through the proxy: %v (got %d)", err, one)
	}
}

// rawClient logs in with go-mysql's client, which exposes the proxy's
// connection id and lets tests write raw packets.
func (f *fixture) rawClient(t *testing.T, user, pass, dbName string) *gomysql.Conn {
	t.Helper()
	c, err := gomysql.ConnectWithTimeout(f.p.Addr(), user, pass, dbName, 5*time.Second)
	if err != nil {
		t.Fatalf("go-mysql client login as %s: %v", user, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

type querier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func mustExec(t *testing.T, e execer, q string, args ...any) sql.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := e.ExecContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
	return r
}

func queryInt(t *testing.T, q querier, query string, args ...any) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int64
	if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return n
}

func queryString(t *testing.T, q querier, query string, args ...any) sql.NullString {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var s sql.NullString
	if err := q.QueryRowContext(ctx, query, args...).Scan(&s); err != nil {
		t.Fatalf("%s %v: %v", query, args, err)
	}
	return s
}

func queryStrings(t *testing.T, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: scan: %v", query, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// wantMySQLError checks that err is a server error packet with the given
// code and, if state is not empty, SQLSTATE.
func wantMySQLError(t *testing.T, err error, code uint16, state string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want MySQL error %d", code)
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		t.Fatalf("got %T %v, want MySQL error %d", err, err, code)
	}
	if me.Number != code {
		t.Fatalf("got MySQL error %d (%s) %q, want %d", me.Number, me.SQLState[:], me.Message, code)
	}
	if state != "" && string(me.SQLState[:]) != state {
		t.Fatalf("error %d has SQLSTATE %q, want %q (message %q)", me.Number, me.SQLState[:], state, me.Message)
	}
}

// sameMySQLError checks that the proxy's answer perr and MariaDB's derr
// to what are the same MySQL error: code, SQLSTATE and message.
func sameMySQLError(t *testing.T, what string, perr, derr error) {
	t.Helper()
	var pe, de *mysql.MySQLError
	if !errors.As(perr, &pe) || !errors.As(derr, &de) {
		t.Errorf("%s: proxy %v, MariaDB %v: want MySQL errors from both", what, perr, derr)
		return
	}
	if *pe != *de {
		t.Errorf("%s: proxy %d %s %q, MariaDB %d %s %q", what, pe.Number, pe.SQLState[:], pe.Message, de.Number, de.SQLState[:], de.Message)
	}
}

// wantUnsupported checks that each query is refused with 1235 (SQLSTATE
// 42000), at once or in place of its rows, naming every query that is
// not; with args each runs prepared.
func wantUnsupported(ctx context.Context, t *testing.T, db *sql.DB, args []any, queries ...string) {
	t.Helper()
	for _, q := range queries {
		rows, err := db.QueryContext(ctx, q, args...)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err == nil {
			t.Errorf("%s: no error, want MySQL error 1235", q)
			continue
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1235 || string(me.SQLState[:]) != "42000" {
			t.Errorf("%s: %v, want MySQL error 1235 (42000)", q, err)
		}
	}
}

// mysqlErrNumber returns the code of a server error packet, 0 otherwise.
func mysqlErrNumber(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

func tableName(base string, m mode) string {
	return base + "_" + strings.ReplaceAll(m.name, "-", "_")
}

func joinParams(ps ...string) string {
	var kept []string
	for _, p := range ps {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// goMySQLErrCode returns the code of an error packet received by go-mysql's
// client (0 if err is not one).
func goMySQLErrCode(err error) uint16 {
	if err == nil {
		return 0
	}
	var me *gmysql.MyError
	if errors.As(err, &me) {
		return me.Code
	}
	if me, ok := perrors.Cause(err).(*gmysql.MyError); ok {
		return me.Code
	}
	return 0
}

// shardNames are the shards of startShards, in order.
var shardNames = []string{"s0", "s1", "s2"}

// startShards starts n shards (s0, s1, ...), each with the database shop,
// and a proxy serving shop over them with the given schemas YAML.
func startShards(t *testing.T, n int, schemas string) ([]*harness.MariaDB, *harness.Proxy) {
	t.Helper()
	return startShardsEtcd(t, n, schemas, nil)
}

// startShardsEtcd is startShards with the proxy's coordinator on the given
// etcd endpoints (nil: the harness's default).
func startShardsEtcd(t *testing.T, n int, schemas string, etcd []string) ([]*harness.MariaDB, *harness.Proxy) {
	t.Helper()
	return startShardsConfig(t, n, harness.ProxyConfig{Schemas: schemas, EtcdEndpoints: etcd})
}

// startShardsConfig is startShards with the proxy configured by cfg, whose
// shards and users it fills in.
func startShardsConfig(t *testing.T, n int, cfg harness.ProxyConfig) ([]*harness.MariaDB, *harness.Proxy) {
	t.Helper()
	var shards []*harness.MariaDB
	var specs []harness.ShardSpec
	for _, name := range shardNames[:n] {
		m := env.StartMariaDB(t, name)
		m.CreateDatabase(t, "shop")
		shards = append(shards, m)
		specs = append(specs, harness.ShardSpec{Name: name, DSN: m.DSN("")})
	}
	cfg.Shards, cfg.Users = specs, map[string]string{appUser: appPass}
	return shards, env.StartProxy(t, cfg)
}

// startThreeShards is startShards with three shards and a reference
// MariaDB, with the database shop, that holds all the rows.
func startThreeShards(t *testing.T, schemas string) (shards []*harness.MariaDB, ref *harness.MariaDB, p *harness.Proxy) {
	t.Helper()
	ref = env.StartMariaDB(t, "ref")
	ref.CreateDatabase(t, "shop")
	shards, p = startShards(t, 3, schemas)
	return shards, ref, p
}
