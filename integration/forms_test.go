package integration

import (
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestStatementForms: statement forms real clients send, answered as one
// MariaDB answers them (the same script through the proxy and directly).
func TestStatementForms(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_forms")
	steps := []scriptStep{
		{0, "/* only a comment */", nil}, // go-sql-driver's TestEmptyQuery: OK
		{0, "-- a dash comment\n", nil},
		{0, "# a hash comment", nil},
		{0, ";", nil}, // 1065 Query was empty
		{0, "  ;  ", nil},
		{0, "SELECT 1 /* trailing */", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 1), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_forms"), 1), steps)
	compareScript(t, steps, got, want)
}

// TestComStatistics: COM_STATISTICS (mysqladmin status) gets the proxy's
// figures in MariaDB's format, and the session stays usable.
func TestComStatistics(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Execute("SELECT 1"); err != nil {
		t.Fatal(err)
	}
	c.ResetSequence()
	if err := c.WritePacket([]byte{0, 0, 0, 0, gomysql.COM_STATISTICS}); err != nil {
		t.Fatal(err)
	}
	p, err := c.ReadPacket()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^Uptime: \d+  Threads: [1-9]\d*  Questions: [1-9]\d*  Slow queries: \d+  Opens: 0  Open tables: 0  Queries per second avg: \d+\.\d{3}$`).Match(p) {
		t.Errorf("COM_STATISTICS answered %q", p)
	}
	if _, err := c.Execute("SELECT 2"); err != nil {
		t.Errorf("the session after COM_STATISTICS: %v", err)
	}
}

// TestWarningsPerSession: SHOW WARNINGS, SHOW ERRORS, SHOW COUNT(*)
// WARNINGS, @@warning_count and @@error_count answer each session's own
// last statement, as on one MariaDB, although the sessions share the
// proxy's two backend connections.
func TestWarningsPerSession(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 3, max_idle: 3}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_warn")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_warn")} {
		mustExec(t, db, "CREATE TABLE w (id INT PRIMARY KEY, s VARCHAR(3), n TINYINT)")
	}
	steps := []scriptStep{
		{0, "INSERT IGNORE INTO w VALUES (1, 'abcdef', 1000)", nil}, // 2 warnings: truncated, out of range
		{1, "INSERT INTO w VALUES (2, 'ok', 1)", nil},
		{1, "SHOW WARNINGS", nil},
		{0, "SHOW WARNINGS", nil},
		{0, "SELECT @@warning_count, @@error_count", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
		{1, "SELECT * FROM nosuch", nil}, // 1146
		{0, "SHOW WARNINGS", nil},        // still the INSERT's: reads do not reset them
		{1, "SHOW ERRORS", nil},
		{1, "SELECT @@error_count", nil},
		{0, "SELECT COUNT(*) FROM w", nil},
		{0, "SHOW WARNINGS", nil}, // empty now
		{1, "SHOW WARNINGS", nil},
		{2, "SHOW WARNINGS", nil},
		{0, "SELECT CAST('12x' AS INT)", nil}, // a warning from a SELECT
		{2, "SELECT COUNT(*) FROM w", nil},
		{0, "SHOW WARNINGS", nil},
		// Statements that use no table and raise nothing leave them.
		{1, "INSERT IGNORE INTO w VALUES (3, 'abcdef', 1000), (3, 'x', 1)", nil},
		{1, "SET @a = 1", nil},
		{1, "SELECT 1", nil},
		{1, "BEGIN", nil},
		{1, "COMMIT", nil},
		{1, "SELECT GET_LOCK('warn', 0), RELEASE_LOCK('warn')", nil},
		{1, "SET TRANSACTION READ ONLY", nil},
		{1, "SHOW WARNINGS", nil},
		{1, "SHOW WARNINGS LIMIT 1", nil},
		{1, "SHOW WARNINGS LIMIT 1, 5", nil},
		{1, "SHOW COUNT(*) ERRORS", nil},
		{1, "INSERT INTO w VALUES (4, 'ro', 1)", nil}, // 1792, raised by the proxy
		{1, "SHOW WARNINGS", nil},
		{1, "SELECT @@warning_count, @@error_count", nil},
		{1, "COMMIT", nil},
		{2, "CREATE TABLE IF NOT EXISTS w (id INT)", nil}, // a Note
		{2, "SHOW WARNINGS", nil},
		{2, "SELECT 1/0", nil}, // a statement that raises replaces them
		{2, "SHOW WARNINGS", nil},
		{2, "SHOW ERRORS", nil},
		// A fourth session runs while the three others hold diagnostics
		// (and the proxy has three backend connections).
		{0, "INSERT IGNORE INTO w VALUES (5, 'abcdef', 1)", nil},
		{3, "SELECT COUNT(*) FROM w", nil},
		{0, "SHOW WARNINGS", nil},
		// A failed statement can raise several conditions (strict mode: one
		// per value it could not convert); its error packet names one.
		{3, "SET SESSION sql_mode = 'STRICT_ALL_TABLES'", nil},
		{3, "UPDATE w SET n = 'x' + 'y' WHERE id = 1", nil}, // 1292 twice
		{3, "SELECT 1", nil},
		{3, "SHOW WARNINGS", nil},
		{3, "SELECT @@warning_count, @@error_count", nil},
		// max_error_count bounds the list, not the counters.
		{2, "SET SESSION max_error_count = 0", nil},
		{2, "SELECT * FROM nosuch", nil},
		{2, "SHOW WARNINGS", nil},
		{2, "SELECT @@warning_count, @@error_count", nil},
		{2, "SET SESSION max_error_count = 1", nil},
		{2, "INSERT IGNORE INTO w VALUES (6, 'abcdef', 1000)", nil},
		{2, "SHOW WARNINGS", nil},
		{2, "SELECT @@warning_count", nil},
		// The counters count what the list leaves out (2, 2 here).
		{3, "SET SESSION max_error_count = 1", nil},
		{3, "UPDATE w SET n = 'x' + 'y' WHERE id = 1", nil},
		{3, "SHOW WARNINGS", nil},
		{3, "SELECT @@warning_count, @@error_count", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 4), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_warn"), 4), steps)
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "direct_warn.", "shop.") // the only difference: the database's name
	}
	compareScript(t, steps, got, want)

	// The column definitions are MariaDB's.
	for _, q := range []string{"SHOW WARNINGS", "SHOW COUNT(*) WARNINGS", "SELECT @@warning_count, @@session.error_count"} {
		if g, w := columnTypes(t, f.db(t, "shop", ""), q), columnTypes(t, f.shard(t, "direct_warn"), q); g != w {
			t.Errorf("%s: columns through the proxy %s, direct %s", q, g, w)
		}
	}
	// A counter inside an expression is refused, not answered wrongly.
	_, err := f.db(t, "shop", "").Exec("SELECT @@warning_count + 1")
	wantMySQLError(t, err, 1235, "42000")
}

// sameColumns checks that each query's result column definitions through
// the proxy are those MariaDB gives directly.
func sameColumns(t *testing.T, proxy, direct *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if got, want := columnTypes(t, proxy, q), columnTypes(t, direct, q); got != want {
			t.Errorf("%s: column definitions:\n proxy:   %s\n MariaDB: %s", q, got, want)
		}
	}
}

// columnTypes describes a query's result columns: name, type, length,
// nullability.
func columnTypes(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ct := range cts {
		l, _ := ct.Length()
		n, _ := ct.Nullable()
		out = append(out, fmt.Sprintf("%s %s(%d) null=%v", ct.Name(), ct.DatabaseTypeName(), l, n))
	}
	return strings.Join(out, ", ")
}
