package integration

import (
	"context"
	"database/sql"
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
	steps := []scriptStep{
		{0, "SET SESSION innodb_lock_wait_timeout = 1", nil},
		{1, "SET SESSION innodb_lock_wait_timeout = 1", nil},
		// WITH CONSISTENT SNAPSHOT takes the snapshot at once: a row
		// committed after it is not seen.
		{0, "CREATE TABLE snap (id INT PRIMARY KEY)", nil},
		{0, "INSERT INTO snap VALUES (1)", nil},
		{0, "START TRANSACTION WITH CONSISTENT SNAPSHOT", nil},
		{1, "INSERT INTO snap VALUES (2)", nil},
		{0, "SELECT id FROM snap ORDER BY id", nil},
		{0, "COMMIT", nil},
		{0, "SELECT id FROM snap ORDER BY id", nil},
		{0, "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)", nil},
		{0, "INSERT INTO t VALUES (1, 0), (2, 0)", nil},
		{0, "BEGIN", nil},
		{0, "UPDATE t SET v = v + 1 WHERE id = 2", nil},
		{1, "BEGIN", nil},
		{1, "INSERT INTO t VALUES (10, 0)", nil},
		{1, "UPDATE t SET v = v + 10 WHERE id = 2", nil}, // waits for session 0: 1205
		{1, "SELECT @@in_transaction", nil},
		{1, "INSERT INTO t VALUES (11, 0)", nil},
		{1, "COMMIT", nil},
		{0, "ROLLBACK", nil},
		{1, "SET autocommit = 0", nil},
		{1, "UPDATE t SET v = 5 WHERE id = 1", nil},
		{1, "ROLLBACK", nil},
		{1, "SET autocommit = 1", nil},
		{0, "SELECT id, v FROM t ORDER BY id", nil},
	}
	want := compareSteps(ctx, t, p.DB(t, appUser, appPass, "one", ""), m.DB(t, "ref"), steps)
	if !slices.Contains(want, "error 1205") {
		t.Fatalf("MariaDB gave no lock wait timeout: %q", want)
	}
	rows, err := m.DB(t, "").QueryContext(ctx, "XA RECOVER")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		t.Errorf("XA RECOVER on the shard lists a branch, want none")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// compareSteps runs steps in sessions of the proxy's pool, then in as many
// sessions of MariaDB's, reports every answer that differs (runScript's
// lines: rows with column metadata, affected rows and insert ids, error
// codes, a lost connection) and returns MariaDB's answers.
func compareSteps(ctx context.Context, t *testing.T, proxy, ref *sql.DB, steps []scriptStep) []string {
	t.Helper()
	n := 0
	for _, s := range steps {
		n = max(n, s.session+1)
	}
	got := runScript(ctx, t, openSessions(ctx, t, proxy, n), steps)
	want := runScript(ctx, t, openSessions(ctx, t, ref, n), steps)
	compareScript(t, steps, got, want)
	return want
}
