package integration

import (
	"database/sql"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestMultiStatements: with CLIENT_MULTI_STATEMENTS a query of several
// statements runs them one by one with MariaDB's multi-result framing and
// stops at the first error; without it, it is a syntax error (1064), as on
// MariaDB. Checked through go-sql-driver (multiStatements=true) against a
// direct MariaDB connection, and frame by frame with go-mysql's client.
func TestMultiStatements(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_multi")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_multi")} {
		mustExec(t, db, "CREATE TABLE ms (id INT PRIMARY KEY, v VARCHAR(10))")
	}
	steps := []scriptStep{
		{0, "INSERT INTO ms VALUES (1, 'a;b'); INSERT INTO ms VALUES (2, 'c'); UPDATE ms SET v = 'd' WHERE id = 2", nil},
		{0, "SELECT COUNT(*) FROM ms; SELECT 1", nil}, // database/sql reads the first result
		{0, "INSERT INTO ms VALUES (3, 'x'); INSERT INTO ms VALUES (1, 'dup'); INSERT INTO ms VALUES (4, 'never')", nil},
		{0, "SELECT id, v FROM ms ORDER BY id", nil},
		{1, "SELECT 1; SELECT 2", nil}, // session 1 did not enable multi-statements
		{0, "SET @a = 1; SELECT @a + 1", nil},
		{0, "BEGIN; INSERT INTO ms VALUES (5, 'tx'); ROLLBACK", nil},
		{0, "SELECT COUNT(*) FROM ms", nil},
	}
	got := runScript(ctx, t, openEach(ctx, t, f.db(t, "shop", "multiStatements=true"), f.db(t, "shop", "")), steps)
	direct := func(params string) *sql.DB {
		db, err := sql.Open("mysql", f.s0.DSN("direct_multi")+params)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	want := runScript(ctx, t, openEach(ctx, t, direct("?multiStatements=true"), direct("")), steps)
	compareScript(t, steps, got, want)

	// Every result of a multi-result answer, as go-mysql's client reads
	// them: three results, then the error that ends the query.
	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop", func(c *client.Conn) error {
		return c.SetCapability(gomysql.CLIENT_MULTI_STATEMENTS)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var results []string
	_, err = c.ExecuteMultiple("SELECT 10; UPDATE ms SET v = 'e' WHERE id = 1; SELECT v FROM ms WHERE id = 1; SELECT * FROM nosuch; SELECT 99", func(r *gomysql.Result, err error) {
		switch {
		case err != nil:
			results = append(results, "error")
		case r.Resultset != nil && len(r.Values) > 0:
			s, _ := r.GetString(0, 0)
			results = append(results, "rows "+s)
		default:
			results = append(results, "ok")
		}
	})
	t.Logf("go-mysql ExecuteMultiple: %v (err %v)", results, err)
	if len(results) != 4 || results[0] != "rows 10" || results[1] != "ok" || results[2] != "rows e" || results[3] != "error" {
		t.Errorf("multi-result answer read as %v, want [rows 10, ok, rows e, error] (nothing after the error)", results)
	}
	if _, err := c.Execute("SELECT 1"); err != nil {
		t.Errorf("the session after a multi-statement query: %v", err)
	}
}
