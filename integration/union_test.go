package integration

import "testing"

// TestUnionOverShards: a UNION [ALL] of flat SELECTs over a sharded table
// that reads several shards was refused. With an ORDER BY on its result
// columns each shard runs the whole statement and the merge sorts their
// answers (UNION removes the rows several shards gave); values and column
// definitions are one MariaDB's, text and binary protocol, LIMIT and
// parameters included. When the SELECTs' keys pick one shard, it runs
// unchanged, ORDER BY or not. Refused: no ORDER BY over several shards
// (one server returns each SELECT's rows in turn, in its scan order),
// aggregates in a SELECT, and, in the binary protocol, a DOUBLE of fixed
// decimals (the UNION may widen a stored FLOAT to one).
func TestUnionOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20), d DECIMAL(6,2), x FLOAT(7,3))",
		"INSERT INTO modeitems VALUES (1, 10, 'a', 1.50, 1.125), (2, 20, 'b', NULL, 2.5), (3, 30, 'c', -2.25, 3.333), (4, NULL, 'd', 0, NULL), (5, 50, 'e', 5, 5)")
	queries := []string{
		"SELECT k, s FROM modeitems WHERE v > 10 UNION ALL SELECT k + 10, UPPER(s) FROM modeitems WHERE v < 40 ORDER BY k",
		"SELECT k, s FROM modeitems WHERE v > 10 UNION ALL SELECT k + 10, s FROM modeitems WHERE v < 40 ORDER BY k DESC LIMIT 3",
		"SELECT s FROM modeitems UNION SELECT s FROM modeitems WHERE k > 2 ORDER BY s",
		"SELECT s, v * 2 FROM modeitems WHERE k < 3 UNION SELECT CONCAT(s, '!'), d FROM modeitems ORDER BY 1 LIMIT 2, 3",
		"SELECT k AS id, d FROM modeitems UNION ALL SELECT v, x FROM modeitems ORDER BY id DESC LIMIT 4",
		"(SELECT k, 'first' AS src FROM modeitems WHERE k < 3) UNION ALL (SELECT k, 'second' FROM modeitems WHERE k > 3) ORDER BY src DESC, k",
		"SELECT k, s FROM modeitems WHERE k = 1 UNION ALL SELECT k, s FROM modeitems WHERE k = 3",
		"SELECT k, s FROM modeitems WHERE k = 1 UNION ALL SELECT k, s FROM modeitems WHERE k = 2 ORDER BY k",
		"SELECT v FROM modeitems UNION SELECT k FROM modeitems ORDER BY v",
		"SELECT k, x FROM modeitems UNION ALL SELECT k + 5, x FROM modeitems ORDER BY k",
	}
	compareQueries(ctx, t, proxy, direct, f, queries,
		scriptStep{0, "SELECT k, s FROM modeitems WHERE v > ? UNION ALL SELECT k + 10, s FROM modeitems WHERE v < ? ORDER BY k LIMIT ?", []any{10, 40, 4}},
		scriptStep{0, "SELECT s FROM modeitems WHERE k > ? UNION SELECT s FROM modeitems ORDER BY s LIMIT ?, ?", []any{0, 1, 2}},
		scriptStep{0, "SELECT k, s FROM modeitems WHERE k = ? UNION ALL SELECT k, s FROM modeitems WHERE k = ? ORDER BY k", []any{1, 2}},
		scriptStep{0, "SELECT k, s FROM modeitems WHERE k = ? UNION ALL SELECT k, s FROM modeitems WHERE k = ?", []any{1, 3}},
	)
	wantUnsupported(ctx, t, proxy, []any{0},
		"SELECT k, x FROM modeitems WHERE k > ? UNION ALL SELECT k + 5, x FROM modeitems ORDER BY k",
		"SELECT k FROM modeitems WHERE k > ? UNION ALL SELECT k FROM modeitems",
		"SELECT k FROM modeitems WHERE k > ? UNION ALL SELECT COUNT(*) FROM modeitems ORDER BY 1",
		"SELECT k FROM modeitems WHERE k > ? UNION ALL SELECT k FROM modeitems ORDER BY k + 1",
	)
	// Under xaproxy_locking_reads its SELECTs would read without locks:
	// refused over several shards.
	sess := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, sess, "SET SESSION xaproxy_locking_reads = ON")
	mustExec(t, sess, "BEGIN")
	_, err := sess.ExecContext(ctx, "SELECT k FROM modeitems WHERE v > 10 UNION ALL SELECT k FROM modeitems WHERE v < 40 ORDER BY k")
	wantMySQLError(t, err, 1235, "42000")
	// On one shard too (k odd on s1).
	_, err = sess.ExecContext(ctx, "SELECT k FROM modeitems WHERE k = 1 UNION ALL SELECT k FROM modeitems WHERE k = 3 ORDER BY k")
	wantMySQLError(t, err, 1235, "42000")
	mustExec(t, sess, "ROLLBACK")
}

// TestMergedNamesFromCachedShapes: a text query is planned once per shape
// (its literals made markers), and a derived table's or a UNION's columns
// are named after the text of their select list: the cached plan named
// them after the shape's (amount * ?). Such shapes are planned per
// statement now; the third run of each shape (the first from the cache)
// is compared too.
func TestMergedNamesFromCachedShapes(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')")
	var queries []string
	for _, n := range []string{"2", "3", "4", "5"} {
		queries = append(queries,
			"SELECT * FROM (SELECT k, v * "+n+", 'x"+n+"' FROM modeitems) d ORDER BY k",
			"SELECT k + "+n+", s FROM modeitems WHERE v > 10 UNION ALL SELECT k, s FROM modeitems WHERE v < 30 ORDER BY 1, 2",
		)
	}
	compareSessions(ctx, t, proxy, direct, 1, textSteps(queries...))
}

// TestUnionDistinctKeepsTheFirstRead: of rows a UNION DISTINCT finds equal
// under the collation ('a' and 'A', 'B' and 'b '), one MariaDB keeps the
// one it inserts first: the first SELECT's, the lowest key on a scan. The
// merge kept the first shard's. Each shard now also sends the SELECT's
// position and its integer primary key, by which the merge breaks ties.
func TestUnionDistinctKeepsTheFirstRead(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, s VARCHAR(20))",
		// k even on s0, odd on s1: the first shard holds the later spellings.
		"INSERT INTO modeitems VALUES (1, 'a'), (6, 'A'), (3, 'b '), (2, 'B'), (5, 'c'), (8, 'C')")
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT s FROM modeitems WHERE k < 4 UNION SELECT s FROM modeitems WHERE k > 1 ORDER BY s",
		"SELECT s FROM modeitems WHERE k > 4 UNION SELECT s FROM modeitems WHERE k < 4 ORDER BY s DESC",
		"SELECT UPPER(s) AS u FROM modeitems WHERE k > 1 UNION SELECT s FROM modeitems ORDER BY u LIMIT 2",
	}, scriptStep{0, "SELECT s FROM modeitems WHERE k < ? UNION SELECT s FROM modeitems WHERE k > ? ORDER BY s", []any{4, 1}},
		scriptStep{0, "SET SESSION sql_select_limit = 2", nil},
		scriptStep{0, "SELECT UPPER(s) AS u FROM modeitems WHERE k > 1 UNION SELECT s FROM modeitems ORDER BY u", nil},
		scriptStep{0, "SET SESSION sql_select_limit = DEFAULT", nil},
	)
}
