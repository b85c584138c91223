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

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// returningFixture is two shards behind the proxy (schema shop: items_*
// and gitems sharded by k with mod, regions_* broadcast, everything else
// unsharded on s0) and the reference database direct on s0, which holds
// every row of the same tables.
type returningFixture struct {
	s0, s1 *harness.MariaDB
	p      *harness.Proxy
}

func startReturningFixture(t *testing.T) *returningFixture {
	t.Helper()
	s0 := env.StartMariaDB(t, "s0")
	s1 := env.StartMariaDB(t, "s1")
	s0.CreateDatabase(t, "shop", "direct")
	s1.CreateDatabase(t, "shop")
	var tables []string
	for _, m := range modes {
		tables = append(tables,
			fmt.Sprintf("- {name: %s, shard_key: k, algorithm: mod}", tableName("items", m)),
			fmt.Sprintf("- {name: %s, broadcast: true}", tableName("regions", m)))
	}
	tables = append(tables, "- {name: gitems, shard_key: k, algorithm: mod}", "- {name: txitems, shard_key: k, algorithm: mod}",
		"- {name: modeitems, shard_key: k, algorithm: mod}", "- {name: litems, shard_key: k, algorithm: mod}")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
		Users:  map[string]string{appUser: appPass},
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    ` + strings.Join(tables, "\n\t\t\t    ") + `
		`,
	})
	return &returningFixture{s0: s0, s1: s1, p: p}
}

// retStep is a statement of a RETURNING script; unordered: its rows have
// no defined order (DELETE ... RETURNING on several shards) and are
// compared sorted.
type retStep struct {
	sql       string
	args      []any
	unordered bool
}

// retAnswer describes an answer: the result set's column names and types
// and its rows, or the error (code and message; a syntax error's message
// names where the parser stopped, which differs, so only its code).
func retAnswer(ctx context.Context, c *sql.Conn, st retStep) string {
	rows, err := c.QueryContext(ctx, st.sql, st.args...)
	if err != nil {
		return retErrLine(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return "client error: " + err.Error()
	}
	var cols []string
	for _, ct := range types {
		n, _ := ct.Nullable()
		l, _ := ct.Length()
		p, s, _ := ct.DecimalSize()
		cols = append(cols, fmt.Sprintf("%s:%s:null=%v:len=%d:dec=%d,%d", ct.Name(), ct.DatabaseTypeName(), n, l, p, s))
	}
	var lines []string
	for rows.Next() {
		vals := make([]sql.NullString, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "client error: " + err.Error()
		}
		var parts []string
		for _, v := range vals {
			if !v.Valid {
				parts = append(parts, "NULL")
			} else {
				parts = append(parts, v.String)
			}
		}
		lines = append(lines, strings.Join(parts, ","))
	}
	if err := rows.Err(); err != nil {
		return retErrLine(err)
	}
	if st.unordered {
		sort.Strings(lines)
	}
	return "cols " + strings.Join(cols, " ") + " | rows " + strings.Join(lines, "; ")
}

func retErrLine(err error) string {
	var me *mysql.MySQLError
	switch {
	case !errors.As(err, &me):
		return "client error: " + err.Error()
	case me.Number == 1064:
		return "error 1064"
	}
	return fmt.Sprintf("error %d (%s): %s", me.Number, me.SQLState[:], me.Message)
}

// returningScript is the script for one client mode: with arguments, the
// statements go as prepared statements (binary protocol) or interpolated
// text.
func returningScript(m mode) []retStep {
	it, nt, rt := tableName("items", m), tableName("notes", m), tableName("regions", m)
	r := func(q string, args ...any) retStep {
		q = strings.NewReplacer("ITEMS", it, "NOTES", nt, "REGIONS", rt).Replace(q)
		return retStep{sql: q, args: args}
	}
	unordered := func(s retStep) retStep { s.unordered = true; return s }
	return []retStep{
		// Unsharded: relayed from s0.
		r("INSERT INTO NOTES (body) VALUES (?), (?) RETURNING id, body, score, made", "a", "b"),
		r("SELECT LAST_INSERT_ID()"),
		r("INSERT INTO NOTES (id, body) VALUES (100, ?) RETURNING *", "explicit id"),
		r("SELECT LAST_INSERT_ID()"),
		r("INSERT INTO NOTES (body) VALUES (?) RETURNING id, LAST_INSERT_ID() AS lid, CONCAT(body, '!') AS b2, score * 2", "c"),
		r("SELECT LAST_INSERT_ID(), @@identity"),
		r("REPLACE INTO NOTES (id, body) VALUES (1, ?) RETURNING id, body", "replaced"),
		r("INSERT INTO NOTES (body) VALUES (?) RETURNING id, ? AS extra", "p", 42),
		r("INSERT INTO NOTES (body) VALUES ('x') RETURNING nope"),
		r("INSERT INTO NOTES (body) VALUES (?) RETURNING id, (SELECT COUNT(*) FROM NOTES) AS n", "sq"),
		r("DELETE FROM NOTES WHERE body = ? RETURNING id, (SELECT COUNT(*) FROM NOTES) AS n", "sq"),
		r("INSERT INTO NOTES (body) SELECT CONCAT(body, '2') FROM NOTES WHERE id < ? RETURNING id, body", 3),
		r("DELETE FROM NOTES WHERE id = ? RETURNING id, body", 2),
		r("DELETE FROM NOTES WHERE id > ? ORDER BY id DESC LIMIT 2 RETURNING id", 0),
		r("SELECT * FROM NOTES ORDER BY id"),
		// Sharded: the rows go to both shards and come back in VALUES order.
		r("INSERT INTO ITEMS (k, v, d) VALUES (1, ?, '2024-05-06'), (2, ?, NULL), (3, ?, '2020-01-01'), (5, ?, NULL), (4, ?, NULL), (6, 'f', NULL) RETURNING k, v, n, d, k * 10 AS k10",
			"a", "b", "c", "e", "d"),
		r("INSERT INTO ITEMS (k, v) VALUES (8, ?) RETURNING *", "h"),
		r("INSERT INTO ITEMS (k, v) VALUES (10, 'a'), (11, 'b') RETURNING nope"),
		// The row on the second shard fails: the first shard's row is
		// rolled back with it.
		r("INSERT INTO ITEMS (k, v) VALUES (12, ?), (1, 'dup') RETURNING k", "a"),
		r("INSERT INTO ITEMS (k, v) VALUES (20, 'x'), (21, 'y') ON DUPLICATE KEY UPDATE v = 'z' RETURNING k, v"),
		r("INSERT INTO ITEMS (k, v) VALUES (20, 'x'), (21, 'y') ON DUPLICATE KEY UPDATE v = 'z' RETURNING k, v"),
		r("REPLACE INTO ITEMS (k, v) VALUES (21, ?), (22, ?), (20, 'w') RETURNING k, v", "r1", "r2"),
		r("INSERT IGNORE INTO ITEMS (k, v) VALUES (1, 'ign'), (51, 'new') RETURNING k, v"), // both on s1
		r("SELECT * FROM ITEMS ORDER BY k"),
		r("DELETE FROM ITEMS WHERE k = ? RETURNING k, v", 8),
		unordered(r("DELETE FROM ITEMS WHERE k IN (?, ?, ?) RETURNING k, v, d", 1, 2, 3)),
		r("DELETE FROM ITEMS WHERE k IN (?, ?) RETURNING k", 998, 999),
		// Inside a transaction the writes join it.
		r("BEGIN"),
		r("INSERT INTO ITEMS (k, v) VALUES (30, ?), (31, ?) RETURNING k, v", "t1", "t2"),
		r("INSERT INTO NOTES (body) VALUES ('in tx') RETURNING body"),
		r("SELECT k FROM ITEMS WHERE k >= 30 ORDER BY k"),
		r("ROLLBACK"),
		r("SELECT COUNT(*) FROM ITEMS WHERE k >= 30"),
		r("SELECT COUNT(*) FROM NOTES WHERE body = 'in tx'"),
		r("BEGIN"),
		r("INSERT INTO ITEMS (k, v) VALUES (40, ?), (41, ?) RETURNING k, v", "c1", "c2"),
		unordered(r("DELETE FROM ITEMS WHERE k IN (4, 5) RETURNING k")),
		r("COMMIT"),
		r("SELECT * FROM ITEMS ORDER BY k"),
		// Broadcast: every copy writes the same rows, answered once.
		r("INSERT INTO REGIONS (code, name) VALUES ('eu', ?), ('as', ?) RETURNING code, name", "Europe", "Asia"),
		r("DELETE FROM REGIONS WHERE code = ? RETURNING *", "eu"),
		// Everything, from both shards.
		unordered(r("DELETE FROM ITEMS RETURNING k, v")),
		r("SELECT LAST_INSERT_ID()"),
		r("DELETE FROM ITEMS RETURNING"),
		r("INSERT INTO ITEMS (k) VALUES (1) RETURNING k FROM ITEMS"),
	}
}

// TestReturning: INSERT, REPLACE and DELETE ... RETURNING through the
// proxy answer what MariaDB answers (rows in MariaDB's order, column
// names and types, errors), unsharded, sharded across two shards and
// broadcast, in the text and the binary protocol, in and out of
// transactions; what cannot be answered the same is refused.
func TestReturning(t *testing.T) {
	t.Parallel()
	f := startReturningFixture(t)
	ctx := testCtx(t, 3*time.Minute)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			proxy := f.p.DB(t, appUser, appPass, "shop", m.params)
			direct := f.s0.DB(t, strings.TrimSuffix("direct?"+m.params, "?"))
			for _, d := range []*sql.DB{proxy, direct} {
				mustExec(t, d, "CREATE TABLE "+tableName("notes", m)+" (id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(50) NOT NULL, score DECIMAL(6,2) DEFAULT 1.50, made DATETIME DEFAULT '2024-01-02 03:04:05')")
				mustExec(t, d, "CREATE TABLE "+tableName("items", m)+" (k INT PRIMARY KEY, v VARCHAR(20), n DOUBLE DEFAULT 0.5, d DATE)")
				mustExec(t, d, "CREATE TABLE "+tableName("regions", m)+" (code CHAR(2) PRIMARY KEY, name VARCHAR(20))")
			}
			steps := returningScript(m)
			pc := openSessions(ctx, t, proxy, 1)[0]
			dc := openSessions(ctx, t, direct, 1)[0]
			for i, st := range steps {
				got, want := retAnswer(ctx, pc, st), retAnswer(ctx, dc, st)
				if got != want {
					t.Errorf("step %d: %s %v:\n  proxy:   %s\n  MariaDB: %s", i, st.sql, st.args, got, want)
				}
			}
			// The rows landed where the shard key says.
			it := tableName("items", m)
			mustExec(t, proxy, "INSERT INTO "+it+" (k, v) VALUES (1, 'a'), (2, 'b'), (3, 'c') RETURNING k")
			for i, s := range []*harness.MariaDB{f.s0, f.s1} {
				got := queryStrings(t, s.DB(t, "shop"), "SELECT CAST(k AS CHAR) FROM "+it+" ORDER BY k")
				want := map[int][]string{0: {"2"}, 1: {"1", "3"}}[i]
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("shard s%d holds keys %v, want %v", i, got, want)
				}
			}
			returningRefusals(ctx, t, proxy, m)
		})
	}
	t.Run("prepare", func(t *testing.T) { returningPrepare(t, f) })
}

// returningRefusals: what the proxy cannot answer as MariaDB would is
// refused with 1235 and a reason, and changes nothing.
func returningRefusals(ctx context.Context, t *testing.T, proxy *sql.DB, m mode) {
	it := tableName("items", m)
	before := queryInt(t, proxy, "SELECT COUNT(*) FROM "+it)
	cases := []struct {
		sql  string
		args []any
		want string
	}{
		// An ignored row returns nothing: the rows of two shards cannot be
		// put in VALUES order.
		{"INSERT IGNORE INTO " + it + " (k, v) VALUES (60, 'a'), (61, 'b') RETURNING k", nil, "INSERT IGNORE ... RETURNING"},
		// Each shard's subquery would count its own rows only.
		{"DELETE FROM " + it + " WHERE k = 1 RETURNING k, (SELECT COUNT(*) FROM " + it + ") AS n", nil, "subqueries in the RETURNING list"},
	}
	if m.params == "" {
		// A parameter in the list of a statement rewritten per shard.
		cases = append(cases, struct {
			sql  string
			args []any
			want string
		}{"INSERT INTO " + it + " (k, v) VALUES (?, 'a'), (?, 'b') RETURNING k, ? AS x", []any{70, 71, 5}, "parameters in the RETURNING list"})
	}
	for _, c := range cases {
		rows, err := proxy.QueryContext(ctx, c.sql, c.args...)
		if err == nil {
			rows.Close()
		}
		wantMySQLError(t, err, 1235, "42000")
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: refusal %q does not say %q", c.sql, err, c.want)
		}
	}
	if after := queryInt(t, proxy, "SELECT COUNT(*) FROM "+it); after != before {
		t.Errorf("refused statements changed %s: %d rows, then %d", it, before, after)
	}
}

// returningPrepare: COM_STMT_PREPARE of a write with RETURNING announces
// the RETURNING columns and the parameters, as MariaDB does, and the
// executions answer its rows.
func returningPrepare(t *testing.T, f *returningFixture) {
	m := modes[0]
	it, nt := tableName("items", m), tableName("notes", m)
	stmts := []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO " + nt + " (body) VALUES (?) RETURNING id, body, score", []any{"prep"}},
		{"INSERT INTO " + it + " (k, v) VALUES (?, ?), (?, ?) RETURNING k, v, n", []any{90, "x", 91, "y"}},
		{"DELETE FROM " + it + " WHERE k IN (?, ?) RETURNING k, v", []any{90, 91}},
		{"DELETE FROM " + nt + " WHERE body = ? RETURNING id, body", []any{"prep"}},
		{"INSERT INTO " + nt + " (body) VALUES (?) RETURNING nope", []any{"x"}},
	}
	connect := func(addr, user, pass, db string) *gomysql.Conn {
		c, err := gomysql.ConnectWithTimeout(addr, user, pass, db, 5*time.Second)
		if err != nil {
			t.Fatalf("connect %s: %v", addr, err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	pc := connect(f.p.Addr(), appUser, appPass, "shop")
	dc := connect(f.s0.Addr(), "root", "", "direct")
	describe := func(c *gomysql.Conn, sql string, args []any) string {
		st, err := c.Prepare(sql)
		if err != nil {
			return fmt.Sprintf("prepare error %d: %v", goMySQLErrCode(err), err)
		}
		defer st.Close()
		out := fmt.Sprintf("prepare: %d params, %d columns", st.ParamNum(), st.ColumnNum())
		r, err := st.Execute(args...)
		if err != nil {
			return out + fmt.Sprintf("; execute error %d", goMySQLErrCode(err))
		}
		defer r.Close()
		var names []string
		for _, fld := range r.Fields {
			names = append(names, fmt.Sprintf("%s/%d/%d/%d", fld.Name, fld.Type, fld.Flag, fld.ColumnLength))
		}
		var rows []string
		for i := range r.Values {
			var vals []string
			for j := range r.Fields {
				v, _ := r.GetString(i, j)
				vals = append(vals, v)
			}
			rows = append(rows, strings.Join(vals, ","))
		}
		sort.Strings(rows) // the multi-shard DELETE has no order
		return out + "; columns " + strings.Join(names, " ") + "; rows " + strings.Join(rows, ";")
	}
	for _, s := range stmts {
		got, want := describe(pc, s.sql, s.args), describe(dc, s.sql, s.args)
		if got != want {
			t.Errorf("%s:\n  proxy:   %s\n  MariaDB: %s", s.sql, got, want)
		}
	}
}

// A write with RETURNING over several shards lists its conditions as
// MariaDB does: SHOW WARNINGS and @@warning_count after it gave none
// although its EOF counted them; an INSERT's name the statement's rows,
// in row order.
func TestReturningWarningsOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(5))",
		"INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd')")
	var steps []wireStep
	for _, q := range []string{
		"DELETE FROM modeitems WHERE k IN (1, 2) RETURNING k, 1/0",
		"SET sql_mode = ''",
		"INSERT INTO modeitems VALUES (21, 21, 'abcdefgh'), (20, 20, 'abcdefgh'), (23, 'x', 'a') RETURNING k, s",
		"INSERT INTO modeitems VALUES (31, 31, 'abcdefgh'), (33, 'x', 'a'), (30, 30, 'abcdefgh') RETURNING k, s",
		"SET max_error_count = 1",
		"INSERT INTO modeitems VALUES (41, 41, 'abcdefgh'), (40, 40, 'abcdefgh'), (43, 'x', 'a') RETURNING k, s",
	} {
		steps = append(steps, wireStep{0, q}, wireStep{0, "SHOW WARNINGS"}, wireStep{0, "SELECT @@warning_count, @@error_count"})
	}
	compareWireSessions(t, f, 1, steps)
}
