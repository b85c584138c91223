package integration

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	gmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// collationCase is a client of TestCharsetCollations: a handshake
// collation and what it runs before the probes ("RESET" is
// COM_RESET_CONNECTION, go-mysql only).
type collationCase struct {
	collation string
	setup     []string
}

var collationCases = []collationCase{
	{collation: "utf8mb4_unicode_ci"}, // 224: mysql2's
	{collation: "utf8mb4_general_ci"}, // 45
	{collation: "utf8mb4_bin"},        // 46
	{collation: "latin1_swedish_ci"},  // 8
	{collation: "utf8mb3_general_ci"}, // 33
	{collation: "binary"},             // 63
	{collation: "utf8mb4_0900_ai_ci"}, // 255: unknown to MariaDB, server defaults
	{collation: "utf8mb4_general_ci", setup: []string{"SET NAMES latin1"}},
	{collation: "latin1_swedish_ci", setup: []string{"SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"}},
	{collation: "utf8mb4_general_ci", setup: []string{"SET NAMES utf8mb4 COLLATE utf8mb4_bin"}},
	{collation: "utf8mb4_unicode_ci", setup: []string{"SET CHARACTER SET utf8mb4"}},
	{collation: "utf8mb4_unicode_ci", setup: []string{"SET character_set_client = utf8mb4"}},
	{collation: "utf8mb4_unicode_ci", setup: []string{"SET character_set_results = utf8mb4"}},
	{collation: "utf8mb4_unicode_ci", setup: []string{"SET collation_connection = utf8mb4_general_ci"}},
	// The client's collation is hidden while the connection has another
	// character set, and shows again after.
	{collation: "utf8mb4_unicode_ci", setup: []string{"SET collation_connection = latin1_swedish_ci", "SET collation_connection = utf8mb4_bin"}},
	{collation: "utf8mb4_unicode_ci", setup: []string{"SET NAMES latin1", "RESET"}},
}

// collationProbes are prepared statements with string parameters: a
// parameter has character_set_client's collation (while the connection
// has the same character set), which CONCAT, comparisons and the column
// definition show.
var collationProbes = []string{
	"SELECT COLLATION(?), COERCIBILITY(?)",
	"SELECT CONCAT(?, 'x')",
	"SELECT ? = 'A', ? = 'a'",
	"SELECT COLLATION(CONCAT(?, 'x')), COLLATION('x')",
}

// collationText are text statements run after SET @v = 'x'.
var collationText = []string{
	"SELECT COLLATION(@v), @v = 'X'",
	"SELECT @@character_set_client, @@character_set_results, @@collation_connection, ''",
}

// TestCharsetCollations: whatever collation a client announces and
// whatever it changes with SET or COM_RESET_CONNECTION, prepared
// statements with string parameters (their collation, CONCAT's column
// definition, comparisons under a case-insensitive or binary collation)
// and a user variable's collation answer as on a direct MariaDB
// connection, through go-mysql's client (values, types, flags and
// character set numbers of the columns) and go-sql-driver (values), with
// sessions of all these clients interleaved on one pooled backend
// connection and on fresh ones.
func TestCharsetCollations(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 5*time.Minute)
	s0 := env.StartMariaDB(t, "s0")
	s0.CreateDatabase(t, "shop")
	s0.Exec(t, "CREATE USER app@'%' IDENTIFIED BY '"+appPass+"'")
	s0.Exec(t, "GRANT ALL ON shop.* TO app@'%'")
	for _, pool := range []struct{ name, backend string }{
		{"reused", "backend: {max_open: 1, max_idle: 1, wait_timeout: 10s}"},
		{"fresh", "backend: {max_open: 1, max_idle: 0, wait_timeout: 10s}"},
	} {
		p := env.StartProxy(t, harness.ProxyConfig{
			Shards:  []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}},
			Schemas: "\n- name: shop\n  default_shard: s0\n",
			Users:   map[string]string{appUser: appPass},
			Extra:   pool.backend,
		})
		type pair struct {
			name          string
			wire          [2]*gomysql.Conn
			drv           [2]*sql.Conn
			wireOut, drvO [2][]string
		}
		var pairs []*pair
		// All sessions open first, then set up, then probed in turn: their
		// statements interleave on the proxy's backend connection.
		for _, c := range collationCases {
			pr := &pair{name: c.collation + " " + strings.Join(c.setup, "; ")}
			for i, addr := range []string{p.Addr(), s0.Addr()} {
				w, err := gomysql.Connect(addr, appUser, appPass, "shop", func(cn *gomysql.Conn) error { return cn.SetCollation(c.collation) })
				if err != nil {
					t.Fatalf("%s: %v", pr.name, err)
				}
				t.Cleanup(func() { _ = w.Close() })
				pr.wire[i] = w
			}
			for i, dsn := range []string{p.DSN(appUser, appPass, "shop", "collation="+c.collation), fmt.Sprintf("%s:%s@tcp(%s)/shop?collation=%s", appUser, appPass, s0.Addr(), c.collation)} {
				pr.drv[i] = openConn(t, ctx, dsn)
			}
			pairs = append(pairs, pr)
		}
		for i, c := range collationCases {
			pr := pairs[i]
			for side := range 2 {
				for _, q := range c.setup {
					if q == "RESET" {
						resetConnection(t, pr.wire[side])
						continue
					}
					if _, err := pr.wire[side].Execute(q); err != nil {
						t.Fatalf("%s: %s: %v", pr.name, q, err)
					}
					if _, err := pr.drv[side].ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %s: %v", pr.name, q, err)
					}
				}
			}
		}
		for _, pr := range pairs {
			for side := range 2 {
				pr.wireOut[side] = probeWire(pr.wire[side])
				pr.drvO[side] = probeDriver(ctx, pr.drv[side])
			}
		}
		for _, pr := range pairs {
			for i := range pr.wireOut[0] {
				if pr.wireOut[0][i] != pr.wireOut[1][i] {
					t.Errorf("%s pool, %s (go-mysql): proxy %s\n\tMariaDB %s", pool.name, pr.name, pr.wireOut[0][i], pr.wireOut[1][i])
				}
			}
			for i := range pr.drvO[0] {
				if pr.drvO[0][i] != pr.drvO[1][i] {
					t.Errorf("%s pool, %s (go-sql-driver): proxy %s\n\tMariaDB %s", pool.name, pr.name, pr.drvO[0][i], pr.drvO[1][i])
				}
			}
			t.Logf("%s pool, %s: %s", pool.name, pr.name, pr.wireOut[1][1])
		}
	}
}

// openConn is one session of go-sql-driver (real prepared statements: no
// interpolateParams).
func openConn(t *testing.T, ctx context.Context, dsn string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("%s: %v", dsn, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// resetConnection sends COM_RESET_CONNECTION.
func resetConnection(t *testing.T, c *gomysql.Conn) {
	t.Helper()
	c.ResetSequence()
	if err := c.WritePacket([]byte{0, 0, 0, 0, 0x1f}); err != nil {
		t.Fatal(err)
	}
	p, err := c.ReadPacket()
	if err != nil || len(p) == 0 || p[0] != 0 {
		t.Fatalf("COM_RESET_CONNECTION: %x %v", p, err)
	}
}

// probeWire runs the probes with go-mysql and describes each answer:
// values and each column's type, flags and character set number.
func probeWire(c *gomysql.Conn) []string {
	var out []string
	describe := func(q string, f func() (string, error)) {
		s, err := f()
		if err != nil {
			s = "error " + err.Error()
		}
		out = append(out, q+" => "+s)
	}
	for _, q := range collationProbes {
		describe(q, func() (string, error) {
			st, err := c.Prepare(q)
			if err != nil {
				return "", err
			}
			defer st.Close()
			args := make([]any, st.ParamNum())
			for i := range args {
				args[i] = "a"
			}
			r, err := st.Execute(args...)
			if err != nil {
				return "", err
			}
			return describeWire(r.Fields, func(i int) string { s, _ := r.GetString(0, i); return s }), nil
		})
	}
	describe("SET @v = 'x'", func() (string, error) { _, err := c.Execute("SET @v = 'x'"); return "", err })
	for _, q := range collationText {
		describe(q, func() (string, error) {
			r, err := c.Execute(q)
			if err != nil {
				return "", err
			}
			return describeWire(r.Fields, func(i int) string { s, _ := r.GetString(0, i); return s }), nil
		})
	}
	return out
}

func describeWire(fields []*gmysql.Field, value func(int) string) string {
	var parts []string
	for i, f := range fields {
		parts = append(parts, fmt.Sprintf("%q[type %d flags %#x charset %d]", value(i), f.Type, f.Flag, f.Charset))
	}
	return strings.Join(parts, " ")
}

// probeDriver runs the probes with go-sql-driver's prepared statements.
func probeDriver(ctx context.Context, c *sql.Conn) []string {
	var out []string
	run := func(q string, args ...any) {
		rows, err := c.QueryContext(ctx, q, args...)
		if err != nil {
			out = append(out, q+" => error "+err.Error())
			return
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var got []string
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				got = append(got, "scan error "+err.Error())
				break
			}
			for _, v := range vals {
				got = append(got, fmt.Sprintf("%q", v))
			}
		}
		if err := rows.Err(); err != nil {
			got = append(got, "error "+err.Error())
		}
		out = append(out, q+" => "+strings.Join(got, " "))
	}
	for _, q := range collationProbes {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = "a"
		}
		run(q, args...)
	}
	if _, err := c.ExecContext(ctx, "SET @v = 'x'"); err != nil {
		out = append(out, "SET @v => error "+err.Error())
	}
	for _, q := range collationText {
		run(q)
	}
	return out
}
