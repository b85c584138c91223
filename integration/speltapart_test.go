package integration

import (
	"testing"
)

// TestGroupsSpeltApartOverShards: a GROUP BY that the merge cannot pick a
// representative row for (over a derived table, without a one-column
// primary key) shows a group's text as one MariaDB does when its rows
// spell it alike, and is refused (1235) when they spell it apart ('a',
// 'A', 'a '): one server shows the first its plan reads.
func TestGroupsSpeltApartOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, g INT, s VARCHAR(10))",
		"INSERT INTO litems VALUES (1, 1, 'a'), (2, 1, 'B'), (3, 2, 'c'), (4, 2, 'A'), (5, 1, 'b'), (6, 3, 'a '), (7, 3, 'd')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT x.s, COUNT(*) FROM (SELECT s FROM litems WHERE s IN ('c', 'd')) x GROUP BY x.s",
		"SELECT x.g, COUNT(*) FROM (SELECT g FROM litems) x GROUP BY x.g",
	})
	for _, q := range []string{
		"SELECT x.s, COUNT(*) FROM (SELECT s FROM litems) x GROUP BY x.s",
		"SELECT x.s, COUNT(*) FROM (SELECT s FROM litems WHERE g = 3 OR k = 1) x GROUP BY x.s",
	} {
		rows, err := proxy.QueryContext(ctx, q)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if n := mysqlErrNumber(err); n != 1235 {
			t.Errorf("%s: %v, want 1235 (values spelt apart)", q, err)
		}
	}
}
