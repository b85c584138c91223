package integration

import (
	"testing"
	"time"
)

// TestTransactionCharacteristicsStayInSession: a SET TRANSACTION the proxy
// sends to a shard connection for an autocommit statement that does not
// spend it (it uses no table, or fails before opening one) must not reach
// another session's next transaction once the connection is pooled again.
// One pooled connection (max_open 1), so session 1 gets session 0's.
func TestTransactionCharacteristicsStayInSession(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 1, max_idle: 1}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_leak", "CREATE TABLE leak (id INT PRIMARY KEY)")
	unspent := []string{
		"SELECT RELEASE_ALL_LOCKS()",       // no table
		"SELECT 1 FROM leak WHERE id = 1/", // a parse error
	}
	var steps []scriptStep
	for _, u := range unspent {
		// Both sessions READ ONLY by default, so the connection's variables
		// need no SET between them; session 0's READ WRITE is pending.
		steps = append(steps,
			scriptStep{1, "SET SESSION TRANSACTION READ ONLY", nil},
			scriptStep{0, "SET SESSION TRANSACTION READ ONLY", nil},
			scriptStep{0, "SET TRANSACTION READ WRITE", nil},
			scriptStep{0, u, nil},
			scriptStep{1, "BEGIN", nil},
			scriptStep{1, "INSERT INTO leak VALUES (1)", nil}, // 1792: session 1's own READ ONLY
			scriptStep{1, "ROLLBACK", nil},
			scriptStep{0, "INSERT INTO leak VALUES (2)", nil}, // session 0's READ WRITE
			scriptStep{0, "SET SESSION TRANSACTION READ WRITE", nil},
			scriptStep{1, "SET SESSION TRANSACTION READ WRITE", nil},
			scriptStep{0, "DELETE FROM leak", nil},
		)
	}
	proxy := openSessions(ctx, t, f.db(t, "shop", ""), 2)
	got := runScript(ctx, t, proxy, steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_leak"), 2), steps)
	compareScript(t, steps, got, want)

	// A pending isolation level, seen by the shard's INNODB_TRX while
	// session 1's transaction is open.
	direct := f.shard(t, "direct_leak")
	for _, u := range unspent {
		runScript(ctx, t, proxy, []scriptStep{
			{0, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", nil},
			{0, u, nil},
			{1, "BEGIN", nil},
			{1, "INSERT INTO leak VALUES (3)", nil},
		})
		// INNODB_TRX is a cache that MariaDB refreshes only when it is
		// older than 0.1 s (a row inserted just before can be missing).
		time.Sleep(150 * time.Millisecond)
		level := queryString(t, direct, "SELECT trx_isolation_level FROM information_schema.INNODB_TRX")
		runScript(ctx, t, proxy, []scriptStep{{1, "ROLLBACK", nil}})
		if level.String != "REPEATABLE READ" {
			t.Errorf("after session 0's SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; %s, session 1's transaction is %q, want REPEATABLE READ (its own)", u, level.String)
		}
	}
}
