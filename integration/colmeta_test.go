package integration

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// labelClient is a client of TestColumnCharsetLabels: the collation its
// handshake announces and what it SETs first.
type labelClient struct {
	collation string
	setup     []string
}

var labelClients = []labelClient{
	// mysql2's handshake: MariaDB labels text columns 224 itself.
	{"utf8mb4_unicode_ci", nil},
	{"utf8mb4_unicode_ci", []string{"SET NAMES utf8mb4"}},
	{"utf8mb4_general_ci", []string{"SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"}},
	{"utf8mb4_unicode_ci", []string{"SET NAMES utf8mb4 COLLATE utf8mb4_bin"}},
	{"utf8mb4_unicode_ci", []string{"SET character_set_results = utf8mb4"}},
	// Neither changes the label.
	{"utf8mb4_unicode_ci", []string{"SET collation_connection = utf8mb4_general_ci", "SET character_set_client = utf8mb4"}},
	{"latin1_bin", nil},
	{"utf8mb4_unicode_ci", []string{"SET character_set_results = NULL"}},
	{"utf8mb4_unicode_ci", []string{"SET CHARACTER SET latin1"}},
	{"utf8mb4_unicode_ci", []string{"SET NAMES binary"}},
	{"utf8mb4_0900_ai_ci", nil},
}

// resultsLatin1: the client's results come in latin1.
func resultsLatin1(c labelClient) bool {
	return strings.HasPrefix(c.collation, "latin1") || slices.Contains(c.setup, "SET CHARACTER SET latin1")
}

func (c labelClient) String() string { return fmt.Sprintf("%s %q", c.collation, c.setup) }

// TestColumnCharsetLabels: the character set number in every column
// definition a client gets through the proxy is the one MariaDB gives the
// same client, byte for byte (go-mysql's client keeps each definition's
// raw bytes): for each handshake collation and SET that decides it, for
// text, binary and numeric columns, forwarded and merged reads, merged
// RETURNING, prepared statements (their metadata and results),
// COM_FIELD_LIST, SHOW WARNINGS, COM_CHANGE_USER and COM_RESET_CONNECTION.
// The proxy has two shards with one backend connection each, which all
// the sessions share, interleaved.
func TestColumnCharsetLabels(t *testing.T) {
	t.Parallel()
	s0 := env.StartMariaDB(t, "s0")
	s1 := env.StartMariaDB(t, "s1")
	ref := env.StartMariaDB(t, "ref")
	for _, m := range []*harness.MariaDB{s0, s1, ref} {
		m.CreateDatabase(t, "shop")
		m.Exec(t, "CREATE USER app@'%' IDENTIFIED BY '"+appPass+"'")
		m.Exec(t, "GRANT ALL ON shop.* TO app@'%'")
		m.Exec(t, "CREATE TABLE shop.orders (id INT PRIMARY KEY, who VARCHAR(40), amount DECIMAL(10,2), tag VARBINARY(10), kind ENUM('a','b'), body TEXT)")
	}
	for _, m := range []*harness.MariaDB{s0, ref} {
		m.Exec(t, "CREATE TABLE shop.users (id INT PRIMARY KEY, name VARCHAR(40), note VARCHAR(40) CHARACTER SET latin1, raw VARBINARY(20), doc JSON, born DATE)")
	}
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: orders, shard_key: id, algorithm: hash}
		`,
		Users: map[string]string{appUser: appPass},
		Extra: "backend: {max_open: 1, max_idle: 1, wait_timeout: 10s}",
	})
	dial := func(addr, collation string) *gomysql.Conn {
		c, err := gomysql.Connect(addr, appUser, appPass, "shop", func(c *gomysql.Conn) error { return c.SetCollation(collation) })
		if err != nil {
			t.Fatalf("%s with %s: %v", addr, collation, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	setup := dial(p.Addr(), "utf8mb4_general_ci")
	direct := dial(ref.Addr(), "utf8mb4_general_ci")
	for _, q := range []string{
		`INSERT INTO users VALUES (1, 'ann', 'caf\xe9', x'00ff', '{"a": 1}', '2000-01-02'), (2, 'bob', NULL, NULL, NULL, NULL)`,
		`INSERT INTO orders (id, who, amount, tag, kind, body) VALUES (1, 'ann', 1.50, x'01', 'a', 'x'), (2, 'bob', 2.25, NULL, 'b', 'yy'), (3, 'cy', 3.00, x'02', NULL, NULL), (4, 'di', 4.75, x'03', 'a', 'zzz')`,
	} {
		for _, c := range []*gomysql.Conn{setup, direct} {
			if _, err := c.Execute(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}

	type pair struct {
		c             labelClient
		proxy, direct *gomysql.Conn
	}
	var pairs []pair
	for _, c := range labelClients {
		pr := pair{c: c, proxy: dial(p.Addr(), c.collation), direct: dial(ref.Addr(), c.collation)}
		for _, q := range c.setup {
			for _, conn := range []*gomysql.Conn{pr.proxy, pr.direct} {
				if _, err := conn.Execute(q); err != nil {
					t.Fatalf("%s: %s: %v", c, q, err)
				}
			}
		}
		pairs = append(pairs, pr)
	}

	// compare wants the definitions byte for byte; with labelOnly set
	// (a known gap in other fields) only their character set numbers.
	compare := func(what string, got, want [][]byte, labelOnly string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d column definitions through the proxy, %d from MariaDB", what, len(got), len(want))
			return
		}
		for i := range want {
			if labelOnly != "" && defCharset(got[i]) == defCharset(want[i]) {
				if !bytes.Equal(got[i], want[i]) {
					t.Logf("KNOWN GAP (%s) %s column %d:\nproxy:   %q\nMariaDB: %q", labelOnly, what, i, got[i], want[i])
				}
				continue
			}
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s column %d (charset %d through the proxy, %d from MariaDB):\nproxy:   %q\nMariaDB: %q", what, i, defCharset(got[i]), defCharset(want[i]), got[i], want[i])
			}
		}
	}
	type step struct {
		name      string
		run       func(c *gomysql.Conn, i int) ([][]byte, error)
		labelOnly string // a known gap in other fields: compare the labels only
		// comparesText: the merge compares text, which it refuses (1235)
		// for a client whose results are latin1 (engine/charsetcheck.go).
		comparesText bool
	}
	query := func(q string) func(*gomysql.Conn, int) ([][]byte, error) {
		return func(c *gomysql.Conn, _ int) ([][]byte, error) {
			r, err := c.Execute(q)
			if err != nil {
				return nil, err
			}
			return rawFields(r.Fields), nil
		}
	}
	prepared := func(q string, arg any) func(*gomysql.Conn, int) ([][]byte, error) {
		return func(c *gomysql.Conn, _ int) ([][]byte, error) {
			st, err := c.Prepare(q)
			if err != nil {
				return nil, err
			}
			defer st.Close()
			r, err := st.Execute(arg)
			if err != nil {
				return nil, err
			}
			defs := append(append(append([][]byte{}, st.RawParamFields...), []byte("--")), st.RawColumnFields...)
			return append(append(defs, []byte("--")), rawFields(r.Fields)...), nil
		}
	}
	steps := []step{
		{"forwarded read", query("SELECT * FROM users ORDER BY id"), "", false},
		{"literals", query("SELECT 'lit' AS s, 1 AS n, 1.5 AS d, CAST('b' AS BINARY) AS b, CONCAT(1) AS c"), "", false},
		{"merged read", query("SELECT id, who, amount, tag, kind, body FROM orders ORDER BY id"), "", false},
		{"merged aggregates", query("SELECT COUNT(*) AS n, MAX(who) AS w, MIN(tag) AS t, kind FROM orders GROUP BY kind ORDER BY kind"),
			"merged COUNT has the BINARY flag, merged MAX/MIN 39 decimals", true},
		{"merged aggregates of numbers", query("SELECT COUNT(*) AS n, MAX(amount) AS a, MIN(tag) AS t, id FROM orders GROUP BY id ORDER BY id"),
			"merged COUNT has the BINARY flag", false},
		{"merged RETURNING", func(c *gomysql.Conn, i int) ([][]byte, error) {
			q := fmt.Sprintf("INSERT INTO orders (id, who, tag) VALUES (%d, 'r', x'09'), (%d, 's', NULL) RETURNING id, who, tag, kind", 100+2*i, 101+2*i)
			r, err := c.Execute(q)
			if err != nil {
				return nil, err
			}
			return rawFields(r.Fields), nil
		}, "", false},
		{"prepared forwarded", prepared("SELECT id, who, amount, tag FROM orders WHERE id = ?", 1), "", false},
		{"prepared merged", prepared("SELECT id, who, tag, kind FROM orders WHERE id > ? ORDER BY id", 0), "", false},
		// No string parameter: MariaDB reads one in character_set_client,
		// which a handshake sets to its collation itself (224) and a
		// backend connection's SET to the charset's default (45), so
		// CONCAT(?, 'x') comes back utf8mb4_bin (BINARY flag) through the
		// proxy: a gap beyond the labels, not covered here.
		{"prepared literal", prepared("SELECT CONCAT('a', 'x') AS c, ? + 1 AS n", 1), "", false},
		{"COM_FIELD_LIST", func(c *gomysql.Conn, _ int) ([][]byte, error) {
			fs, err := c.FieldList("users", "")
			if err != nil {
				return nil, err
			}
			return rawFields(fs), nil
		}, "", false},
		{"SHOW WARNINGS", func(c *gomysql.Conn, _ int) ([][]byte, error) {
			if _, err := c.Execute("SELECT CAST('1x' AS SIGNED) FROM users WHERE id = 1"); err != nil {
				return nil, err
			}
			return query("SHOW WARNINGS")(c, 0)
		}, "", false},
	}
	for _, s := range steps {
		for i, pr := range pairs {
			got, err := s.run(pr.proxy, i)
			if s.comparesText && resultsLatin1(pr.c) {
				if me := (*mysql.MyError)(nil); !errors.As(err, &me) || me.Code != mysql.ER_NOT_SUPPORTED_YET {
					t.Errorf("%s, %s through the proxy: %v, want 1235: the merge compares latin1 text", pr.c, s.name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s, %s through the proxy: %v", pr.c, s.name, err)
				continue
			}
			want, err := s.run(pr.direct, i)
			if err != nil {
				t.Fatalf("%s, %s on MariaDB: %v", pr.c, s.name, err)
			}
			compare(fmt.Sprintf("%s, %s", pr.c, s.name), got, want, s.labelOnly)
		}
	}
	// The test means something only if MariaDB labels mysql2's text
	// columns 224, where a backend connection says 45.
	r, err := pairs[0].direct.Execute("SELECT name FROM users")
	if err != nil || r.Fields[0].Charset != 224 {
		t.Fatalf("MariaDB labels a text column for a utf8mb4_unicode_ci client with %d (%v), want 224", r.Fields[0].Charset, err)
	}

	// COM_CHANGE_USER and COM_RESET_CONNECTION give the packet's (the
	// handshake's) collation back, with its label.
	wp := dialWire(t, p.Addr(), appUser, appPass, "shop", 0)
	wd := dialWire(t, ref.Addr(), appUser, appPass, "shop", 0)
	const q = "SELECT id, name, raw, born FROM users ORDER BY id"
	for _, st := range []struct {
		name string
		run  func(*wireConn) wireResult
	}{
		{"handshake 45", func(c *wireConn) wireResult { return c.query(q) }},
		{"COM_CHANGE_USER 224", func(c *wireConn) wireResult {
			if r := c.changeUser(appUser, appPass, "shop", "mysql_native_password", 224); r.errCode != 0 {
				return r
			}
			return c.query(q)
		}},
		{"SET NAMES latin1", func(c *wireConn) wireResult {
			if r := c.query("SET NAMES latin1"); r.errCode != 0 {
				return r
			}
			return c.query(q)
		}},
		{"COM_RESET_CONNECTION", func(c *wireConn) wireResult {
			if r := c.command(0x1f, nil); r[0] != 0 {
				return wireErr(r)
			}
			return c.query(q)
		}},
	} {
		got, want := st.run(wp), st.run(wd)
		if got.errCode != 0 || want.errCode != 0 {
			t.Fatalf("%s: %d %s through the proxy, %d %s on MariaDB", st.name, got.errCode, got.errMsg, want.errCode, want.errMsg)
		}
		compare(st.name, got.cols, want.cols, "")
	}
}

// rawFields is the raw column definitions go-mysql's client read.
func rawFields(fs []*mysql.Field) [][]byte {
	out := make([][]byte, len(fs))
	for i, f := range fs {
		out[i] = f.Data
	}
	return out
}

// defCharset is the character set number of a column definition, for
// messages.
func defCharset(def []byte) int {
	f := &mysql.Field{}
	if f.Parse(bytes.Clone(def)) != nil {
		return -1
	}
	return int(f.Charset)
}
