package integration

import "testing"

// TestSQLPrepareExecutableComments: SQL PREPARE's text is planned as the
// shards run it, its executable comments expanded as a plain query's are:
// the router read `SELECT COUNT(*)` and sent it to the default shard,
// which ran the comment's FROM gitems over its own rows only.
func TestSQLPrepareExecutableComments(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"INSERT INTO gitems VALUES (1, 10), (2, 20), (3, 30), (4, 40)",
	)
	compareSessions(ctx, t, proxy, direct, 1, textSteps(
		"PREPARE c FROM 'SELECT COUNT(*) /*M! FROM gitems */'",
		"EXECUTE c",
		"PREPARE s FROM 'SELECT SUM(n) FROM gitems /*!99999 WHERE k = 1 */'",
		"EXECUTE s",
		"EXECUTE IMMEDIATE 'SELECT COUNT(*) /*!50000 FROM gitems */'",
	))
}
