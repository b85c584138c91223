package integration

import (
	"database/sql"
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
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 3), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_warn"), 3), steps)
	for i := range want {
		want[i] = strings.ReplaceAll(want[i], "direct_warn.", "shop.") // the only difference: the database's name
	}
	compareScript(t, steps, got, want)
}
