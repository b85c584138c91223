package integration

import "testing"

// TestCTENameBesideTable: a CTE named like a sharded table hides it only
// inside the statement whose WITH defines it; the table beside that
// statement was taken for the CTE, and the statement ran on the default
// shard alone: one shard's rows where one MariaDB reads them all. Answered
// as one server, or refused.
func TestCTENameBesideTable(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"INSERT INTO gitems VALUES (1, 10), (2, 20), (3, 30), (4, 40)",
	)
	for _, q := range []string{
		"SELECT COUNT(*) FROM (WITH gitems AS (SELECT 1 AS k) SELECT k FROM gitems) d JOIN gitems",
		"SELECT (WITH gitems AS (SELECT 7 AS k) SELECT k FROM gitems) AS x, g.k FROM gitems AS g ORDER BY g.k",
		"SELECT k FROM gitems WHERE EXISTS (WITH gitems AS (SELECT 1) SELECT * FROM gitems) ORDER BY k",
	} {
		want := queryResult(ctx, direct, q, nil)
		got := queryResult(ctx, proxy, q, nil)
		switch {
		case got == "error 1235":
			t.Logf("%s: refused", q)
		case got != want:
			t.Errorf("%s: through the proxy %s, one MariaDB %s", q, got, want)
		}
	}
}
