package integration

import "testing"

// TestAggregateOverflowMessages: an expression over aggregates that the
// merge computes and that overflows fails with MariaDB's 1690, naming the
// expression as one server prints it (max(`shop`.`gitems`.`u`) + 1,
// `tmp_field` + 1 when grouped), not by the merge's own column names.
func TestAggregateOverflowMessages(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, g INT, u BIGINT UNSIGNED, i BIGINT, f DOUBLE)",
		"CREATE TABLE txitems (k INT PRIMARY KEY, n BIGINT)",
		"INSERT INTO txitems VALUES (1, 9223372036854775807), (2, 1), (3, 2)",
		"INSERT INTO gitems VALUES (1, 1, 18446744073709551615, 9223372036854775807, 1e308), (2, 1, 18446744073709551615, 9223372036854775807, 1e308), (3, 2, 1, -5, 1), (4, 2, 2, 5, 2)",
	)
	compareRawAnswers(t, f, []string{
		"SELECT MAX(u) + 1 FROM gitems",
		"SELECT MAX(gitems.u) + 1 AS x FROM gitems",
		"SELECT MAX(U) + 1 FROM gitems g2",
		"SELECT MIN(i) - 9223372036854775807 FROM gitems",
		"SELECT COUNT(*) * 9223372036854775807 FROM gitems",
		"SELECT COUNT(u) * 9223372036854775807, COUNT(DISTINCT u) * 9223372036854775807 FROM gitems",
		"SELECT -MAX(u) FROM gitems",
		"SELECT MIN(u) - MAX(u) FROM gitems",
		"SELECT MAX(u) + MAX(u) FROM gitems",
		"SELECT SUM(u) * 1e300 FROM gitems",
		"SELECT SUM(DISTINCT u) * 1e300 FROM gitems",
		"SELECT AVG(u) * 1e308 * 10 FROM gitems",
		"SELECT SUM(f) + 0 FROM gitems WHERE g = 1",
		"SELECT g, MAX(u) + 1 FROM gitems GROUP BY g",
		"SELECT 1 FROM gitems HAVING MAX(u) + 1 > 0",
		// Over a join: the column's table as written, or its one owner.
		"SELECT MAX(G.u) + 1 FROM gitems G JOIN txitems t ON G.k = t.k",
		"SELECT MAX(u) + 1 FROM gitems JOIN txitems USING (k)",
		"SELECT MAX(n) + 1 FROM gitems g JOIN txitems t ON g.k = t.k",
	})
}
