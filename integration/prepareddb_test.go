package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestPreparedAfterUse: a statement prepared in shop and executed after
// USE information_schema reads, in one MariaDB, the tables of the database
// of its PREPARE; through the proxy one naming its tables without their
// database is refused (it answered 1109 Unknown table 'gitems' in
// information_schema), one naming them with it answers as MariaDB. Both
// the binary protocol and SQL PREPARE.
func TestPreparedAfterUse(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, s VARCHAR(10))",
		"INSERT INTO gitems VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
	)
	cases := []struct {
		sql     string // shop is the database, direct on one MariaDB
		refused bool
	}{
		{"SELECT COUNT(*), MAX(s) FROM gitems WHERE k > ?", true},
		{"SELECT k, s FROM gitems WHERE k > ? ORDER BY k", true},
		{"SELECT k, s FROM gitems WHERE k = ? + 1", true},
		{"SELECT COUNT(*), MAX(s) FROM shop.gitems WHERE k > ?", false},
		{"SELECT k, s FROM shop.gitems WHERE k > ? ORDER BY k", false},
	}
	run := func(addr, user, pass, db, q string, sqlPrepare bool) string {
		c := connectGoMySQL(t, addr, user, pass, db)
		q = strings.ReplaceAll(q, "shop.", db+".")
		var b strings.Builder
		answer := func(r *mysql.Result, err error) {
			if err != nil {
				b.WriteString(err.Error()[:min(len(err.Error()), 22)])
				return
			}
			for i := range r.Values {
				for j := range r.Values[i] {
					v, _ := r.GetString(i, j)
					fmt.Fprintf(&b, "%s,", v)
				}
				b.WriteString(";")
			}
		}
		if sqlPrepare {
			if _, err := c.Execute("PREPARE p FROM '" + q + "'"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Execute("USE information_schema"); err != nil {
				t.Fatal(err)
			}
			r, err := c.Execute("EXECUTE p USING 1")
			answer(r, err)
			return b.String()
		}
		st, err := c.Prepare(q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Execute("USE information_schema"); err != nil {
			t.Fatal(err)
		}
		r, err := st.Execute(int64(1))
		answer(r, err)
		return b.String()
	}
	for _, c := range cases {
		for _, sqlPrepare := range []bool{false, true} {
			got := run(f.p.Addr(), appUser, appPass, "shop", c.sql, sqlPrepare)
			if c.refused {
				if !strings.HasPrefix(got, "ERROR 1235 (42000)") {
					t.Errorf("%s (SQL PREPARE %v) after USE: %s, want 1235", c.sql, sqlPrepare, got)
				}
				continue
			}
			want := run(f.s0.Addr(), "root", "", "direct", c.sql, sqlPrepare)
			if got != want {
				t.Errorf("%s (SQL PREPARE %v) after USE: proxy %s, MariaDB %s", c.sql, sqlPrepare, got, want)
			}
		}
	}
}
