package integration

import (
	"testing"
)

// TestUnmergedFormsOnOneShard: a SELECT the merge cannot compute over
// several shards (GROUP_CONCAT, JSON_ARRAYAGG, BIT_OR, a window function,
// a parameter in the select list) runs as written when its shard-key
// conditions pick one shard, which holds every row it reads: k = 1 is one
// shard whatever the value. It used to be refused (1235) at planning,
// whatever its WHERE; now only a bind that reaches several shards is.
func TestUnmergedFormsOnOneShard(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT, n INT, v INT, s VARCHAR(10), PRIMARY KEY (k, n))",
		"INSERT INTO modeitems VALUES (1, 1, 1, 'a'), (1, 2, 5, 'B'), (2, 1, 2, 'b'), (2, 2, 2, 'A'), (3, 1, 3, 'c'), (3, 2, 1, NULL)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT GROUP_CONCAT(s) FROM modeitems WHERE k = 1",
		"SELECT GROUP_CONCAT(s ORDER BY n DESC SEPARATOR '|'), COUNT(*) FROM modeitems WHERE k = 3",
		"SELECT JSON_ARRAYAGG(v), BIT_OR(v), BIT_XOR(n) FROM modeitems WHERE k = 2",
		"SELECT n, SUM(v) OVER (ORDER BY n) FROM modeitems WHERE k = 1 ORDER BY n",
		"SELECT GROUP_CONCAT(s ORDER BY k, n) FROM modeitems WHERE k IN (1, 3)", // both on one shard (k mod 2)
	},
		// Parameters in the select list, bound per execution (binary
		// protocol): one shard.
		scriptStep{0, "SELECT ?, n FROM modeitems WHERE k = ? ORDER BY n", []any{"x", 2}},
	)
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT GROUP_CONCAT(s) FROM modeitems",
		"SELECT GROUP_CONCAT(s) FROM modeitems WHERE k IN (1, 2)",
		"SELECT n, SUM(v) OVER (ORDER BY n) FROM modeitems WHERE k > 1",
	)
	wantUnsupported(ctx, t, proxy, []any{"x"}, "SELECT ?, n FROM modeitems")
}
