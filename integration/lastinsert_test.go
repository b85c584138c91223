package integration

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// scriptStep is one statement of one session in an interleaved script.
type scriptStep struct {
	session int
	sql     string
	args    []any // with args the driver uses the binary protocol
}

// runScript runs steps on sessions (one client connection each) and
// returns one line per step: the column names, types and nullability and
// the rows of a query, or the affected rows and insert id of a statement,
// or the error code.
func runScript(ctx context.Context, t *testing.T, sessions []*sql.Conn, steps []scriptStep) []string {
	t.Helper()
	out := make([]string, len(steps))
	for i, st := range steps {
		c := sessions[st.session]
		head := strings.ToUpper(strings.Fields(st.sql)[0])
		upper := strings.ToUpper(st.sql)
		if head == "SELECT" || head == "SHOW" || head == "EXECUTE" || strings.Contains(upper, " RETURNING ") || (head == "HANDLER" && strings.Contains(upper, " READ ")) {
			rows, err := c.QueryContext(ctx, st.sql, st.args...)
			if err != nil {
				out[i] = errLine(err)
				continue
			}
			var lines []string
			cols, _ := rows.Columns()
			if cts, err := rows.ColumnTypes(); err == nil {
				// Column metadata as the driver reads it: type, nullability.
				var ds []string
				for _, ct := range cts {
					n, _ := ct.Nullable()
					ds = append(ds, fmt.Sprintf("%s %s null=%v", ct.Name(), ct.DatabaseTypeName(), n))
				}
				lines = append(lines, "["+strings.Join(ds, ", ")+"]")
			}
			for rows.Next() {
				vals := make([]sql.NullString, len(cols))
				ptrs := make([]any, len(cols))
				for j := range vals {
					ptrs[j] = &vals[j]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatalf("%s: %v", st.sql, err)
				}
				var parts []string
				for _, v := range vals {
					parts = append(parts, fmt.Sprint(v.String, map[bool]string{false: "(null)"}[v.Valid]))
				}
				lines = append(lines, strings.Join(parts, ","))
			}
			if err := rows.Err(); err != nil {
				// An error after the result began (INSERT ... RETURNING
				// hitting a duplicate): to the client, the statement's
				// error, whether or not column definitions came first.
				rows.Close()
				out[i] = errLine(err)
				continue
			}
			rows.Close()
			out[i] = "rows " + strings.Join(lines, ";")
			continue
		}
		r, err := c.ExecContext(ctx, st.sql, st.args...)
		if err != nil {
			out[i] = errLine(err)
			continue
		}
		n, _ := r.RowsAffected()
		id, _ := r.LastInsertId()
		out[i] = fmt.Sprintf("affected %d insert_id %d", n, id)
	}
	return out
}

// TestLastInsertIDPerSession: LAST_INSERT_ID() and @@identity answer each
// session's own value, as on one MariaDB, although the proxy serves the
// sessions from two shared backend connections. The same interleaved
// script runs through the proxy and directly on the shard (another
// database), and every answer is compared.
func TestLastInsertIDPerSession(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_lid", "CREATE TABLE ai (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)")
	steps := []scriptStep{
		{0, "SELECT LAST_INSERT_ID(), @@identity, @@last_insert_id", nil},
		{0, "INSERT INTO ai (v) VALUES (1)", nil},
		{1, "INSERT INTO ai (v) VALUES (2)", nil},
		{2, "INSERT INTO ai (v) VALUES (3), (4), (5)", nil},
		{0, "SELECT LAST_INSERT_ID(), @@identity", nil},
		{1, "SELECT LAST_INSERT_ID()", nil},
		{2, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO ai (id, v) VALUES (100, 6)", nil}, // explicit id: in the OK packet, not in LAST_INSERT_ID()
		{1, "INSERT INTO ai (v) VALUES (7)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO ai (v) VALUES (8)", nil},
		{1, "INSERT INTO ai (v) VALUES (9)", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{0, "COMMIT", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{1, "SELECT LAST_INSERT_ID()", nil},
		{2, "SELECT LAST_INSERT_ID(77)", nil},
		{0, "INSERT INTO ai (v) VALUES (10)", nil},
		{2, "SELECT LAST_INSERT_ID(), @@last_insert_id", nil},
		{1, "UPDATE ai SET v = LAST_INSERT_ID(v + 1000) WHERE id = 100", nil},
		{1, "SELECT LAST_INSERT_ID()", nil},
		{0, "INSERT INTO ai (v) VALUES (LAST_INSERT_ID())", nil},
		{0, "SELECT v FROM ai WHERE id = LAST_INSERT_ID()", nil},
		{2, "UPDATE ai SET v = v + 1 WHERE id = 1", nil},
		{2, "SELECT LAST_INSERT_ID()", nil},
		// A transaction's ids are read back with its end (a plain
		// transaction: the fixture has one shard), rolled back or not.
		{1, "BEGIN", nil},
		{1, "INSERT INTO ai (v) VALUES (13)", nil},
		{1, "ROLLBACK", nil},
		{1, "SELECT LAST_INSERT_ID()", nil},
		{0, "START TRANSACTION", nil},
		{0, "INSERT INTO ai (id, v) VALUES (400, 14)", nil},
		{0, "COMMIT", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		// The binary protocol.
		{1, "INSERT INTO ai (v) VALUES (?)", []any{11}},
		{0, "INSERT INTO ai (id, v) VALUES (?, ?)", []any{300, 12}},
		{1, "SELECT LAST_INSERT_ID() + ?", []any{0}},
		{0, "SELECT LAST_INSERT_ID() + ?", []any{0}},
		{2, "UPDATE ai SET v = LAST_INSERT_ID(?) WHERE id = 1", []any{555}},
		{2, "SELECT @@identity + ?", []any{0}},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 3), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_lid"), 3), steps)
	compareScript(t, steps, got, want)
	if !t.Failed() {
		t.Logf("%d statements of 3 interleaved sessions: every answer equal to MariaDB's", len(steps))
	}
}

// errLine is a script step's error: the server's code, or the client-side
// error itself (a lost connection must not pass for a server error).
func errLine(err error) string {
	if n := mysqlErrNumber(err); n != 0 {
		return fmt.Sprintf("error %d", n)
	}
	return "client error: " + err.Error()
}

// openSessions opens n client sessions (connections) from db, closed at
// the end of the test.
func openSessions(ctx context.Context, t *testing.T, db *sql.DB, n int) []*sql.Conn {
	t.Helper()
	out := make([]*sql.Conn, n)
	for i := range out {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		out[i] = c
	}
	return out
}

// openEach opens one session from each pool, in order (sessions that
// connected with different options), closed at the end of the test.
func openEach(ctx context.Context, t *testing.T, pools ...*sql.DB) []*sql.Conn {
	t.Helper()
	var out []*sql.Conn
	for _, db := range pools {
		out = append(out, openSessions(ctx, t, db, 1)...)
	}
	return out
}

// compareScript reports every step whose answer through the proxy (got)
// differs from MariaDB's (want).
// compareSessions runs steps in n sessions through the proxy (pool
// proxy) and in n sessions on one MariaDB (pool direct), and compares
// every answer.
func compareSessions(ctx context.Context, t *testing.T, proxy, direct *sql.DB, n int, steps []scriptStep) {
	t.Helper()
	got := runScript(ctx, t, openSessions(ctx, t, proxy, n), steps)
	want := runScript(ctx, t, openSessions(ctx, t, direct, n), steps)
	compareScript(t, steps, got, want)
}

func compareScript(t *testing.T, steps []scriptStep, got, want []string) {
	t.Helper()
	for i := range steps {
		if got[i] != want[i] {
			t.Errorf("step %d, session %d, %s:\n  proxy:   %s\n  MariaDB: %s", i, steps[i].session, steps[i].sql, got[i], want[i])
		}
	}
}
