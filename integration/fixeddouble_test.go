package integration

import "testing"

// A DOUBLE of fixed decimals computed on the shards (f / 3 of a
// FLOAT(7,3) has 7) comes from them as text rounded to those decimals:
// through the text protocol that is MariaDB's answer, through the binary
// protocol MariaDB sends the full double, so a merge refuses it there
// (1235). Stored columns, ROUND and doubles without fixed decimals pass.
func TestFixedDecimalDoublesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, f FLOAT(7,3), x DOUBLE, dd DOUBLE(10,2))",
		"INSERT INTO modeitems VALUES (1, 1.125, 0.1, 1.25), (2, 2.5, 0.2, 2.5), (3, 3.333, 1, 0.01)")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SELECT k, f / 3, x / 3 FROM modeitems WHERE k > 0 ORDER BY k", nil},
		{0, "SELECT k, f, dd, ROUND(f / 3, 2), x / 3 FROM modeitems WHERE k > ? ORDER BY k", []any{0}},
	})
	wantUnsupported(ctx, t, proxy, []any{0},
		"SELECT k, f / 3 FROM modeitems WHERE k > ? ORDER BY k",
		"SELECT *, dd * 1.5 FROM modeitems WHERE k > ?",
	)
}
