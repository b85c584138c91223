package integration

import (
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// Shards whose global sql_mode has ANSI_QUOTES: a session that never set
// its own reads "k" as a column, as MariaDB does, and the proxy reads its
// statements the same way (it takes the shards' global sql_mode with the
// catalog). Before, it read "k" as a string: an INSERT naming its columns
// so was refused, and a merged SELECT compared the string.
func TestShardsGlobalSQLMode(t *testing.T) {
	t.Parallel()
	const mode = "--sql-mode=ANSI_QUOTES,STRICT_TRANS_TABLES"
	s0 := env.StartMariaDB(t, "s0", mode)
	s1 := env.StartMariaDB(t, "s1", mode)
	s0.CreateDatabase(t, "shop", "direct")
	s1.CreateDatabase(t, "shop")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}, {Name: "s1", DSN: s1.DSN("")}},
		Users:  map[string]string{appUser: appPass},
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: qitems, shard_key: k, algorithm: mod}
		`,
	})
	ctx := testCtx(t, 2*time.Minute)
	proxy, direct := p.DB(t, appUser, appPass, "shop", ""), s0.DB(t, "direct")
	for _, db := range []execer{proxy, direct} {
		mustExec(t, db, `CREATE TABLE "qitems" ("k" INT PRIMARY KEY, "v" VARCHAR(10))`)
	}
	steps := []scriptStep{
		{0, "SELECT @@sql_mode", nil},
		{0, `INSERT INTO qitems ("k", "v") VALUES (1, 'a'), (2, 'b'), (3, 'c')`, nil},
		{0, `SELECT "k", "v" FROM qitems WHERE "k" > 1 ORDER BY "k"`, nil},
		{0, `SELECT "v", COUNT(*) FROM qitems GROUP BY "v"`, nil},
		{0, `UPDATE qitems SET "v" = 'z' WHERE "k" = 3`, nil},
		{0, `SELECT "k", "v" FROM qitems WHERE "k" = 3`, nil},
		// Its own sql_mode from then on.
		{0, "SET SESSION sql_mode = ''", nil},
		{0, `SELECT "k", k FROM qitems WHERE k = 3`, nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
