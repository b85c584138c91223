package integration

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// executeTwins runs q through the proxy of f and on its twin (database
// direct) with go-mysql's client, which shows what the wire carries (the
// EOF's warning count, every column's metadata). The twin's connection
// does without CLIENT_DEPRECATE_EOF, as the proxy's clients do: the client
// reads no warning count from the OK packet that replaces the EOF.
func executeTwins(t *testing.T, f *returningFixture, q string) (proxy, direct *mysql.Result) {
	t.Helper()
	pc, err := gomysql.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dc := connectTwinDirect(t, f)
	if proxy, err = pc.Execute(q); err != nil {
		t.Fatalf("%s through the proxy: %v", q, err)
	}
	if direct, err = dc.Execute(q); err != nil {
		t.Fatalf("%s on MariaDB: %v", q, err)
	}
	return proxy, direct
}

// connectTwinDirect connects go-mysql's client to the twin database as
// the proxy's clients connect (without CLIENT_DEPRECATE_EOF: the EOF
// carries the warning count); closed when the test ends.
func connectTwinDirect(t *testing.T, f *returningFixture) *gomysql.Conn {
	t.Helper()
	dc, err := gomysql.Connect(f.s0.Addr(), "root", "", "direct", func(c *gomysql.Conn) error {
		c.UnsetCapability(mysql.CLIENT_DEPRECATE_EOF)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	return dc
}

// compareTwinFields runs q through the proxy and on its twin and reports
// every column whose metadata differs (type, length, decimals, flags,
// charset, name); with values, every cell that differs too.
func compareTwinFields(t *testing.T, f *returningFixture, q string, values bool) {
	t.Helper()
	got, want := executeTwins(t, f, q)
	if len(got.Fields) != len(want.Fields) {
		t.Errorf("%s: proxy %d columns, MariaDB %d", q, len(got.Fields), len(want.Fields))
		return
	}
	for i, w := range want.Fields {
		g := got.Fields[i]
		if g.Type != w.Type || g.ColumnLength != w.ColumnLength || g.Decimal != w.Decimal || g.Flag != w.Flag || g.Charset != w.Charset || string(g.Name) != string(w.Name) {
			t.Errorf("%s: column %s: proxy type %d length %d decimals %d flags %#x charset %d, MariaDB %d %d %d %#x %d",
				q, w.Name, g.Type, g.ColumnLength, g.Decimal, g.Flag, g.Charset, w.Type, w.ColumnLength, w.Decimal, w.Flag, w.Charset)
		}
	}
	if !values {
		return
	}
	if len(got.Values) != len(want.Values) {
		t.Errorf("%s: proxy %d rows, MariaDB %d", q, len(got.Values), len(want.Values))
		return
	}
	for i := range want.Values {
		for j := range want.Values[i] {
			gv, _ := got.GetString(i, j)
			wv, _ := want.GetString(i, j)
			if gv != wv {
				t.Errorf("%s: row %d column %s: proxy %q, MariaDB %q", q, i, want.Fields[j].Name, gv, wv)
			}
		}
	}
}

// textSteps runs each query once in session 0, with the text protocol.
func textSteps(queries ...string) []scriptStep {
	steps := make([]scriptStep, len(queries))
	for i, q := range queries {
		steps[i] = scriptStep{0, q, nil}
	}
	return steps
}

// compareQueries compares queries (text protocol) and then extra steps
// with one MariaDB through database/sql, then each query's column
// definitions and values through go-mysql.
func compareQueries(ctx context.Context, t *testing.T, proxy, direct *sql.DB, f *returningFixture, queries []string, extra ...scriptStep) {
	t.Helper()
	compareSessions(ctx, t, proxy, direct, 1, append(textSteps(queries...), extra...))
	for _, q := range queries {
		compareTwinFields(t, f, q, true)
	}
}

// compareCopies reads q (one value) from the shop database of both shards
// of f, read directly, and reports when a broadcast table's copies differ.
func compareCopies(ctx context.Context, t *testing.T, f *returningFixture, q string) {
	t.Helper()
	var s0, s1 string
	if err := f.s0.DB(t, "shop").QueryRowContext(ctx, q).Scan(&s0); err != nil {
		t.Fatal(err)
	}
	if err := f.s1.DB(t, "shop").QueryRowContext(ctx, q).Scan(&s1); err != nil {
		t.Fatal(err)
	}
	if s0 != s1 {
		t.Errorf("%s: the broadcast table's copies differ: %s on s0, %s on s1", q, s0, s1)
	}
}

// compareRawAnswers runs each statement through the proxy of f (database
// shop) and on its twin (database direct), each on one go-mysql
// connection, and compares the OK packets (rawOKAnswer: affected rows,
// warnings, info, then ROW_COUNT()) or, for a SELECT or a RETURNING, the
// rows (rowsAnswer).
func compareRawAnswers(t *testing.T, f *returningFixture, queries []string) {
	t.Helper()
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	for _, q := range queries {
		answer := rawOKAnswer
		if strings.HasPrefix(q, "SELECT") || strings.Contains(q, "RETURNING") {
			answer = rowsAnswer
		}
		if got, want := answer(t, proxy, q), answer(t, direct, q); got != strings.ReplaceAll(want, "`direct`", "`shop`") {
			t.Errorf("%s: through the proxy %s, on one server %s", q, got, want)
		}
	}
}
