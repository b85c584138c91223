package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestInsertCountsAsOneServer: INSERT ... ON DUPLICATE KEY UPDATE and
// INSERT IGNORE answer what one MariaDB answers, to clients that connected
// with CLIENT_FOUND_ROWS (JDBC's and mysql2's default: an unchanged
// duplicate counts 1, not 0) and to clients without it: the affected rows,
// the OK packet's info ("Records: 3  Duplicates: 1  Warnings: 0"), its
// warnings, ROW_COUNT() after it and SHOW WARNINGS. The statements run on
// a table sharded over two shards (one shard's part, and parts on both;
// a shard's part of one row that fails a CHECK constraint is skipped
// under IGNORE, as in a statement of several rows) and on an unsharded
// one, through the proxy and on a server holding all rows; the OK packets
// are read raw, as the info is not in go-mysql's result.
func TestInsertCountsAsOneServer(t *testing.T) {
	t.Parallel()
	setup := []string{
		"CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, u INT, UNIQUE KEY (u), CHECK (v < 1000))",
		"CREATE TABLE plainup (k INT PRIMARY KEY, v INT, u INT, UNIQUE KEY (u), CHECK (v < 1000))",
	}
	_, _, _, f := startTwinFixture(t, setup...)
	// k mod 2 picks the shard; the u values that collide have k of one
	// parity, so that each shard enforces the unique key as one server.
	statements := func(table string) []string {
		return []string{
			"INSERT INTO %s VALUES (1, 1, 101), (2, 2, 102), (3, 3, 103), (4, 4, 104), (5, 5, 105), (6, 6, 106)",
			"INSERT INTO %s VALUES (1, 1, 101) ON DUPLICATE KEY UPDATE v = VALUES(v)",              // unchanged
			"INSERT INTO %s VALUES (1, 10, 101) ON DUPLICATE KEY UPDATE v = VALUES(v)",             // changed
			"INSERT INTO %s VALUES (7, 7, 107) ON DUPLICATE KEY UPDATE v = VALUES(v)",              // inserted
			"INSERT INTO %s SET k = 2, v = 2, u = 102 ON DUPLICATE KEY UPDATE v = 2",               // unchanged
			"INSERT INTO %s VALUES (2, 2, 102), (4, 4, 104) ON DUPLICATE KEY UPDATE v = VALUES(v)", // one shard, unchanged
			"INSERT INTO %s VALUES (1, 10, 101), (2, 2, 102), (3, 30, 103), (8, 8, 108) ON DUPLICATE KEY UPDATE v = VALUES(v)",
			"INSERT INTO %s VALUES (1, 10, 101), (2, 2, 102) ON DUPLICATE KEY UPDATE v = VALUES(v)", // both shards, unchanged
			"INSERT INTO %s VALUES (5, 50, 105), (6, 6, 106), (9, 9, 109), (10, 10, 110) ON DUPLICATE KEY UPDATE v = VALUES(v) + 0",
			"INSERT IGNORE INTO %s VALUES (1, 10, 101), (2, 20, 102), (11, 11, 111) ON DUPLICATE KEY UPDATE v = VALUES(v)",
			"INSERT IGNORE INTO %s VALUES (1, 10, 101), (12, 12, 112) ON DUPLICATE KEY UPDATE v = VALUES(v)",
			"INSERT IGNORE INTO %s VALUES (3, 3, 103) ON DUPLICATE KEY UPDATE u = 101", // the update hits u = 101: skipped, a warning
			"INSERT IGNORE INTO %s VALUES (3, 3, 103), (4, 4, 104) ON DUPLICATE KEY UPDATE u = u - 2",
			"INSERT IGNORE INTO %s VALUES (13, 13, 113) ON DUPLICATE KEY UPDATE v = 0",
			"INSERT IGNORE INTO %s VALUES (13, 13, 113) ON DUPLICATE KEY UPDATE v = 13",
			"INSERT INTO %s VALUES (14, 14, 114), (15, 15, 115) ON DUPLICATE KEY UPDATE v = v",
			"INSERT INTO %s VALUES (14, 14, 114), (15, 15, 115) ON DUPLICATE KEY UPDATE v = v",
			"INSERT INTO %s VALUES (2, 2, 102) ON DUPLICATE KEY UPDATE v = 3, u = 102",
			// INSERT ... SELECT's info counts only the rows it changed,
			// with CLIENT_FOUND_ROWS too.
			"INSERT INTO %[1]s (k, v, u) SELECT k, v, u FROM %[1]s WHERE k IN (1, 2, 3) ON DUPLICATE KEY UPDATE v = VALUES(v)",
			"INSERT INTO %[1]s (k, v, u) SELECT k, v, u FROM %[1]s WHERE k IN (1, 2, 3) ON DUPLICATE KEY UPDATE v = VALUES(v) + (k = 2)",
			"REPLACE INTO %s VALUES (1, 1, 101), (2, 2, 102)",
			// Each row meets two rows of its shard (k and u): REPLACE
			// deletes both, one server counts 2 duplicates per row.
			"REPLACE INTO %s VALUES (5, 5, 107), (6, 6, 108)",
			"UPDATE %s SET v = v WHERE k < 5",
			"INSERT INTO %s VALUES (16, 16, 116), (17, 17, 117)",
			"INSERT IGNORE INTO %s VALUES (18, 18, 118), (20, 20, 120), (19, 2000, 119)", // 19 alone on its shard
			"SHOW WARNINGS",
			"INSERT IGNORE INTO %s VALUES (22, 2000, 122), (23, 23, 123) ON DUPLICATE KEY UPDATE v = 1",
			"SHOW WARNINGS",
			"INSERT IGNORE INTO %s VALUES (24, 2000, 124)", // one row: an error, IGNORE or not
			"SELECT k, v, u FROM %s ORDER BY k",
		}
	}
	connect := func(addr, user, pass, db string, foundRows bool) *client.Conn {
		c, err := client.Connect(addr, user, pass, db, func(c *client.Conn) error {
			if foundRows {
				return c.SetCapability(gomysql.CLIENT_FOUND_ROWS)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	for _, table := range []string{"modeitems", "plainup"} {
		for _, foundRows := range []bool{true, false} {
			proxy := connect(f.p.Addr(), appUser, appPass, "shop", foundRows)
			direct := connect(f.s0.Addr(), "root", "", "direct", foundRows)
			for _, c := range []*client.Conn{proxy, direct} {
				if _, err := c.Execute("DELETE FROM " + table); err != nil {
					t.Fatal(err)
				}
			}
			// A COM_PING after a prepared upsert answers its own OK.
			for _, c := range []*client.Conn{proxy, direct} {
				st, err := c.Prepare("INSERT INTO " + table + " (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)")
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
			}
			if got, want := rawPing(t, proxy), rawPing(t, direct); got != want {
				t.Errorf("COM_PING after a prepared upsert (CLIENT_FOUND_ROWS %v): through the proxy %s, on one server %s", foundRows, got, want)
			}
			for _, q := range statements(table) {
				if strings.Contains(q, "%s") || strings.Contains(q, "%[1]s") {
					q = fmt.Sprintf(q, table)
				}
				answer := rawOKAnswer
				if strings.HasPrefix(q, "S") {
					answer = rowsAnswer
				}
				got, want := answer(t, proxy, q), answer(t, direct, q)
				want = strings.ReplaceAll(want, "`direct`", "`shop`")
				if got != want {
					t.Errorf("%s (CLIENT_FOUND_ROWS %v): through the proxy %s, on one server %s", q, foundRows, got, want)
				}
			}
		}
	}
}

// rawOKAnswer sends q as a COM_QUERY and describes the OK packet (affected
// rows, warnings and info) or the error it got, and ROW_COUNT() after it.
func rawOKAnswer(t *testing.T, c *client.Conn, q string) string {
	t.Helper()
	c.ResetSequence()
	if err := c.WritePacket(append([]byte{0, 0, 0, 0, gomysql.COM_QUERY}, q...)); err != nil {
		t.Fatal(err)
	}
	p, err := c.ReadPacket()
	if err != nil {
		t.Fatal(err)
	}
	var answer string
	switch p[0] {
	case gomysql.ERR_HEADER:
		answer = fmt.Sprintf("error %q", p[3:])
	case gomysql.OK_HEADER:
		b := p[1:]
		affected, _, n := gomysql.LengthEncodedInt(b)
		b = b[n:]
		_, _, n = gomysql.LengthEncodedInt(b)
		b = b[n:]
		warnings := int(b[2]) | int(b[3])<<8
		info := ""
		if len(b) > 4 {
			s, _, _, err := gomysql.LengthEncodedString(b[4:])
			if err != nil {
				t.Fatalf("%s: the OK packet's info: %v", q, err)
			}
			info = string(s)
		}
		answer = fmt.Sprintf("affected %d, warnings %d, info %q", affected, warnings, info)
	default:
		t.Fatalf("%s: answered %q, want an OK or an error packet", q, p)
	}
	r, err := c.Execute("SELECT ROW_COUNT()")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := r.GetInt(0, 0)
	return fmt.Sprintf("%s, then ROW_COUNT() %d", answer, n)
}

// rowsAnswer runs q and describes its rows, as text.
func rowsAnswer(t *testing.T, c *client.Conn, q string) string {
	t.Helper()
	r, err := c.Execute(q)
	if err != nil {
		return fmt.Sprintf("error %v", err)
	}
	var b strings.Builder
	for i := range r.Values {
		for j := range r.Values[i] {
			v, err := r.GetString(i, j)
			if err != nil {
				t.Fatalf("%s: row %d column %d: %v", q, i, j, err)
			}
			fmt.Fprintf(&b, "%q ", v)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// rawPing sends COM_PING and describes its OK packet's counts.
func rawPing(t *testing.T, c *client.Conn) string {
	t.Helper()
	c.ResetSequence()
	if err := c.WritePacket([]byte{0, 0, 0, 0, gomysql.COM_PING}); err != nil {
		t.Fatal(err)
	}
	p, err := c.ReadPacket()
	if err != nil {
		t.Fatal(err)
	}
	if p[0] != gomysql.OK_HEADER {
		t.Fatalf("COM_PING answered %q", p)
	}
	affected, _, n := gomysql.LengthEncodedInt(p[1:])
	insertID, _, _ := gomysql.LengthEncodedInt(p[1+n:])
	return fmt.Sprintf("affected %d, insert id %d", affected, insertID)
}

// TestSplitInsertStatementWarnings: MariaDB warns once per statement of a
// NOT NULL column without a default that a non-strict INSERT leaves out
// (1364); every shard of a split INSERT warned of it again.
func TestSplitInsertStatementWarnings(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE litems (k INT PRIMARY KEY, s VARCHAR(4) NOT NULL, n INT NOT NULL)")
	proxy, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	direct, err := client.Connect(f.s0.Addr(), "root", "", "direct")
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	for _, q := range []string{
		"SET sql_mode = ''",
		"INSERT INTO litems (k, s) VALUES (8, 'c'), (9, 'd'), (10, 'e'), (11, 'f')",
		"SHOW WARNINGS",
		"SELECT @@warning_count",
		"INSERT INTO litems (k) VALUES (12), (13), (14)",
		"SHOW WARNINGS",
		"INSERT INTO litems (k, s) VALUES (15, 'toolong'), (16, 'x'), (17, 'waytoolong')",
		"SHOW WARNINGS",
		"INSERT INTO litems VALUES (18, 'a', DEFAULT), (19, 'b', DEFAULT)",
		"SHOW WARNINGS",
		"INSERT INTO litems (k, s) VALUES (20, 'c')",
		"SHOW WARNINGS",
		// Strict: the shard of the one NULL row runs it alone, which
		// MariaDB follows with an "Error 1105 Unknown error".
		"SET sql_mode = DEFAULT",
		"INSERT INTO litems (k, s, n) VALUES (21, 'a', 1), (22, NULL, 2), (23, 'b', 3)",
		"SHOW WARNINGS",
		"SELECT @@warning_count, @@error_count",
		"SELECT k, s, n FROM litems ORDER BY k",
	} {
		answer := rawOKAnswer
		if strings.HasPrefix(q, "S") && !strings.HasPrefix(q, "SET") {
			answer = rowsAnswer
		}
		if got, want := answer(t, proxy, q), answer(t, direct, q); got != want {
			t.Errorf("%s: through the proxy %s, on one server %s", q, got, want)
		}
	}
}
