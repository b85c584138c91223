package integration

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestNumericParamsOverShards: DECIMAL, DOUBLE and other typed
// parameters of the binary protocol that the proxy writes into the
// statements it rewrites for several shards. A DECIMAL 3 was written as
// 3, an INT, which compares with a string otherwise ('3.0000000000000000001'
// = DECIMAL 3 holds, = 3 does not): it is written 3.; DECIMAL text
// MariaDB reads its own way ('1e1' is 10, ' 2.5' is 2.5, '0x10' is 0) was
// written as a string, so a split INSERT stored '1e1' in a VARCHAR where
// MariaDB stores '10', and failed with 1265 where MariaDB stores 0: it is
// refused, as are an infinite DOUBLE (written NULL: MariaDB refuses to
// store it, 1264), a YEAR or BIT (MariaDB binds a typed NULL and reads no
// bytes for it, so the parameters after it are read from its bytes) and
// a GEOMETRY. A parameter type MariaDB does not bind (JSON) is 1210, and
// so is EXECUTE ... USING a negative LIMIT (the merge applied no limit).
func TestNumericParamsOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, v VARCHAR(40), d DECIMAL(20,6), db DOUBLE, i BIGINT)",
		"CREATE TABLE txitems (k INT PRIMARY KEY, v VARCHAR(80), d DECIMAL(20,6), db DOUBLE, i BIGINT)",
		"INSERT INTO litems VALUES (1, '3.0000000000000000001', 3, 3, 3), (2, '2.5', 2.5, 2.5, 2), (3, '0', 0, 0, 0), (4, '0.5', 0.5, 0.5, 1)")
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectTwinDirect(t, f)
	dec := func(s string) mysql.TypedBytes {
		return mysql.TypedBytes{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Bytes: []byte(s)}
	}
	year := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_YEAR, Bytes: []byte{7}}
	bit := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_BIT, Bytes: []byte{7}}
	geometry := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_GEOMETRY, Bytes: []byte{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}}
	json := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_JSON, Bytes: []byte(`{"a":1}`)}
	big := dec(strings.Repeat("9", 66))

	const same, refused, wrongArguments = "", "ERROR 1235 (42000)", "ERROR 1210 (HY000)"
	type step struct {
		q    string
		args []any
		want string // same: MariaDB's answer; else the proxy's error
	}
	var steps []step
	for _, q := range []string{
		"SELECT k FROM litems WHERE v = ? ORDER BY k",
		"SELECT k FROM litems WHERE d = ? ORDER BY k",
		"SELECT k FROM litems WHERE ? / 3 < d ORDER BY k",
		"SELECT k FROM litems WHERE CONCAT(?) = v ORDER BY k",
	} {
		for _, v := range []any{dec("3"), dec("3.0"), dec("-3"), dec("-0"), dec(".5"), dec("+2.5"), dec("5."), int64(3), 2.5, float32(0.5), 3.0} {
			steps = append(steps, step{q, []any{v}, same})
		}
		for _, v := range []any{dec("1e1"), dec(" 2.5"), dec("0x10"), big, math.Inf(1), math.NaN(), year, bit, geometry} {
			steps = append(steps, step{q, []any{v}, refused})
		}
		steps = append(steps, step{q, []any{json}, wrongArguments})
	}
	for i, v := range []any{dec("3"), dec("-0"), dec(".5"), dec("2.50"), 2.5, float32(0.1), int64(-7)} {
		k := 10*i + 1
		steps = append(steps,
			step{"INSERT INTO txitems VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)", []any{k, v, v, v, v, k + 1, v, v, v, v}, same},
			step{"SELECT * FROM txitems WHERE k IN (?, ?) ORDER BY k", []any{k, k + 1}, same})
	}
	for _, v := range []any{dec("1e1"), dec("0x10"), math.Inf(-1)} {
		steps = append(steps, step{"INSERT INTO txitems VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)", []any{100, v, v, v, v, 101, v, v, v, v}, refused})
	}
	// The YEAR binds as NULL (offset 0) and the count is read from its
	// bytes: 1, 7, 2, 0... is 132865.
	steps = append(steps, step{"SELECT k FROM litems WHERE k > 0 ORDER BY k LIMIT ?, ?", []any{year, int64(2)}, same})
	for _, s := range steps {
		got, want := preparedAnswer(proxy, s.q, s.args...), preparedAnswer(direct, s.q, s.args...)
		switch {
		case s.want == same && got != want:
			t.Errorf("%s %v:\nthrough the proxy %s\non one server      %s", s.q, s.args, got, want)
		case s.want != same && !strings.HasPrefix(got, s.want):
			t.Errorf("%s %v: through the proxy %s, want %s (MariaDB: %s)", s.q, s.args, got, s.want, want)
		}
	}

	// EXECUTE ... USING a negative LIMIT is 1210 in MariaDB, where the
	// binary protocol's -1 means no limit: the merge applied no limit.
	for _, c := range []*client.Conn{proxy, direct} {
		for _, q := range []string{"SET @neg = -1, @half = 2.5", "PREPARE s FROM 'SELECT k FROM litems WHERE k > 0 ORDER BY k LIMIT ?, ?'"} {
			if _, err := c.Execute(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	for _, u := range []struct{ using, want string }{
		{"0, -1", same}, {"-1, 2", same}, {"0, '-1'", same}, {"0, @neg", same}, {"0, -0.5", same},
		{"0, -0.4", same}, {"0, 2.5", same}, {"@half, 2.5e0", same}, {"0, 3.5e0", same},
		{"0, 18446744073709551615", same}, {"NULL, 2", same}, {"0, '2.7'", refused},
	} {
		q := "EXECUTE s USING " + u.using
		got, want := textAnswer(proxy, q), textAnswer(direct, q)
		switch {
		case u.want == same && got != want:
			t.Errorf("%s:\nthrough the proxy %s\non one server      %s", q, got, want)
		case u.want != same && !strings.HasPrefix(got, u.want):
			t.Errorf("%s: through the proxy %s, want %s (MariaDB: %s)", q, got, u.want, want)
		}
	}
}

// textAnswer runs q as a text query on c and describes the answer: the
// error or the rows, then SHOW WARNINGS.
func textAnswer(c *client.Conn, q string) string {
	var out strings.Builder
	r, err := c.Execute(q)
	if err != nil {
		out.WriteString(err.Error())
	} else {
		for i := range r.Values {
			for j := range r.Values[i] {
				s, _ := r.GetString(i, j)
				out.WriteString(" " + s)
			}
			out.WriteString(";")
		}
	}
	if w, err := c.Execute("SHOW WARNINGS"); err == nil {
		for i := range w.Values {
			code, _ := w.GetInt(i, 1)
			msg, _ := w.GetString(i, 2)
			fmt.Fprintf(&out, " | %d %s", code, msg)
		}
	}
	return out.String()
}
