package integration

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
	perrors "github.com/pingcap/errors"
)

// TestCallWithoutMultiResults: a client that did not set
// CLIENT_MULTI_RESULTS (go-mysql's client) cannot read a CALL's result
// sets: MariaDB answers 1312 before running such a procedure. Through the
// proxy, whose shard connections set the flag, the rows came and the
// client read the next answer out of step ("invalid sequence"); such a
// CALL is refused (1235) and the session goes on. With the flag (as
// go-sql-driver sets it) CALL runs.
func TestCallWithoutMultiResults(t *testing.T) {
	t.Parallel()
	ctx, proxy, _, f := startTwinFixture(t,
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT)",
		"CREATE PROCEDURE p1() SELECT 1",
		"CREATE PROCEDURE p2() INSERT INTO plain VALUES (1, 1)",
	)
	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.HasCapability(gomysql.CLIENT_MULTI_RESULTS) {
		t.Fatal("go-mysql's client set CLIENT_MULTI_RESULTS: the test needs a client without it")
	}
	for _, q := range []string{"CALL p1()", "CALL p2()"} {
		_, err := c.Execute(q)
		if me, ok := perrors.Cause(err).(*gomysql.MyError); !ok || me.Code != 1235 {
			t.Errorf("%s without CLIENT_MULTI_RESULTS: %v, want 1235", q, err)
		}
		if r, err := c.Execute("SELECT 7"); err != nil || len(r.Values) != 1 {
			t.Fatalf("the session after %s: %v", q, err)
		}
	}
	if n := queryInt(t, proxy, "SELECT COUNT(*) FROM plain"); n != 0 {
		t.Errorf("a refused CALL p2() ran: %d rows", n)
	}
	// CLIENT_MULTI_STATEMENTS implies it (MariaDB sets it then).
	multi, err := client.Connect(f.p.Addr(), appUser, appPass, "shop", func(c *client.Conn) error {
		return c.SetCapability(gomysql.CLIENT_MULTI_STATEMENTS)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer multi.Close()
	if _, err := multi.Execute("CALL p2()"); err != nil {
		t.Errorf("CALL p2() with CLIENT_MULTI_STATEMENTS: %v", err)
	}
	mustExec(t, proxy, "DELETE FROM plain")
	conn := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, conn, "CALL p2()")
	if n := queryInt(t, proxy, "SELECT COUNT(*) FROM plain"); n != 1 {
		t.Errorf("CALL p2() with CLIENT_MULTI_RESULTS: %d rows, want 1", n)
	}
}
