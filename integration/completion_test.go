package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestCompletionType: COMMIT and ROLLBACK follow the session's
// completion_type as on MariaDB (CHAIN starts the next transaction,
// RELEASE ends the session) unless they say AND NO CHAIN or NO RELEASE,
// in a one-shard deployment (plain transactions) and over two shards (XA).
func TestCompletionType(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 2*time.Minute)
	ref := env.StartMariaDB(t, "ref")
	s1 := env.StartMariaDB(t, "s1")
	ref.CreateDatabase(t, "ct", "ct2")
	s1.CreateDatabase(t, "ct", "ct2")
	one := env.StartProxy(t, harness.ProxyConfig{
		Shards:  []harness.ShardSpec{{Name: "s0", DSN: ref.DSN("")}},
		Schemas: "\n  - name: ct\n    default_shard: s0\n",
		Users:   map[string]string{appUser: appPass},
	})
	two := env.StartProxy(t, harness.ProxyConfig{
		Shards:  []harness.ShardSpec{{Name: "s0", DSN: ref.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
		Schemas: "\n  - name: ct2\n    default_shard: s0\n    tables:\n      - {name: t, shard_key: id, algorithm: hash}\n",
		Users:   map[string]string{appUser: appPass},
	})
	steps := []scriptStep{
		{0, "CREATE TABLE t (id INT PRIMARY KEY)", nil},
		{0, "SET SESSION completion_type = 'CHAIN'", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO t VALUES (1), (2)", nil},
		{0, "COMMIT", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "INSERT INTO t VALUES (3), (4)", nil},
		{0, "ROLLBACK", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "INSERT INTO t VALUES (5), (6)", nil},
		{0, "COMMIT AND NO CHAIN", nil},
		{0, "SELECT @@in_transaction", nil},
		// The chained transaction keeps READ ONLY.
		{0, "START TRANSACTION READ ONLY", nil},
		{0, "COMMIT", nil},
		{0, "INSERT INTO t VALUES (11)", nil},
		{0, "COMMIT AND NO CHAIN", nil},
		{0, "SELECT @@in_transaction", nil},
		// A NO CHAIN inside a comment is no NO CHAIN.
		{0, "BEGIN", nil},
		{0, "COMMIT /* AND NO CHAIN */", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "COMMIT AND NO CHAIN", nil},
		{0, "SET SESSION completion_type = 'RELEASE'", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO t VALUES (7), (8)", nil},
		{0, "COMMIT NO RELEASE", nil},
		{0, "SELECT @@in_transaction", nil},
		{0, "SELECT id FROM t ORDER BY id", nil},
		{0, "BEGIN", nil},
		{0, "INSERT INTO t VALUES (9), (10)", nil},
		{0, "COMMIT", nil},
		{0, "SELECT 1", nil}, // the session was released
		// RELEASE from completion_type ends an AND CHAIN's session too.
		{2, "SET SESSION completion_type = 'RELEASE'", nil},
		{2, "BEGIN", nil},
		{2, "COMMIT AND CHAIN", nil},
		{2, "SELECT 1", nil},
		{1, "SELECT id FROM t ORDER BY id", nil},
		{1, "DROP TABLE t", nil},
	}
	want := compareSteps(ctx, t, one.DB(t, appUser, appPass, "ct", ""), ref.DB(t, "ct2"), steps)
	checkCompletionReference(t, steps, want)
	want = compareSteps(ctx, t, two.DB(t, appUser, appPass, "ct2", ""), ref.DB(t, "ct"), steps)
	checkCompletionReference(t, steps, want)
}

// checkCompletionReference makes sure MariaDB itself chained and released
// where the script expects it, so that the comparison above cannot pass
// with both sides ignoring completion_type: the first @@in_transaction
// read after COMMIT under CHAIN is 1, and every SELECT 1 after a release
// fails.
func checkCompletionReference(t *testing.T, steps []scriptStep, want []string) {
	t.Helper()
	chained, released := false, 0
	for i, st := range steps {
		switch {
		case st.sql == "SELECT @@in_transaction" && !chained:
			chained = true
			if !strings.HasSuffix(want[i], ";1") {
				t.Errorf("MariaDB after COMMIT under completion_type CHAIN: @@in_transaction %q, want 1", want[i])
			}
		case st.sql == "SELECT 1":
			released++
			if strings.HasPrefix(want[i], "rows") {
				t.Errorf("MariaDB after a release: SELECT 1 gave %q, want the session gone", want[i])
			}
		}
	}
	if !chained || released != 2 {
		t.Fatalf("script has no chain check or not two release checks (%v, %d)", chained, released)
	}
}
