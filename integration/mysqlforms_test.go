package integration

import "testing"

// TestMySQLFormsOverShards: statements the proxy's parser reads as MySQL 8
// does, which MariaDB 10.11 refuses (1064), get MariaDB's 1064 over
// sharded tables too, where the router would otherwise have run the tree
// they resemble (TABLE t as SELECT * FROM t, -> as JSON_EXTRACT);
// CHAR() and INSERT(), which the parser reads as internal functions, and
// columns named through parentheses or unary plus run over several shards
// as on one server.
func TestMySQLFormsOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), n INT)",
		"INSERT INTO gitems VALUES (1, 'a', 65), (2, 'b', 66), (3, 'c', NULL), (4, 'd', 300)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT k, CHAR(n), CHAR(n, 66 USING utf8mb4), CHAR(77, 121, 83, 81, '76') FROM gitems ORDER BY k",
		"SELECT k, CHAR(n) FROM gitems WHERE k IN (1, 2) ORDER BY CHAR(n) DESC",
		"SELECT k, INSERT(v, 1, 1, 'Z') FROM gitems ORDER BY k",
		// Parentheses and unary plus are dropped from names, as by
		// MariaDB's parser: (k) and +k are the column k.
		"SELECT (k), +k, +(k), +1, (-1), +'a', +(k + 1), (v) FROM gitems ORDER BY k",
	}, textSteps(
		"TABLE gitems",
		"SELECT * FROM gitems UNION TABLE gitems",
		"SELECT k FROM gitems ORDER BY k FOR SHARE",
		"SELECT k FROM gitems g ORDER BY k FOR UPDATE OF g",
		"INSERT INTO gitems (k, v) VALUES ROW(21, 'b')",
		"SELECT k FROM gitems, LATERAL (SELECT gitems.n) x ORDER BY k",
		"SELECT k, v->'$.a', v->>'$.a' FROM gitems ORDER BY k",
		"SELECT k FROM gitems ORDER BY k LOCK IN SHARE MODE",
		"SELECT k, v FROM gitems ORDER BY k",
	)...)
}
