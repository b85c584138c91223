package integration

import (
	"fmt"
	"strings"
	"testing"
)

// TestOrderByUnqualifiedOverShards: over a join, ORDER BY a name alone
// sorts by the selected column of that name, as one MariaDB reads it
// (SELECT g.k ... ORDER BY k); the proxy's shards, given the name alone,
// answered 1052. Two selected columns of that name are MariaDB's 1052.
func TestOrderByUnqualifiedOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"CREATE TABLE modeitems (k INT PRIMARY KEY, n INT)",
		"INSERT INTO gitems VALUES (1, 30), (2, 10), (3, 20), (4, 40)",
		"INSERT INTO modeitems VALUES (1, 3), (2, 1), (3, 2), (4, 4)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT g.k, m.n FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY k",
		"SELECT g.k, m.n FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY n DESC LIMIT 3",
		"SELECT DISTINCT g.n FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY n",
		"SELECT m.k FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY g.n",
		// An alias is one of the names too; the same expression twice is
		// no ambiguity.
		"SELECT g.k AS x, m.k FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY k",
		"SELECT n AS k, n AS k FROM gitems ORDER BY k",
		// An expression's alias is taken at once, whatever came before;
		// a wildcard's column and the same column again are one.
		"SELECT k, n + 1 AS k FROM gitems ORDER BY k",
		"SELECT n + 1 AS k, k FROM gitems ORDER BY k DESC",
		"SELECT *, n + 1 AS k FROM gitems ORDER BY k",
		"SELECT *, k FROM gitems ORDER BY k DESC",
		"SELECT n+1 FROM gitems ORDER BY `n+1` DESC",
		// USING lists its column once.
		"SELECT * FROM gitems JOIN modeitems USING (k) ORDER BY k DESC",
	}, textSteps(
		"SELECT g.k, m.k FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY k",
		// An alias and a selected column of that name: 1052 on MariaDB.
		"SELECT g.n AS k, m.k FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY k",
		"SELECT n AS k, k FROM gitems ORDER BY k",
		// A wildcard brings columns of that name too.
		"SELECT *, n AS k FROM gitems ORDER BY k",
		"SELECT n AS k, gitems.* FROM gitems ORDER BY k",
		"SELECT g.*, m.n AS k FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY k",
		"SELECT * FROM modeitems m JOIN gitems g ON g.k = m.k ORDER BY k",
	)...)
}

// TestJoinScanOrderOverShards: a join of tables sharded alike, on keys that
// are each table's primary key, answers without ORDER BY in that key's
// order, as one MariaDB scanning either table does (and a LIMIT the same
// first rows); the shards' rows came shard after shard.
func TestJoinScanOrderOverShards(t *testing.T) {
	t.Parallel()
	var g, m []string
	for k := 1; k <= 12; k++ {
		g = append(g, fmt.Sprintf("(%d, %d)", k, 100-k))
		if k%3 != 0 {
			m = append(m, fmt.Sprintf("(%d, %d)", k, k*k%7))
		}
	}
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"CREATE TABLE modeitems (k INT PRIMARY KEY, n INT)",
		"INSERT INTO gitems VALUES "+strings.Join(g, ", "),
		"INSERT INTO modeitems VALUES "+strings.Join(m, ", "),
	)
	compareSessions(ctx, t, proxy, direct, 1, textSteps(
		"SELECT a.k, b.n FROM gitems a JOIN modeitems b ON a.k = b.k",
		"SELECT * FROM gitems JOIN modeitems USING (k)",
		"SELECT b.n, a.n FROM modeitems b JOIN gitems a ON a.k = b.k LIMIT 4",
		"SELECT a.k, b.n FROM gitems a LEFT JOIN modeitems b ON a.k = b.k",
		"SELECT a.k, b.n FROM gitems a LEFT JOIN modeitems b ON a.k = b.k LIMIT 2, 5",
	))
}
