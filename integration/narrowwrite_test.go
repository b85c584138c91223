package integration

import (
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestNarrowedInListWrite: an UPDATE or DELETE whose IN list on the shard
// key spans shards runs on each shard with the keys it holds only. Given
// the whole list, a shard holding few rows scanned and X-locked rows one
// server leaves alone (another session's write to them waited, 1205),
// besides gaps for keys that live elsewhere. Its answers (affected rows,
// CLIENT_FOUND_ROWS' matched rows, warnings, info, RETURNING rows) and
// the rows left are one server's, in both protocols.
func TestNarrowedInListWrite(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	var rows []string
	for id := 1; id <= 12; id++ {
		rows = append(rows, fmt.Sprintf("(%d, %d, 'v%d')", id, id*10, id))
	}
	p, proxy, direct, shards := startHashProxy(t, "CREATE TABLE sw (id INT PRIMARY KEY, k INT, v VARCHAR(10))",
		"CREATE TABLE su (id INT PRIMARY KEY, k INT)",
		"INSERT INTO sw VALUES "+strings.Join(rows, ", "),
		"INSERT INTO su SELECT id, k + 1 FROM sw")
	// The ids each shard holds, most first.
	var homes [][]int
	for _, m := range shards {
		var ids []int
		r, err := m.DB(t, "sh").QueryContext(ctx, "SELECT id FROM sw ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id int
			if err := r.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		r.Close()
		homes = append(homes, ids)
	}
	sort.Slice(homes, func(i, j int) bool { return len(homes[i]) > len(homes[j]) })
	if len(homes[1]) < 2 || len(homes[2]) < 1 {
		t.Fatalf("the rows' shards %v leave no shard two rows to pick one of", homes)
	}
	a, b, c := homes[0], homes[1], homes[2]
	list := func(ids ...int) string {
		var s []string
		for _, id := range ids {
			s = append(s, strconv.Itoa(id))
		}
		return strings.Join(s, ", ")
	}

	// Session 0 holds the write's locks, session 1 writes every other row
	// of the two shards in turn: each one server does not lock goes at once.
	locked := list(a[0], a[1], b[0])
	others := append(append([]int(nil), a[2:]...), b[1:]...)
	lockWaits := func(db *sql.DB) []string {
		s := openSessions(ctx, t, db, 2)
		for _, q := range []string{"BEGIN", "UPDATE sw SET k = k + 1 WHERE id IN (" + locked + ")"} {
			if _, err := s[0].ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := s[1].ExecContext(ctx, "SET SESSION innodb_lock_wait_timeout = 1"); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, id := range others {
			q := fmt.Sprintf("UPDATE sw SET v = 'w' WHERE id = %d", id)
			if _, err := s[1].ExecContext(ctx, q); err != nil {
				out = append(out, q+": "+errLine(err))
			} else {
				out = append(out, q+": ok")
			}
		}
		if _, err := s[0].ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := lockWaits(proxy), lockWaits(direct)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("while UPDATE ... WHERE id IN (%s) holds its locks: through the proxy %s, on one server %s", locked, got[i], want[i])
		}
	}

	// The answers of text statements, with and without CLIENT_FOUND_ROWS.
	connect := func(addr, user, pass, db string, foundRows bool) *client.Conn {
		conn, err := client.Connect(addr, user, pass, db, func(c *client.Conn) error {
			if foundRows {
				return c.SetCapability(gomysql.CLIENT_FOUND_ROWS)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	three := list(a[0], c[0], b[0], a[1], 1000)
	every := list(append(append(append([]int(nil), a...), b...), c...)...)
	for _, foundRows := range []bool{false, true} {
		pc := connect(p.Addr(), appUser, appPass, "sh", foundRows)
		dc := connect(shards[0].Addr(), "root", "", "direct", foundRows)
		for _, q := range []string{
			"UPDATE sw SET k = k + 1 WHERE id IN (" + locked + ")",
			"UPDATE sw SET k = k WHERE id IN (" + three + ")",
			"UPDATE IGNORE sw SET v = 'much too long' WHERE id IN (" + three + ")",
			"UPDATE sw JOIN su ON su.id = sw.id SET sw.k = su.k WHERE sw.id IN (" + three + ")",
			"DELETE FROM sw WHERE id IN (" + list(a[len(a)-1], c[len(c)-1]) + ") AND k > 0",
		} {
			if g, w := rawOKAnswer(t, pc, q), rawOKAnswer(t, dc, q); g != w {
				t.Errorf("%s (CLIENT_FOUND_ROWS %v): through the proxy %s, on one server %s", q, foundRows, g, w)
			}
		}
	}

	// Prepared statements, and DELETE ... RETURNING.
	args := func(ids ...int) []any {
		var out []any
		for _, id := range ids {
			out = append(out, id)
		}
		return out
	}
	steps := []scriptStep{
		{0, "UPDATE sw SET v = ? WHERE id IN (?, ?, ?, ?)", append([]any{"p"}, args(a[0], b[0], c[0], a[1])...)},
		{1, "UPDATE sw SET k = k WHERE id IN (?, ?, ?)", args(a[0], b[0], c[0])},
		{1, "UPDATE sw SET k = ? WHERE id IN (?, ?)", append([]any{7}, args(a[1], b[0])...)},
		{0, "DELETE FROM sw WHERE id IN (" + list(a[0], b[1]) + ") RETURNING id, v", nil},
		{0, "DELETE FROM sw WHERE id IN (?, ?, ?) RETURNING id, k", args(a[1], b[0], c[0])},
		{1, "DELETE FROM sw WHERE id IN (?, ?)", args(b[len(b)-1], a[2])},
		// Text the session cannot run as the proxy writes it (a
		// backslash under NO_BACKSLASH_ESCAPES): the client's own
		// statement on each shard, as before narrowing.
		{1, "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')", nil},
		{1, "UPDATE sw SET v = 'a\\b' WHERE id IN (" + every + ")", nil},
		{1, "SET SESSION sql_mode = DEFAULT", nil},
		{0, "SELECT * FROM sw ORDER BY id", nil},
		{0, "SELECT * FROM su ORDER BY id", nil},
	}
	found := func(db *sql.DB) []*sql.Conn { return openSessions(ctx, t, db, 1) }
	g := runScript(ctx, t, append(openSessions(ctx, t, proxy, 1), found(p.DB(t, appUser, appPass, "sh", "clientFoundRows=true"))...), steps)
	w := runScript(ctx, t, append(openSessions(ctx, t, direct, 1), found(shards[0].DB(t, "direct?clientFoundRows=true"))...), steps)
	compareScript(t, steps, g, w)
}
