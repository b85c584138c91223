package integration

import (
	"testing"
	"time"
)

// Under ONLY_FULL_GROUP_BY MariaDB refuses a non-grouped column next to
// aggregates with its own errors (1140, 1055, 1054 in HAVING); over
// several shards the proxy refused it with 1235 whatever the sql_mode.
func TestOnlyFullGroupByErrors(t *testing.T) {
	t.Parallel()
	f := startReturningFixture(t)
	ctx := testCtx(t, 2*time.Minute)
	proxy := f.p.DB(t, appUser, appPass, "shop", "")
	const create = "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))"
	mustExec(t, proxy, create)
	// The errors name the database: the twin lives in a database of the
	// same name, on a server of its own.
	twin := env.StartMariaDB(t, "ref")
	twin.CreateDatabase(t, "shop")
	direct := twin.DB(t, "shop")
	mustExec(t, direct, create)
	for _, db := range []execer{proxy, direct} {
		mustExec(t, db, "INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'a')")
	}
	var steps []scriptStep
	for _, q := range []string{
		"SELECT k, SUM(v) FROM modeitems",
		"SELECT SUM(v), K FROM modeitems GROUP BY s",
		"SELECT x.k, COUNT(*) FROM modeitems x GROUP BY s",
		"SELECT s, SUM(v) FROM modeitems GROUP BY s HAVING k > 1",
		"SELECT s, SUM(v) FROM modeitems GROUP BY s ORDER BY s",
	} {
		steps = append(steps, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil})
	}
	steps = append([]scriptStep{{0, "SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY'", nil}}, steps...)
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
