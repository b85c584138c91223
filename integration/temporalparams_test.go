package integration

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// binDatetime is a DATE, DATETIME or TIMESTAMP parameter as the binary
// protocol carries it (libmariadb's MYSQL_TIME, Connector/J's Timestamp):
// 4 bytes for a date, 7 with a time of day, 11 with microseconds.
func binDatetime(tp byte, y, mo, d, h, mi, s int, us uint32) mysql.TypedBytes {
	b := binary.LittleEndian.AppendUint16(nil, uint16(y))
	b = append(b, byte(mo), byte(d))
	if tp != mysql.MYSQL_TYPE_DATE {
		b = append(b, byte(h), byte(mi), byte(s))
		if us != 0 {
			b = binary.LittleEndian.AppendUint32(b, us)
		}
	}
	return mysql.TypedBytes{Type: tp, Bytes: b}
}

// binTime is a TIME parameter: sign, days, hours, minutes, seconds and
// microseconds.
func binTime(neg bool, days uint32, h, mi, s int, us uint32) mysql.TypedBytes {
	b := []byte{0}
	if neg {
		b[0] = 1
	}
	b = binary.LittleEndian.AppendUint32(b, days)
	b = append(b, byte(h), byte(mi), byte(s))
	if us != 0 {
		b = binary.LittleEndian.AppendUint32(b, us)
	}
	return mysql.TypedBytes{Type: mysql.MYSQL_TYPE_TIME, Bytes: b}
}

// preparedAnswer executes q prepared with args on c and describes the
// answer: the error, or the affected rows, insert id, each column's
// metadata and the rows; then SHOW WARNINGS.
func preparedAnswer(c *client.Conn, q string, args ...any) string {
	var out strings.Builder
	st, err := c.Prepare(q)
	if err == nil {
		var r *mysql.Result
		r, err = st.Execute(args...)
		st.Close()
		if err == nil {
			fmt.Fprintf(&out, "affected %d id %d warnings %d:", r.AffectedRows, r.InsertId, r.Warnings)
			for _, f := range r.Fields {
				fmt.Fprintf(&out, " [%s type %d length %d decimals %d flags %#x charset %d]", f.Name, f.Type, f.ColumnLength, f.Decimal, f.Flag, f.Charset)
			}
			for i := range r.Values {
				for j := range r.Values[i] {
					v := r.Values[i][j].Value()
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					fmt.Fprintf(&out, " %v", v)
				}
				out.WriteString(";")
			}
		}
	}
	if err != nil {
		out.WriteString(err.Error())
	}
	if w, err := c.Execute("SHOW WARNINGS"); err == nil {
		for i := range w.Values {
			code, _ := w.GetInt(i, 1)
			msg, _ := w.GetString(i, 2)
			fmt.Fprintf(&out, " | %d %s", code, msg)
		}
	}
	return strings.ReplaceAll(out.String(), "`direct`", "`shop`")
}

// TestTemporalParamsOverShards: the parameters of the binary protocol
// that the proxy writes into the statements it rewrites for several
// shards. A DATE, DATETIME, TIMESTAMP or TIME parameter was written as a
// quoted string, which MariaDB compares and converts as a string: an INT
// column compared with DATETIME 2020-01-02 03:04:05 (MariaDB: as dates)
// was compared with 2020, with warnings; ? + 0 was 2020, not
// 20200102030405; a split INSERT of one into a BIGINT column failed (1265
// Data truncated) where MariaDB stores 20200102030405. They are
// written as typed literals (TIMESTAMP'2020-01-02 03:04:05.120000',
// DATE'..', TIME'-27:04:05'), which read back the same value and
// decimals; a date no literal reads back (a day its month lacks, a zero
// date under NO_ZERO_DATE, a value out of range) is refused. A LIMIT
// parameter over shards is converted as MariaDB converts it: a DOUBLE
// rounded half to even (2.7 kept 2 rows, MariaDB 3), a DECIMAL half away
// from zero (2.50 kept 2, MariaDB 3); a string it reads with a warning
// ('2.7') or a temporal one (DATE 2020-01-02 is 20200102) is refused.
func TestTemporalParamsOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, i BIGINT, v VARCHAR(30), dt DATETIME(6), dd DATE, tm TIME(6), ts TIMESTAMP(6) NULL)",
		"CREATE TABLE txitems (k INT PRIMARY KEY, i BIGINT, v VARCHAR(30), d DECIMAL(30,6), dt DATETIME, dd DATE, tm TIME)",
		"INSERT INTO gitems VALUES"+
			" (1, 20200102030405, '2020-01-02 03:04:05', '2020-01-02 03:04:05', '2020-01-02', '03:04:05', '2020-01-02 03:04:05'),"+
			" (2, 20200102, '2020-01-02 00:00:00', '2020-01-02 00:00:00', '2020-01-02', '27:04:05', '2020-01-02 03:04:05.12'),"+
			" (3, 30405, '03:04:05', '2020-01-02 03:04:05.12', '2020-01-03', '-27:04:05', NULL),"+
			" (4, 0, '0000-00-00 00:00:00', '0000-00-00 00:00:00', '0000-00-00', '00:00:00', NULL),"+
			" (20200103, 20200103, '2020-01-03 00:00:00', '2020-01-03 00:00:00', '2020-01-03', '838:59:59', '2020-01-03 00:00:00')")
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectTwinDirect(t, f)

	dt := binDatetime(mysql.MYSQL_TYPE_DATETIME, 2020, 1, 2, 3, 4, 5, 0)
	dtMicro := binDatetime(mysql.MYSQL_TYPE_DATETIME, 2020, 1, 2, 3, 4, 5, 120000)
	ts := binDatetime(mysql.MYSQL_TYPE_TIMESTAMP, 2020, 1, 2, 3, 4, 5, 120000)
	date := binDatetime(mysql.MYSQL_TYPE_DATE, 2020, 1, 2, 0, 0, 0, 0)
	date3 := binDatetime(mysql.MYSQL_TYPE_DATE, 2020, 1, 3, 0, 0, 0, 0)
	// A DATE sent with a time of day: MariaDB ignores the time.
	dateWithTime := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_DATE, Bytes: []byte{0xe4, 0x07, 1, 2, 3, 4, 5}}
	zeroDatetime := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_DATETIME}
	zeroDate := mysql.TypedBytes{Type: mysql.MYSQL_TYPE_DATE}
	zeroInDate := binDatetime(mysql.MYSQL_TYPE_DATE, 2020, 0, 0, 0, 0, 0, 0)
	year99 := binDatetime(mysql.MYSQL_TYPE_DATETIME, 99, 1, 2, 3, 4, 5, 0)
	tm := binTime(false, 0, 3, 4, 5, 0)
	tmNeg := binTime(true, 1, 3, 4, 5, 0)      // -27:04:05
	tmMicro := binTime(false, 0, 3, 4, 5, 1)   // 03:04:05.000001
	tmBeyond := binTime(false, 40, 3, 4, 5, 7) // 963 hours: 838:59:59.000007
	tmNegZero := binTime(true, 0, 0, 0, 0, 0)  // -00:00:00
	feb30 := binDatetime(mysql.MYSQL_TYPE_DATE, 2020, 2, 30, 0, 0, 0, 0)
	hour25 := binDatetime(mysql.MYSQL_TYPE_DATETIME, 2020, 1, 2, 25, 4, 5, 0)
	minute61 := binTime(false, 0, 3, 61, 5, 0)
	dec := func(s string) mysql.TypedBytes {
		return mysql.TypedBytes{Type: mysql.MYSQL_TYPE_NEWDECIMAL, Bytes: []byte(s)}
	}

	temporals := []any{dt, dtMicro, ts, date, date3, dateWithTime, zeroDatetime, zeroDate, zeroInDate, year99, tm, tmNeg, tmMicro, tmBeyond, tmNegZero}
	type step struct {
		q       string
		args    []any
		refused bool // the proxy answers 1235
	}
	var steps []step
	// Values DATE_ADD takes without a warning: each shard would warn
	// once about a zero date, where MariaDB warns once in all.
	valid := []any{dt, dtMicro, ts, date, date3, dateWithTime, year99, tm, tmNeg, tmMicro}
	for _, qs := range []struct {
		q    string
		vals []any
	}{
		{"SELECT k FROM gitems WHERE i = ? ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE v = ? ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE dt = ? ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE dd = ? ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE tm = ? ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE ts = ? ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE ? + 0 = i ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE CONCAT(?) = v ORDER BY k", temporals},
		{"SELECT k FROM gitems WHERE DATE_ADD(?, INTERVAL 1 DAY) > dt ORDER BY k", valid},
	} {
		for _, v := range qs.vals {
			steps = append(steps, step{q: qs.q, args: []any{v}})
		}
		for _, v := range []any{feb30, hour25, minute61} {
			steps = append(steps, step{q: qs.q, args: []any{v}, refused: true})
		}
	}
	for i, v := range temporals {
		k := 10*i + 1
		steps = append(steps,
			step{q: "INSERT INTO txitems (k, i, v, d, dt, dd, tm) VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)", args: []any{k, v, v, v, v, v, v, k + 1, v, v, v, v, v, v}},
			step{q: "SELECT * FROM txitems WHERE k IN (?, ?) ORDER BY k", args: []any{k, k + 1}})
	}
	limits := "SELECT k FROM gitems WHERE k > 0 ORDER BY k LIMIT ?"
	offsets := "SELECT k FROM gitems WHERE k > 0 ORDER BY k LIMIT ?, 10"
	for _, q := range []string{limits, offsets} {
		for _, v := range []any{2, -1, 2.5, 3.5, 2.7, -0.4, -1.0, 1e300, dec("2.50"), dec("2.4"), dec("-0.5"), "3", " 3", "-1", nil} {
			steps = append(steps, step{q: q, args: []any{v}})
		}
		for _, v := range []any{"2.7", "3 ", "abc", dec("x"), date, tm} {
			steps = append(steps, step{q: q, args: []any{v}, refused: true})
		}
	}
	for _, s := range steps {
		got, want := preparedAnswer(proxy, s.q, s.args...), preparedAnswer(direct, s.q, s.args...)
		switch {
		case s.refused && !strings.HasPrefix(got, "ERROR 1235 (42000)"):
			t.Errorf("%s %v: through the proxy %s, want 1235 (MariaDB: %s)", s.q, s.args, got, want)
		case !s.refused && got != want:
			t.Errorf("%s %v:\nthrough the proxy %s\non one server      %s", s.q, s.args, got, want)
		}
	}

	// A shard reads DATE'0000-00-00' as an error under NO_ZERO_DATE (and
	// DATE'2020-00-00' under NO_ZERO_IN_DATE) where the parameter binds.
	for _, c := range []*client.Conn{proxy, direct} {
		if _, err := c.Execute("SET sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE'"); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []any{zeroDatetime, zeroDate, zeroInDate} {
		q := "SELECT k FROM gitems WHERE dd = ? ORDER BY k"
		if got := preparedAnswer(proxy, q, v); !strings.HasPrefix(got, "ERROR 1235 (42000)") {
			t.Errorf("%s %v under NO_ZERO_DATE: through the proxy %s, want 1235 (MariaDB: %s)", q, v, got, preparedAnswer(direct, q, v))
		}
	}
	q := "SELECT k FROM gitems WHERE dd = ? ORDER BY k"
	if got, want := preparedAnswer(proxy, q, date), preparedAnswer(direct, q, date); got != want {
		t.Errorf("%s %v under NO_ZERO_DATE:\nthrough the proxy %s\non one server      %s", q, date, got, want)
	}
}
