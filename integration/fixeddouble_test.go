package integration

import "testing"

// A DOUBLE of fixed decimals computed on the shards (f / 3 of a
// FLOAT(7,3) has 7) comes from them as text rounded to those decimals:
// through the text protocol that is MariaDB's answer, through the binary
// protocol MariaDB sends the full double, so a merge refuses it there
// (1235). Stored columns, ROUND and doubles without fixed decimals pass.
// A view's or derived table's column is such a value when its definition
// computes it: the merge saw a column and sent 0.8333333 for
// 0.8333333333333334.
func TestFixedDecimalDoublesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, f FLOAT(7,3), x DOUBLE, dd DOUBLE(10,2))",
		"INSERT INTO modeitems VALUES (1, 1.125, 0.1, 1.25), (2, 2.5, 0.2, 2.5), (3, 3.333, 1, 0.01)",
		"CREATE VIEW fv AS SELECT k, f, dd, f / 3 AS q, ROUND(f / 3, 2) AS r, x / 3 AS xq FROM modeitems",
		"CREATE VIEW fvv AS SELECT k, q AS qq, f FROM fv")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SELECT k, f / 3, x / 3 FROM modeitems WHERE k > 0 ORDER BY k", nil},
		{0, "SELECT k, f, dd, ROUND(f / 3, 2), x / 3 FROM modeitems WHERE k > ? ORDER BY k", []any{0}},
		{0, "SELECT * FROM fv WHERE k > 0 ORDER BY k", nil},
		{0, "SELECT k, qq FROM fvv WHERE k > 0 ORDER BY k", nil},
		{0, "SELECT k, f, dd, r, xq FROM fv WHERE k > ? ORDER BY k", []any{0}},
		{0, "SELECT k, f FROM fvv WHERE k > ? ORDER BY k", []any{0}},
		{0, "SELECT k, q FROM (SELECT k, f / 3 AS q FROM modeitems) d WHERE k > 0 ORDER BY k", nil},
		{0, "SELECT k, f, r FROM (SELECT k, f, ROUND(f / 3, 2) AS r FROM modeitems) d WHERE k > ? ORDER BY k", []any{0}},
		{0, "SELECT dd, f / 3, COUNT(*) FROM modeitems GROUP BY dd ORDER BY dd", nil},
		{0, "SELECT f / 3, COUNT(*) FROM modeitems GROUP BY f / 3 ORDER BY 1", nil},
	})
	wantUnsupported(ctx, t, proxy, []any{0},
		"SELECT k, f / 3 FROM modeitems WHERE k > ? ORDER BY k",
		"SELECT *, dd * 1.5 FROM modeitems WHERE k > ?",
		"SELECT k, q FROM fv WHERE k > ?",
		"SELECT * FROM fv WHERE k > ?",
		"SELECT k, q AS renamed FROM fv AS alias WHERE k > ?",
		"SELECT k, qq FROM fvv WHERE k > ?",
		"SELECT k, q FROM (SELECT k, f / 3 AS q FROM modeitems) d WHERE k > ?",
		"SELECT * FROM (SELECT k, f / 3 FROM modeitems) d WHERE k > ?",
		"SELECT k, q FROM (SELECT * FROM fv) d WHERE k > ?",
		// A group key or a field carried from the group's first row that
		// the shards compute.
		"SELECT dd, f / 3, COUNT(*) FROM modeitems WHERE k > ? GROUP BY dd",
		"SELECT f / 3, COUNT(*) FROM modeitems WHERE k > ? GROUP BY f / 3",
	)
}
