package integration

import (
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
	steps := []sessionStep{
		{0, "CREATE TABLE t (id INT PRIMARY KEY)"},
		{0, "SET SESSION completion_type = 'CHAIN'"},
		{0, "BEGIN"},
		{0, "INSERT INTO t VALUES (1), (2)"},
		{0, "COMMIT"},
		{0, "SELECT @@in_transaction"},
		{0, "INSERT INTO t VALUES (3), (4)"},
		{0, "ROLLBACK"},
		{0, "SELECT @@in_transaction"},
		{0, "INSERT INTO t VALUES (5), (6)"},
		{0, "COMMIT AND NO CHAIN"},
		{0, "SELECT @@in_transaction"},
		// The chained transaction keeps READ ONLY.
		{0, "START TRANSACTION READ ONLY"},
		{0, "COMMIT"},
		{0, "INSERT INTO t VALUES (11)"},
		{0, "COMMIT AND NO CHAIN"},
		{0, "SELECT @@in_transaction"},
		// A NO CHAIN inside a comment is no NO CHAIN.
		{0, "BEGIN"},
		{0, "COMMIT /* AND NO CHAIN */"},
		{0, "SELECT @@in_transaction"},
		{0, "COMMIT AND NO CHAIN"},
		{0, "SET SESSION completion_type = 'RELEASE'"},
		{0, "BEGIN"},
		{0, "INSERT INTO t VALUES (7), (8)"},
		{0, "COMMIT NO RELEASE"},
		{0, "SELECT @@in_transaction"},
		{0, "SELECT id FROM t ORDER BY id"},
		{0, "BEGIN"},
		{0, "INSERT INTO t VALUES (9), (10)"},
		{0, "COMMIT"},
		{0, "SELECT 1"}, // the session was released
		{1, "SELECT id FROM t ORDER BY id"},
		{1, "DROP TABLE t"},
	}
	compareSteps(ctx, t, one.DB(t, appUser, appPass, "ct", ""), ref.DB(t, "ct2"), steps)
	compareSteps(ctx, t, two.DB(t, appUser, appPass, "ct2", ""), ref.DB(t, "ct"), steps)
}
