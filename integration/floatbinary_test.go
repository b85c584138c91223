package integration

import (
	"fmt"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// TestFloatsInTheBinaryProtocolOverShards: a FLOAT column's text has 6
// significant digits, so a merge over several shards refuses to pass one
// to a binary-protocol client (it sent 1 for 1.0000001); CAST AS DOUBLE
// runs. A FLOAT parameter is the double MariaDB widens it to: the proxy
// wrote -1e-01 into the shards' statements for float32(-0.1), which found
// no row and stored 0.1 for 0.10000000149011612.
func TestFloatsInTheBinaryProtocolOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxyDB, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, fl FLOAT)",
		"CREATE TABLE txitems (k INT PRIMARY KEY, db DOUBLE)",
		"INSERT INTO gitems VALUES (1, 1.0000001), (2, 2), (3, -0.1), (4, 3.4e38)")
	wantUnsupported(ctx, t, proxyDB, []any{0},
		"SELECT k, fl FROM gitems WHERE k > ? ORDER BY k",
		"SELECT MAX(fl) FROM gitems WHERE k > ?",
	)
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	run := func(c *client.Conn, q string, args ...any) string {
		st, err := c.Prepare(q)
		if err != nil {
			return "prepare: " + err.Error()
		}
		defer st.Close()
		r, err := st.Execute(args...)
		if err != nil {
			return err.Error()
		}
		out := fmt.Sprintf("affected %d:", r.AffectedRows)
		for i := range r.Values {
			for j := range r.Values[i] {
				out += fmt.Sprintf(" %v", r.Values[i][j].Value())
			}
			out += ";"
		}
		return out
	}
	for _, s := range []struct {
		q    string
		args []any
	}{
		{"SELECT k, CAST(fl AS DOUBLE) FROM gitems WHERE k > ? ORDER BY k", []any{0}},
		{"SELECT k FROM gitems WHERE fl = ?", []any{float32(-0.1)}},
		{"SELECT k FROM gitems WHERE fl = ? AND k IN (1, 3)", []any{float32(1.0000001)}},
		{"INSERT INTO txitems VALUES (?, ?), (?, ?)", []any{1, float32(0.1), 2, float32(-2.5e-8)}},
		{"SELECT k, db FROM txitems WHERE k > ? ORDER BY k", []any{0}},
	} {
		if got, want := run(proxy, s.q, s.args...), run(direct, s.q, s.args...); got != want {
			t.Errorf("%s %v: through the proxy %s, on one server %s", s.q, s.args, got, want)
		}
	}
}
