package integration

import "testing"

// Expressions over aggregates merged from several shards: the values
// (a merged AVG keeps its quotient's digits for arithmetic: AVG(d) * 100)
// and the column metadata, to the length, type (INT or BIGINT by length),
// NOT NULL and the flags of a grouped plan, as MariaDB 10.11 derives them.
func TestExprMetadataOverAggregates(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(8,2), x DOUBLE, b BIGINT, u INT UNSIGNED, t TINYINT, s SMALLINT NOT NULL, ut TINYINT UNSIGNED)",
		"INSERT INTO modeitems VALUES (1, 1, 10, 1.25, 0.5, 5, 1, 1, 1, 1), (2, 1, 20, 2.50, 1.5, 6, 2, 2, 2, 2), (3, 2, NULL, NULL, NULL, NULL, NULL, NULL, 3, NULL), (5, 3, 7, 0.10, 2, 7, 3, -3, 4, 3)")
	for _, q := range []string{
		"SELECT SUM(v)/COUNT(*), SUM(v)*2, MAX(v)+1, MIN(v)-MAX(v), COUNT(*)+1, SUM(d)/COUNT(*), AVG(d)*100, SUM(x)/2, MAX(d)-1, MAX(b)+1, SUM(v) DIV 2, MAX(v) % 3, -MAX(v), -SUM(d), MAX(u)+1, COUNT(*)*1.5, SUM(v) > 10, MAX(v) IS NULL FROM modeitems",
		"SELECT MAX(t)+1, MAX(t)*2, MAX(t) DIV 2, MAX(t)%3, -MAX(t), MAX(t)-1, COUNT(*) DIV 2, MAX(v) DIV 2, AVG(v)+1, MAX(d)*MAX(d), 1.5*MAX(t), MAX(t)+0.5, MAX(v)/MAX(t), SUM(v)-0.25, MAX(d)+MAX(v), COUNT(*) > 1, COUNT(*) = 1 AND MAX(v) > 1, NOT COUNT(*), MAX(d) % 2.5 FROM modeitems",
		"SELECT MAX(ut)+1, MAX(ut)-1, MAX(u)*2, MAX(t)+MAX(ut), 0.5+MAX(t), MAX(t)+100000000, MAX(t)+1000000000, COUNT(*)*2, MAX(t) DIV MAX(ut), -AVG(d), -COUNT(*), -(-MAX(t)), MAX(t)+(-1), COUNT(*) - 1, MIN(s)+1, MIN(s)+1.5, MAX(t) * 0.001, SUM(d)/3, MAX(d)/0.25, MAX(d)/MAX(d) FROM modeitems",
		"SELECT g, AVG(d)*100, AVG(v)*3, ROUND(AVG(d), 7), AVG(d) FROM modeitems GROUP BY g HAVING AVG(d) * 3 > 0 ORDER BY AVG(d) * 100",
		"SELECT MOD(SUM(v), 3), MOD(MAX(d), 0.7), MOD(COUNT(*), 2), MOD(SUM(v), 0) FROM modeitems",
		// A decimal literal's integer digits are counted, not rounded
		// (9.5 is DECIMAL(2,1)); a negative zero keeps its sign where no
		// digit is dropped.
		"SELECT COUNT(*) * 9.5, CASE WHEN COUNT(*) > 1 THEN 9.5 ELSE 0.5 END, GREATEST(MAX(v), 99.9) FROM modeitems",
		"SELECT TRUNCATE(MOD(-COUNT(*) * 1.00, 1), 3), ROUND(MOD(-COUNT(*) * 1.00, 1), 3), TRUNCATE(MOD(-COUNT(*) * 1.00, 1), 1) FROM modeitems",
		// Grouped through a temporary table (g has no index) and through
		// the primary key: the aggregates' flags follow the plan, the
		// functions' do not.
		"SELECT g, COUNT(*), SUM(d), MIN(v), MAX(x), AVG(v), ROUND(MAX(v)), IFNULL(SUM(v), 0), FLOOR(AVG(d)) + 1, ROUND(COUNT(*), 1), ROUND(AVG(v), 2) * 100 FROM modeitems GROUP BY g",
		"SELECT k, COUNT(*), SUM(d), MIN(v), MAX(x), AVG(v), ROUND(MAX(v)), IFNULL(SUM(v), 0), FLOOR(AVG(d)) + 1, ROUND(COUNT(*), 1) FROM modeitems GROUP BY k",
	} {
		compareTwinFields(t, f, q, true)
	}
}
