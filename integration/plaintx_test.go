package integration

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestOneShardTransactionsArePlain: a deployment of one shard runs its
// transactions as plain MariaDB transactions (proxy/plaintx.go), so a
// lock wait timeout rolls back only the statement that waited, as on
// MariaDB: the transaction goes on and its other rows commit. The same
// steps run through the proxy and on a direct connection, and every
// answer and the rows stored are compared. Nothing is left in XA.
func TestOneShardTransactionsArePlain(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	m := env.StartMariaDB(t, "solo")
	m.CreateDatabase(t, "one", "ref")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards:  []harness.ShardSpec{{Name: "m0", DSN: m.DSN("")}},
		Schemas: "\n  - name: one\n    default_shard: m0\n",
		Users:   map[string]string{appUser: appPass},
	})
	steps := []sessionStep{
		{0, "SET SESSION innodb_lock_wait_timeout = 1"},
		{1, "SET SESSION innodb_lock_wait_timeout = 1"},
		{0, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)"},
		{0, "INSERT INTO t VALUES (1, 0), (2, 0)"},
		{0, "BEGIN"},
		{0, "UPDATE t SET v = v + 1 WHERE id = 2"},
		{1, "BEGIN"},
		{1, "INSERT INTO t VALUES (10, 0)"},
		{1, "UPDATE t SET v = v + 10 WHERE id = 2"}, // waits for session 0: 1205
		{1, "SELECT @@in_transaction"},
		{1, "INSERT INTO t VALUES (11, 0)"},
		{1, "COMMIT"},
		{0, "ROLLBACK"},
		{1, "SET autocommit = 0"},
		{1, "UPDATE t SET v = 5 WHERE id = 1"},
		{1, "ROLLBACK"},
		{1, "SET autocommit = 1"},
		{0, "SELECT id, v FROM t ORDER BY id"},
	}
	want := compareSteps(ctx, t, p.DB(t, appUser, appPass, "one", ""), m.DB(t, "ref"), steps)
	if !slices.Contains(want, "error 1205") {
		t.Fatalf("MariaDB gave no lock wait timeout: %q", want)
	}
	if x := answer(ctx, openSessions(ctx, t, m.DB(t, ""), 1)[0], "XA RECOVER"); x != "[formatID gtrid_length bqual_length data]" {
		t.Errorf("XA RECOVER on the shard: %s, want no branch", x)
	}
}

// sessionStep is a statement run by one of several sessions.
type sessionStep struct {
	sess int
	q    string
}

// compareSteps runs steps in sessions of the proxy's pool, then in as many
// sessions of MariaDB's, reports every answer that differs and returns
// MariaDB's answers.
func compareSteps(ctx context.Context, t *testing.T, proxy, ref *sql.DB, steps []sessionStep) []string {
	t.Helper()
	run := func(pool *sql.DB) []string {
		n := 0
		for _, s := range steps {
			n = max(n, s.sess+1)
		}
		sess := openSessions(ctx, t, pool, n)
		var out []string
		for _, s := range steps {
			out = append(out, answer(ctx, sess[s.sess], s.q))
		}
		return out
	}
	got, want := run(proxy), run(ref)
	for i, s := range steps {
		if got[i] != want[i] {
			t.Errorf("session %d %q: proxy %q, MariaDB %q", s.sess, s.q, got[i], want[i])
		}
	}
	return want
}

// answer is a statement's result as text: its rows, its affected rows,
// or its error number.
func answer(ctx context.Context, c *sql.Conn, q string) string {
	rows, err := c.QueryContext(ctx, q)
	if err != nil {
		return fmt.Sprintf("error %d", mysqlErrNumber(err))
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := fmt.Sprint(cols)
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "scan: " + err.Error()
		}
		out += fmt.Sprint(vals)
	}
	if err := rows.Err(); err != nil {
		return fmt.Sprintf("error %d", mysqlErrNumber(err))
	}
	return out
}
