package integration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// charsetClient is one client of the charset matrix: a handshake collation
// (go-sql-driver's collation= sends its id and no SET NAMES), the SET
// statements it runs first, and text in the encoding its connection uses.
type charsetClient struct {
	name      string
	collation string
	setup     []string
	texts     []string
}

// Texts in each client encoding: é and € in UTF-8 and in latin1 (MariaDB's
// latin1 is cp1252: € is 0x80), a 4-byte emoji where utf8mb4 holds it.
const (
	utf8Text   = "caf\u00e9 \u20ac5 \U0001F600"
	latin1Text = "caf\xe9 \x805"
)

var charsetClients = []charsetClient{
	{name: "utf8mb4_general_ci", collation: "utf8mb4_general_ci", texts: []string{utf8Text}},
	{name: "utf8mb4_unicode_ci", collation: "utf8mb4_unicode_ci", texts: []string{utf8Text}},
	// MySQL 8 clients: MariaDB 10.11 does not know 255 and gives the
	// server's defaults; the proxy must give the same.
	{name: "utf8mb4_0900_ai_ci", collation: "utf8mb4_0900_ai_ci", texts: []string{utf8Text}},
	{name: "latin1", collation: "latin1_swedish_ci", texts: []string{latin1Text}},
	{name: "binary", collation: "binary", texts: []string{utf8Text, "\xc3\xa9"}},
	{name: "SET NAMES latin1", collation: "utf8mb4_general_ci", setup: []string{"SET NAMES latin1"}, texts: []string{latin1Text}},
	{name: "SET NAMES COLLATE", collation: "latin1_swedish_ci", setup: []string{"SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"}, texts: []string{utf8Text}},
	{name: "SET CHARACTER SET latin1", collation: "utf8mb4_general_ci", setup: []string{"SET CHARACTER SET latin1"}, texts: []string{latin1Text}},
	{name: "SET character_set_*", collation: "utf8mb4_general_ci", setup: []string{"SET character_set_client = latin1, character_set_results = NULL, collation_connection = latin1_bin"}, texts: []string{latin1Text}},
	// Order: NAMES after results = NULL overrides it.
	{name: "SET results NULL then NAMES", collation: "latin1_swedish_ci", setup: []string{"SET character_set_results = NULL", "SET NAMES utf8mb4"}, texts: []string{utf8Text}},
}

// TestCharsetMatrix: whatever collation a client announces and whatever
// SET it runs, the bytes stored on the shards and the session's character
// set variables are those one MariaDB gives the same client, on fresh
// backend connections (max_idle 0: every statement dials) and on reused
// ones (max_open 1: every session shares one connection per shard, the
// sessions interleaved), for an unsharded and a sharded table, on shards
// whose server default is utf8mb4 and latin1 (where a backend connection
// left to the default stores UTF-8 text double-encoded).
func TestCharsetMatrix(t *testing.T) {
	t.Parallel()
	var summary []string
	for _, server := range []struct {
		name string
		args []string
	}{
		{"utf8mb4", nil},
		{"latin1", []string{"--character-set-server=latin1", "--collation-server=latin1_swedish_ci"}},
	} {
		t.Run("server="+server.name, func(t *testing.T) {
			summary = append(summary, runCharsetMatrix(t, server.name, server.args)...)
		})
	}
	sort.Strings(summary)
	t.Logf("charset matrix (server default, pool, table, client: stored bytes and @@character_set_* through the proxy vs direct):\n%s", strings.Join(summary, "\n"))
}

func runCharsetMatrix(t *testing.T, server string, args []string) []string {
	ctx := testCtx(t, 5*time.Minute)
	s0 := env.StartMariaDB(t, "s0", args...)
	s1 := env.StartMariaDB(t, "s1", args...)
	s0.CreateDatabase(t, "shop", "ref")
	s1.CreateDatabase(t, "shop")
	const table = "(id INT PRIMARY KEY, who VARCHAR(40), v VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, l VARCHAR(100) CHARACTER SET latin1, b VARBINARY(100))"
	for _, q := range []string{"CREATE TABLE shop.ut " + table, "CREATE TABLE shop.st " + table, "CREATE TABLE ref.ut " + table, "CREATE TABLE ref.st " + table} {
		s0.Exec(t, q)
	}
	s1.Exec(t, "CREATE TABLE shop.st "+table)
	shards := map[string]*sql.DB{"s0": s0.DB(t, "shop"), "s1": s1.DB(t, "shop")}
	ref := s0.DB(t, "ref")

	var lines []string
	id := 0 // row ids go on across both proxies: same tables
	for _, pool := range []struct{ name, backend string }{
		{"fresh", "backend: {max_open: 1, max_idle: 0, wait_timeout: 10s}"},
		{"reused", "backend: {max_open: 1, max_idle: 1, wait_timeout: 10s}"},
	} {
		p := env.StartProxy(t, harness.ProxyConfig{
			Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
			Schemas: `
				- name: shop
				  default_shard: s0
				  tables:
				    - {name: st, shard_key: id, algorithm: hash}
			`,
			Users: map[string]string{appUser: appPass},
			Extra: pool.backend,
		})
		// One session per client through the proxy and one directly,
		// opened up front so that their statements interleave on the
		// proxy's single backend connection per shard.
		type pair struct {
			c             charsetClient
			proxy, direct *sql.Conn
			bytesOK       map[string]bool // by table
			varOK         bool
			rows          int
		}
		open := func(dsn string) *sql.Conn { return openConn(t, ctx, dsn) }
		var pairs []*pair
		for _, c := range charsetClients {
			params := "collation=" + c.collation
			pr := &pair{c: c, bytesOK: map[string]bool{"ut": true, "st": true}, varOK: true,
				proxy:  open(p.DSN(appUser, appPass, "shop", params)),
				direct: open(s0.DSN("ref") + "?" + params),
			}
			for _, q := range c.setup {
				mustExec(t, pr.proxy, q)
				mustExec(t, pr.direct, q)
			}
			pairs = append(pairs, pr)
		}
		for round := 0; round < 2; round++ {
			for _, pr := range pairs {
				pv, dv := charsetVars(t, pr.proxy), charsetVars(t, pr.direct)
				if pv != dv {
					pr.varOK = false
					t.Errorf("%s/%s/%s: @@character_set_client, _connection, _results, @@collation_connection through the proxy %s, directly %s", server, pool.name, pr.c.name, pv, dv)
				}
				for _, tbl := range []string{"ut", "st"} {
					for i, text := range pr.c.texts {
						id++
						// A literal (text protocol) and a parameter
						// (binary protocol): both are read in
						// character_set_client.
						q := fmt.Sprintf("INSERT INTO %s (id, who, v, l, b) VALUES (%d, ?, '%s', ?, ?)", tbl, id, text)
						who := fmt.Sprintf("%s %d", pr.c.name, i)
						// latin1 columns hold no emoji (strict mode: 1366).
						ltext := strings.ReplaceAll(text, " \U0001F600", "")
						mustExec(t, pr.proxy, q, who, ltext, text)
						mustExec(t, pr.direct, q, who, ltext, text)
						on := shards
						if tbl == "ut" {
							on = map[string]*sql.DB{"s0": shards["s0"]} // the default shard
						}
						got, want := storedHex(t, ctx, on, tbl, id), storedHex(t, ctx, map[string]*sql.DB{"ref": ref}, tbl, id)
						if got != want {
							pr.bytesOK[tbl] = false
							t.Errorf("%s/%s/%s/%s row %d: stored through the proxy %s, directly %s", server, pool.name, tbl, pr.c.name, id, got, want)
						}
						// What the client reads back is converted to
						// character_set_results the same way.
						rq := fmt.Sprintf("SELECT CONCAT(v, '|', l) FROM %s WHERE id = %d", tbl, id)
						if pg, dg := queryString(t, pr.proxy, rq), queryString(t, pr.direct, rq); pg != dg {
							pr.bytesOK[tbl] = false
							t.Errorf("%s/%s/%s/%s row %d: read back through the proxy %x, directly %x", server, pool.name, tbl, pr.c.name, id, pg.String, dg.String)
						}
						pr.rows++
					}
				}
			}
		}
		for _, pr := range pairs {
			for _, tbl := range []struct{ name, table string }{{"unsharded", "ut"}, {"sharded", "st"}} {
				lines = append(lines, fmt.Sprintf("  server=%-7s pool=%-6s table=%-9s client=%-28s bytes %s, vars %s (%d rows)",
					server, pool.name, tbl.name, pr.c.name, okWord(pr.bytesOK[tbl.table], "equal", "DIFFER"), okWord(pr.varOK, "equal", "DIFFER"), pr.rows/2))
			}
		}
	}
	return lines
}

func okWord(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// charsetVars is the session's character set as the client sees it.
func charsetVars(t *testing.T, c *sql.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var v [4]sql.NullString
	if err := c.QueryRowContext(ctx, "SELECT @@character_set_client, @@character_set_connection, @@character_set_results, @@collation_connection").Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
		t.Fatalf("reading the character set: %v", err)
	}
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = x.String
		if !x.Valid {
			s[i] = "NULL"
		}
	}
	return "[" + strings.Join(s, " ") + "]"
}

// storedHex is the row's bytes on whichever of the servers holds it.
func storedHex(t *testing.T, ctx context.Context, dbs map[string]*sql.DB, table string, id int) string {
	t.Helper()
	var found []string
	for name, db := range dbs {
		var who, v, l, b sql.NullString
		err := db.QueryRowContext(ctx, "SELECT HEX(who), HEX(v), HEX(l), HEX(b) FROM "+table+" WHERE id = ?", id).Scan(&who, &v, &l, &b)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			t.Fatalf("%s: reading row %d of %s: %v", name, id, table, err)
		}
		found = append(found, fmt.Sprintf("who=%s v=%s l=%s b=%s", who.String, v.String, l.String, b.String))
	}
	if len(found) != 1 {
		return fmt.Sprintf("row %d on %d servers: %v", id, len(found), found)
	}
	return found[0]
}

// TestCharsetSetForms: every form of SET that changes the connection
// character set gives, through the proxy, the variables one MariaDB gives,
// also after another session with another character set used the same
// backend connection (max_open 1), inside a transaction, and for refused
// values (same error code).
func TestCharsetSetForms(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{
		mariaArgs: []string{"--character-set-server=latin1", "--collation-server=latin1_swedish_ci"},
		extra:     "backend: {max_open: 1, max_idle: 1, wait_timeout: 10s}",
	})
	ctx := testCtx(t, 2*time.Minute)
	open := func(db *sql.DB) *sql.Conn {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	proxy := open(f.db(t, "shop", "collation=utf8mb4_unicode_ci"))
	other := open(f.db(t, "shop", "collation=binary"))
	direct, err := sql.Open("mysql", f.s0.DSN("shop")+"?collation=utf8mb4_unicode_ci")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	dc := open(direct)
	code := func(err error) uint16 {
		var me *mysql.MySQLError
		if errors.As(err, &me) {
			return me.Number
		}
		if err != nil {
			return 1
		}
		return 0
	}
	inTx := false
	for _, q := range []string{
		"SET NAMES latin1",
		"SET NAMES DEFAULT",
		"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin'",
		"SET CHARACTER SET latin1",
		"SET CHARACTER SET DEFAULT",
		"SET CHARACTER SET utf8mb4",
		"SET character_set_client = DEFAULT",
		"SET character_set_connection = latin1",
		"SET collation_connection = utf8mb4_unicode_ci",
		"SET @@session.character_set_results = NULL",
		"SET @@character_set_results = 'utf8mb4', @@character_set_client = 'latin1'",
		"SET character_set_client = utf8mb4, sql_mode = 'ANSI_QUOTES'",
		"SET collation_connection = 'no_such_collation'",
		"SET character_set_client = ucs2",
		"SET NAMES nosuch",
		"SET NAMES utf8mb4 COLLATE nosuch_ci",
		"SET NAMES utf8mb4 COLLATE utf8mb4_uca1400_ai_ci",
		"SET NAMES cp1251", // character sets the SQL parser does not know
		"SET CHARACTER SET cp1251",
		"SET NAMES koi8r COLLATE koi8r_bin",
		"BEGIN",
		"SET NAMES binary",
		"COMMIT",
		"SET NAMES utf8mb4",
	} {
		_, perr := proxy.ExecContext(ctx, q)
		_, derr := dc.ExecContext(ctx, q)
		if code(perr) != code(derr) {
			t.Errorf("%s: through the proxy %v, directly %v", q, perr, derr)
		}
		// Another session's character set on the shared backend
		// connection in between (except while the transaction holds it).
		inTx = q == "BEGIN" || inTx && q != "COMMIT"
		if !inTx {
			charsetVars(t, other)
		}
		if pv, dv := charsetVars(t, proxy), charsetVars(t, dc); pv != dv {
			t.Errorf("after %s: through the proxy %s, directly %s", q, pv, dv)
		}
	}
}
