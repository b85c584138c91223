package integration

import (
	"strings"
	"testing"
)

// TestGroupByOrderByNullOverShards: GROUP BY an expression ... ORDER BY
// NULL answers its groups as one MariaDB does, unsorted, in the order its
// temporary table made them: each as its first row was read, on a scan
// the lowest primary key (v % 3 gives 1, 2, 0 here, not 0, 1, 2).
func TestGroupByOrderByNullOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, g INT, v INT, s VARCHAR(5))",
		"INSERT INTO litems VALUES (1,3,1,'x'),(2,1,2,'y'),(3,3,3,'x'),(4,2,4,'z'),(5,1,5,'y'),(6,2,6,'a'),(7,5,7,'b'),(8,4,8,'b')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT v % 3 AS m, SUM(v) FROM litems GROUP BY m ORDER BY NULL",
		"SELECT v % 3, COUNT(*) FROM litems GROUP BY v % 3 ORDER BY NULL LIMIT 2",
		"SELECT LEFT(s, 1) AS c, COUNT(*) FROM litems GROUP BY c ORDER BY NULL",
		"SELECT v % 3 AS m, SUM(v) FROM litems GROUP BY m HAVING SUM(v) > 5 ORDER BY NULL",
		"SELECT k, COUNT(*) FROM litems GROUP BY k ORDER BY NULL",
	})
}

// TestPlainOrderByNullOverShards: ORDER BY NULL orders nothing: one
// MariaDB answers a scan in its primary key's order, as without an ORDER
// BY, which the merge follows (it gave the shards' rows one shard after
// the other, and refused a DISTINCT).
func TestPlainOrderByNullOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, g INT, v INT, s VARCHAR(5))",
		"INSERT INTO gitems VALUES (1,1,1,'a'),(2,1,2,'b'),(3,2,3,'c'),(4,2,NULL,'d'),(5,3,5,'e')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT k FROM gitems ORDER BY NULL LIMIT 3",
		"SELECT k, s FROM gitems ORDER BY NULL",
		"SELECT k FROM gitems WHERE v > 1 ORDER BY NULL LIMIT 2 OFFSET 1",
		"SELECT * FROM gitems ORDER BY NULL",
		"SELECT g.k, t.k FROM gitems g JOIN gitems t ON g.k = t.k ORDER BY NULL",
		"SELECT DISTINCT g FROM gitems ORDER BY NULL",
		"SELECT DISTINCT g FROM gitems ORDER BY NULL LIMIT 2",
		"SELECT DISTINCT g, v FROM gitems ORDER BY NULL",
	})
}

// TestGroupByOrderByNullOtherIndex: where the table has another index,
// one MariaDB may read it instead of the primary key, for a covering scan
// (GROUP BY v % 3 over KEY(v): "Using index; Using temporary") or a WHERE
// range, and makes its groups in that index's order; the merge, which
// followed the primary key (2, 1, 0 here, not 0, 1, 2), refuses; so it
// does for groups of a shard key that is not the primary key, which it
// sorted by the key.
func TestGroupByOrderByNullOtherIndex(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, v INT, KEY (v))",
		"INSERT INTO litems VALUES (1,5),(2,4),(3,3),(4,2),(5,1),(6,0)",
		"CREATE TABLE gitems (id INT PRIMARY KEY, k INT)",
		"INSERT INTO gitems VALUES (1,3),(2,1),(3,2),(4,3)",
	)
	dc, err := direct.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	const refusal = "GROUP BY ... ORDER BY NULL over several shards is not supported here"
	for _, c := range []struct {
		sql    string
		direct string // one MariaDB's rows, in the other index's order
	}{
		{"SELECT v % 3, COUNT(*) FROM litems GROUP BY v % 3 ORDER BY NULL", "0,2 1,2 2,2"},
		{"SELECT k, COUNT(*) FROM litems WHERE v > 0 GROUP BY k ORDER BY NULL", "5,1 4,1 3,1 2,1 1,1"},
		{"SELECT v % 2, COUNT(*) FROM litems WHERE v > 1 GROUP BY v % 2 ORDER BY NULL", "0,2 1,2"},
		// Grouped by the shard key, not the primary key: in the order
		// of the first rows read, not the key's.
		{"SELECT k, COUNT(*) FROM gitems GROUP BY k ORDER BY NULL", "3,2 1,1 2,1"},
	} {
		got := strings.ReplaceAll(strings.Join(queryRows(ctx, t, dc, c.sql), " "), "\t", ",")
		if got != c.direct {
			t.Errorf("%s on one MariaDB: %s, want %s", c.sql, got, c.direct)
		}
		wantMergeRefused(ctx, t, proxy, c.sql, refusal)
	}
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT k, COUNT(*) FROM litems GROUP BY k ORDER BY NULL",
		"SELECT v % 3 AS m, COUNT(*) FROM litems GROUP BY m ORDER BY m",
		"SELECT v % 3, COUNT(*) FROM litems GROUP BY v % 3",
		"SELECT k, COUNT(*) FROM gitems GROUP BY k",
	})
}
