package integration

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// IFNULL(SUM(x), 0) and COALESCE(AVG(x), 0) over several shards: MariaDB's
// values and column metadata (the aggregate's type, NOT NULL). A literal
// that does not fit the aggregate's type is refused (1235): MariaDB widens
// the type then.
func TestIfNullOverAggregates(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, g INT, v INT, d DECIMAL(8,2), x DOUBLE)",
		"INSERT INTO modeitems VALUES (1, 1, 10, 1.25, 0.5), (2, 1, 20, 2.50, 1.5), (3, 2, NULL, NULL, NULL), (4, 2, NULL, NULL, NULL), (5, 3, 7, 0.10, 2)")
	queries := []string{
		"SELECT IFNULL(SUM(v), 0), COALESCE(AVG(v), 0), IFNULL(SUM(d), 100), COALESCE(AVG(d), 0.5), IFNULL(SUM(x), 7), IFNULL(AVG(x), 0) FROM modeitems",
		"SELECT IFNULL(SUM(v), 0), COALESCE(AVG(d), 0), IFNULL(SUM(x), 0) FROM modeitems WHERE k > 100",
		"SELECT g, IFNULL(SUM(v), 0) AS s, COALESCE(AVG(d), 0) FROM modeitems GROUP BY g",
		"SELECT g, IFNULL(SUM(v), 0) AS s FROM modeitems GROUP BY g HAVING s > 0 ORDER BY s DESC",
	}
	var steps []scriptStep
	for _, q := range queries {
		steps = append(steps, scriptStep{0, q, nil})
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
	// The metadata, to the length and the flags.
	for _, q := range queries[:2] {
		got, want := executeTwins(t, f, q)
		for i, w := range want.Fields {
			g := got.Fields[i]
			if g.Type != w.Type || g.ColumnLength != w.ColumnLength || g.Decimal != w.Decimal || g.Flag != w.Flag || string(g.Name) != string(w.Name) {
				t.Errorf("%s: column %s: proxy type %d length %d decimals %d flags %#x, MariaDB %d %d %d %#x",
					q, w.Name, g.Type, g.ColumnLength, g.Decimal, g.Flag, w.Type, w.ColumnLength, w.Decimal, w.Flag)
			}
		}
	}
	// Where MariaDB widens the type, refused.
	for _, q := range []string{
		"SELECT IFNULL(SUM(v), 0.5) FROM modeitems",
		"SELECT IFNULL(AVG(v), 12345678901) FROM modeitems",
		"SELECT IFNULL(MAX(v), 0) FROM modeitems",
		"SELECT IFNULL(SUM(v), 'none') FROM modeitems",
	} {
		_, err := proxy.ExecContext(ctx, q)
		wantMySQLError(t, err, mysql.ER_NOT_SUPPORTED_YET, "42000")
	}
}
