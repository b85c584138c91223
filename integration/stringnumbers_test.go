package integration

import "testing"

// TestStringLiteralsAsNumbersOverAggregates: a string literal read as a
// number in an expression over merged aggregates answers as one MariaDB
// when it is a number ('1', '3.0'), and is refused (1235) when it is not
// ('a', '1x', ' 3 '), which one server truncates with warning 1292 (a
// note for trailing spaces) that the merge does not give; so does an
// aggregate's string (MAX(s) + 0) when its value is not a number.
func TestStringLiteralsAsNumbersOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, g INT, v INT, s VARCHAR(5))",
		"INSERT INTO gitems VALUES (1, 1, 1, ' 2'), (2, 1, 2, '10'), (3, 2, 3, 'x')",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT COUNT(*) > '1', SUM(v) + '2', COUNT(*) = '3.0', COUNT(*) = '-1' FROM gitems",
		"SELECT g FROM gitems GROUP BY g HAVING COUNT(*) > '1'",
		"SELECT COUNT(*) > ' 1', COUNT(*) = '+3', COUNT(*) + '1.' FROM gitems",
		"SELECT MAX(s) + 0, MIN(s) > 5 FROM gitems WHERE g = 1",
	})
	for _, q := range []string{
		"SELECT COUNT(*) = 'a' FROM gitems",
		"SELECT g FROM gitems GROUP BY g HAVING COUNT(*) > '1x'",
		"SELECT COUNT(*) + 'abc' FROM gitems",
		"SELECT COUNT(*) AND 'a' FROM gitems",
		"SELECT COUNT(*) = ' 3 ' FROM gitems",
		"SELECT MAX(s) + 0 FROM gitems",
		"SELECT g FROM gitems GROUP BY g HAVING MAX(s) > 1",
	} {
		rows, err := proxy.QueryContext(ctx, q)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err() // an aggregate's value fails as it is read
			rows.Close()
		}
		if n := mysqlErrNumber(err); n != 1235 {
			t.Errorf("%s: %v, want 1235 (MariaDB warns 1292)", q, err)
		}
	}
}
