package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// TestTableAdminOverShards: ANALYZE, OPTIMIZE, CHECK and REPAIR TABLE of
// a sharded table run on every shard holding it and answer, as one
// MariaDB does, one result set (Table, Op, Msg_type, Msg_text) naming the
// schema's table; of an unsharded table, its shard's. OPTIMIZE TABLE
// rebuilds each shard's part (InnoDB gives the rebuilt table a new id),
// CHECK TABLE commits as MariaDB's does, and a table of a hidden schema is
// refused as ANALYZE's is.
func TestTableAdminOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT, KEY (n))",
		"INSERT INTO gitems VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT)",
	)
	tableID := func() int64 {
		return queryInt(t, f.s1.DB(t, ""), "SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME = 'shop/gitems'")
	}
	before := tableID()
	steps := []wireStep{
		{0, "ANALYZE TABLE gitems"},
		{0, "OPTIMIZE TABLE gitems"},
		{0, "ANALYZE TABLE plain"},
		{0, "OPTIMIZE TABLE plain"},
		{0, "OPTIMIZE TABLE nosuch"},
		{0, "ANALYZE TABLE plain, nosuch"},
		{0, "CHECK TABLE gitems"},
		{0, "CHECK TABLES gitems, gitems EXTENDED"},
		{0, "CHECK TABLE plain, nosuch FOR UPGRADE"},
		{0, "REPAIR NO_WRITE_TO_BINLOG TABLE gitems QUICK"},
		{0, "REPAIR TABLE plain"},
		{0, "BEGIN"},
		{0, "INSERT INTO plain VALUES (1, 1)"},
		{0, "CHECK TABLE gitems"}, // commits, as ANALYZE does
		{0, "ROLLBACK"},
		{0, "SELECT * FROM plain"},
		{0, "DO 1 / 0"},
		{0, "OPTIMIZE TABLE gitems"},
		{0, "SHOW WARNINGS"},
	}
	compareWireSessions(t, f, 1, steps)
	for _, q := range []string{"ANALYZE TABLE gitems", "OPTIMIZE TABLE gitems", "CHECK TABLE gitems", "REPAIR TABLE gitems"} {
		compareTwinFields(t, f, q, false)
	}
	// Prepared (binary protocol): the rows re-encoded, as one server
	// answers them.
	prepared := func(addr, user, pass, db, q string) string {
		c, err := client.Connect(addr, user, pass, db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		stmt, err := c.Prepare(q)
		if err != nil {
			return "prepare: " + err.Error()
		}
		defer stmt.Close()
		r, err := stmt.Execute()
		if err != nil {
			return "execute: " + err.Error()
		}
		out := fmt.Sprint(len(r.Fields), " columns:")
		for i := range r.Values {
			for j := range r.Values[i] {
				v, _ := r.GetString(i, j)
				out += " " + v
			}
		}
		return out
	}
	for _, q := range []string{"ANALYZE TABLE gitems", "CHECK TABLE gitems", "CHECKSUM TABLE gitems"} {
		got := prepared(f.p.Addr(), appUser, appPass, "shop", q)
		want := strings.ReplaceAll(prepared(f.s0.Addr(), "root", "", "direct", q), "direct.", "shop.")
		if got != want {
			t.Errorf("prepared %s:\n  proxy:   %s\n  MariaDB: %s", q, got, want)
		}
	}
	if after := tableID(); after == before {
		t.Errorf("OPTIMIZE TABLE gitems through the proxy left the second shard's part as it was (table id %d)", after)
	}
	for _, q := range []string{"ANALYZE TABLE mysql.user", "OPTIMIZE TABLE mysql.user", "CHECK TABLE mysql.user", "REPAIR TABLE mysql.user"} {
		_, err := proxy.ExecContext(ctx, q)
		if code := mysqlErrNumber(err); code != 1044 {
			t.Errorf("%s through the proxy: %v, want error 1044 (a hidden schema)", q, err)
		}
	}
}
