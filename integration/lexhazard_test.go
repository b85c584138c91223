package integration

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLexHazards: texts that the proxy's lexers or its parser would read
// otherwise than MariaDB (a third review's cases) are refused, or read as
// MariaDB reads them, and never run with part of them hidden from the
// router: each case's UPDATE of two accounts on two shards, or hidden
// UPDATE, must leave both balances as one server would.
func TestLexHazards(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := p.DB(t, appUser, appPass, "bank", "timeout=5s&multiStatements=true")
	ctx := testCtx(t, 2*time.Minute)
	tests := []struct {
		name  string
		pre   []string
		query string // %a and %b: two accounts on two shards
		// refused: 1235; else the statement runs and adds bal to the
		// accounts listed in bumped.
		refused bool
		bumped  string // "a", "b", "ab" or ""
	}{
		{name: "gbk: -- before a lead byte is two minus signs to MariaDB",
			pre:   []string{"SET NAMES gbk"},
			query: "UPDATE accounts AS \xa0\xa1 SET bal = bal + 1 WHERE id = %a --\xa0\xa1.id OR id = %b", refused: true},
		{name: "cp1250: -- before 0x80, a blank there, is a comment to MariaDB",
			pre:   []string{"SET NAMES cp1250"},
			query: "UPDATE accounts SET bal = bal + 1 WHERE (id = %a OR id = %b) --\x80 AND id = %a", refused: true},
		{name: "gbk: a backquoted name ending in a two-byte character runs",
			pre:   []string{"SET NAMES gbk"},
			query: "UPDATE accounts AS `\xc3\xfb` SET `\xc3\xfb`.bal = bal + 1 WHERE id IN (%a, %b)", bumped: "ab"},
		{name: "a SET of ANSI_QUOTES earlier in the query: the rest is read under it",
			query: "SET SESSION sql_mode = 'ANSI_QUOTES'; SELECT 1 AS \"x\\\"; UPDATE accounts SET bal = bal + 1 WHERE id = %b; SELECT 1 AS \" -- \"\n FROM accounts WHERE id = %a", refused: true},
		{name: "a SET NAMES gbk earlier in the query: the rest is read under it",
			query: "SET NAMES gbk; SELECT 1 AS '\xbf\x5c'; UPDATE accounts SET bal = bal + 1 WHERE id = %b; SELECT 1 AS ' -- '\n FROM accounts WHERE id = %a", refused: true},
		// A fourth review's cases: dump headers and trailers, whose SET
		// NAMES sits in an executable comment, run as on one server.
		{name: "dump header SET NAMES utf8 then an UPDATE",
			query: "/*!40101 SET NAMES utf8 */;\nUPDATE accounts SET bal = bal + 1 WHERE id IN (%a, %b);\n", bumped: "ab"},
		{name: "an executable comment earlier, a plain SET NAMES latin1, an UPDATE",
			query: "/*!40014 SET FOREIGN_KEY_CHECKS=0 */; SET NAMES latin1; UPDATE accounts SET bal = bal + 1 WHERE id IN (%a, %b)", bumped: "ab"},
		{name: "dump trailer after the data: UPDATE, SET NAMES restored, one more SET",
			query: "UPDATE accounts SET bal = bal + 1 WHERE id IN (%a, %b); /*!40101 SET NAMES latin1 */; /*!40014 SET FOREIGN_KEY_CHECKS=1 */;", bumped: "ab"},
		{name: "a SET of NO_BACKSLASH_ESCAPES earlier in the query opens the comment after 'x\\'",
			query: "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'; UPDATE accounts SET bal = bal + 1 WHERE id = %a AND 'x\\' = 'x\\' /*M! OR id = %b */", bumped: "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, o := b.takeCross(t)
			balA, balB := b.balance(t, a), b.balance(t, o)
			conn := freshConn(ctx, t, db)
			for _, q := range tt.pre {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			q := strings.NewReplacer("%a", fmt.Sprint(a), "%b", fmt.Sprint(o)).Replace(tt.query)
			err := drain(ctx, conn, q)
			if code, _ := errCode(err); tt.refused && code != 1235 {
				t.Errorf("%q: %v, want 1235", q, err)
			} else if !tt.refused && err != nil {
				t.Errorf("%q: %v", q, err)
			}
			want := map[int64]int64{a: balA, o: balB}
			if strings.Contains(tt.bumped, "a") {
				want[a]++
			}
			if strings.Contains(tt.bumped, "b") {
				want[o]++
			}
			b.wantBalances(t, tt.name, want)
		})
	}
}

// TestPreparedReadAgainLater: a prepared statement is read once, at
// PREPARE, under that time's character set, collation and sql_mode; a
// shard reads it at the execute. Executed after they changed in what the text holds, it
// is refused (a third review's cases: the shard answered another column
// list).
func TestPreparedReadAgainLater(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	a := b.takeOn(t, "s0")

	conn := freshConn(ctx, t, db)
	if _, err := conn.ExecContext(ctx, "SET NAMES latin1"); err != nil {
		t.Fatal(err)
	}
	ps, err := conn.PrepareContext(ctx, "SELECT COUNT(*) AS '\xbf\x5c', ' -- '\n FROM accounts WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	if _, err := conn.ExecContext(ctx, "SET NAMES gbk"); err != nil {
		t.Fatal(err)
	}
	rows, err := ps.QueryContext(ctx, a)
	if err == nil {
		rows.Close()
	}
	if code, _ := errCode(err); code != 1235 {
		t.Errorf("execute under gbk of a text prepared under latin1: %v, want 1235", err)
	}

	// A literal's collation is fixed at PREPARE ('a' = 'A' is 1 under
	// utf8mb4_general_ci whatever the collation at the execute).
	conn3 := freshConn(ctx, t, db)
	ps3, err := conn3.PrepareContext(ctx, "SELECT 'a' = 'A' FROM accounts WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	defer ps3.Close()
	if _, err := conn3.ExecContext(ctx, "SET collation_connection = utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	var eq int
	err = ps3.QueryRowContext(ctx, a).Scan(&eq)
	if code, _ := errCode(err); code != 1235 {
		t.Errorf("execute after collation_connection changed of a text with a literal: %v (value %d), want 1235 (one MariaDB: 1)", err, eq)
	}

	conn2 := freshConn(ctx, t, db)
	for _, q := range []string{fmt.Sprintf("PREPARE ps FROM 'SELECT 1 AS a -- x\\n, 2 AS b FROM accounts WHERE id = %d'", a), "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"} {
		if _, err := conn2.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if code, _ := errCode(drain(ctx, conn2, "EXECUTE ps")); code != 1235 {
		t.Errorf("EXECUTE under NO_BACKSLASH_ESCAPES of a PREPARE literal with a backslash: code %d, want 1235", code)
	}
}

// freshConn is a connection of its own, discarded at the end of the test
// so that its settings reach no other.
func freshConn(ctx context.Context, t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	})
	return conn
}

// drain runs q and reads every result set.
func drain(ctx context.Context, conn *sql.Conn, q string) error {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for {
		for rows.Next() {
		}
		if !rows.NextResultSet() {
			break
		}
	}
	return rows.Err()
}

// TestDumpHeaderAfterMySQL8Handshake: a MySQL 8 client's handshake
// collation (255, unknown to MariaDB 10.11) records no character set, so
// the dump header's SET NAMES utf8mb4 changes it: the rest of the query is
// read again, and runs.
func TestDumpHeaderAfterMySQL8Handshake(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := p.DB(t, appUser, appPass, "bank", "timeout=5s&multiStatements=true&collation=utf8mb4_0900_ai_ci")
	ctx := testCtx(t, time.Minute)
	conn := freshConn(ctx, t, db)
	q := "/*!40101 SET NAMES utf8mb4 */;\nSELECT 1;\n"
	if err := drain(ctx, conn, q); err != nil {
		t.Errorf("%q: %v (one MariaDB server runs it)", q, err)
	}
}
