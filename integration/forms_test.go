package integration

import (
	"database/sql"
	"regexp"
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
	conns := func(db *sql.DB) []*sql.Conn {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return []*sql.Conn{c}
	}
	got := runScript(ctx, t, conns(f.db(t, "shop", "")), steps)
	want := runScript(ctx, t, conns(f.shard(t, "direct_forms")), steps)
	for i := range steps {
		if got[i] != want[i] {
			t.Errorf("step %d, %q:\n  proxy:   %s\n  MariaDB: %s", i, steps[i].sql, got[i], want[i])
		}
	}
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
