package integration

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestIdentityColumnNames: a statement with USER(), CURRENT_USER() or
// CONNECTION_ID(), which the proxy writes back with its own session's
// values, names its other columns as one MariaDB does, in a query and at
// COM_STMT_PREPARE and COM_STMT_EXECUTE: count(*) stayed COUNT(1) and k+1
// became `k`+1, the restored text's names.
func TestIdentityColumnNames(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, s VARCHAR(10))",
		"INSERT INTO gitems VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')",
	)
	p := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	d := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	names := func(fs []*mysql.Field) string {
		var out []string
		for _, f := range fs {
			out = append(out, string(f.Name))
		}
		return strings.Join(out, " | ")
	}
	rawNames := func(raw [][]byte) string {
		fs := make([]*mysql.Field, len(raw))
		for i, r := range raw {
			fs[i] = &mysql.Field{}
			if err := fs[i].Parse(r); err != nil {
				t.Fatal(err)
			}
		}
		return names(fs)
	}
	for _, q := range []string{
		"SELECT COUNT(*), USER() FROM gitems WHERE k = 4",
		"SELECT k+1, s, count(*) , CURRENT_USER() FROM gitems WHERE k = 4 GROUP BY k",
		"SELECT k, 'lit', 2.50, gitems.s, CONNECTION_ID() > 0 FROM gitems WHERE k = 4",
		"SELECT x.`COUNT(*)` FROM (SELECT COUNT(*), USER() FROM gitems WHERE k = 4) x",
	} {
		answer := func(c interface {
			Execute(string, ...any) (*mysql.Result, error)
		}) string {
			r, err := c.Execute(q)
			if err != nil {
				return err.Error()
			}
			return names(r.Fields)
		}
		if got, want := answer(p), answer(d); got != want {
			t.Errorf("query %s: proxy %s, MariaDB %s", q, got, want)
		}
		ps, err := p.Prepare(q)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := d.Prepare(q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := rawNames(ps.RawColumnFields), rawNames(ds.RawColumnFields); got != want {
			t.Errorf("COM_STMT_PREPARE %s: proxy %s, MariaDB %s", q, got, want)
		}
		pr, err1 := ps.Execute()
		dr, err2 := ds.Execute()
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", q, err1, err2)
		}
		if got, want := names(pr.Fields), names(dr.Fields); got != want {
			t.Errorf("COM_STMT_EXECUTE %s: proxy %s, MariaDB %s", q, got, want)
		}
	}
}
