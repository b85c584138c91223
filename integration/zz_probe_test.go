package integration

import (
	"testing"
)

func TestZZProbe(t *testing.T) {
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), n INT, d DECIMAL(10,2), ts DATETIME, KEY (n))",
		"CREATE TABLE modeitems (k INT PRIMARY KEY, qty INT)",
		"CREATE TABLE regions_prepared (id INT PRIMARY KEY, name VARCHAR(20))",
		"INSERT INTO gitems VALUES (1,'a',10,1.5,'2020-01-01'),(2,'b',20,2.5,'2020-01-02'),(3,'a',NULL,3.25,'2020-01-03'),(4,'c',40,NULL,NULL),(5,'b',50,5.5,'2021-05-05'),(6,'a',60,6.0,'2021-06-06')",
		"INSERT INTO modeitems VALUES (1,3),(2,4),(5,6)",
		"INSERT INTO regions_prepared VALUES (1,'north'),(2,'south')",
	)
	pc, _ := proxy.Conn(ctx)
	dc, _ := direct.Conn(ctx)
	qs := []string{
		"SELECT COUNT(*) FROM (SELECT v FROM gitems GROUP BY v) AS sub",
		"SELECT COUNT(*) FROM (SELECT DISTINCT v FROM gitems) AS sub",
		"SELECT COUNT(*) AS c FROM (SELECT * FROM gitems WHERE n > 10) AS sub",
		"SELECT count(DISTINCT(k)) AS count FROM gitems",
		"SELECT * FROM gitems WHERE k = 1 FOR UPDATE SKIP LOCKED",
		"SELECT * FROM gitems ORDER BY k FOR UPDATE NOWAIT",
		"SELECT * FROM gitems WHERE EXISTS (SELECT 1 FROM modeitems m WHERE m.k = gitems.k) ORDER BY k",
		"SELECT * FROM gitems WHERE NOT EXISTS (SELECT 1 FROM modeitems m WHERE m.k = gitems.k) ORDER BY k",
		"SELECT * FROM gitems WHERE k IN (SELECT k FROM modeitems) ORDER BY k",
		"SELECT * FROM gitems WHERE k NOT IN (SELECT k FROM modeitems) ORDER BY k",
		"SELECT g.*, (SELECT qty FROM modeitems m WHERE m.k = g.k) AS q FROM gitems g ORDER BY k",
		"SELECT g.k, m.qty FROM gitems g LEFT JOIN modeitems m ON m.k = g.k ORDER BY g.k",
		"SELECT g.k, m.qty FROM gitems g LEFT JOIN modeitems m USING (k) WHERE m.k IS NULL ORDER BY g.k",
		"SELECT v, COUNT(*) c FROM gitems GROUP BY v ORDER BY c DESC, v LIMIT 2",
		"SELECT DISTINCT v FROM gitems ORDER BY v LIMIT 1, 1",
		"SELECT k, v FROM gitems WHERE v LIKE 'a%' ORDER BY n DESC LIMIT 2",
		"SELECT k FROM gitems WHERE ts >= NOW() - INTERVAL 10 YEAR ORDER BY k",
		"SELECT MAX(k) + 1 FROM gitems",
		"SELECT k, v FROM gitems ORDER BY FIELD(k, 3, 1, 2), k LIMIT 3",
		"SELECT CASE WHEN n > 20 THEN 'big' ELSE 'small' END AS sz, COUNT(*) FROM gitems GROUP BY sz ORDER BY sz",
		"SELECT DATE(ts) d, SUM(d) FROM gitems GROUP BY DATE(ts) ORDER BY d",
		"SELECT k, COALESCE(n, 0) FROM gitems ORDER BY k",
		"SELECT COUNT(*), COUNT(n), COUNT(DISTINCT v), MIN(ts), MAX(d) FROM gitems WHERE k BETWEEN 2 AND 5",
		"SELECT * FROM gitems ORDER BY RAND() LIMIT 0",
		"SELECT SUM(n) / COUNT(*) AS avg_n FROM gitems",
		"SELECT v, AVG(n) FROM gitems GROUP BY v HAVING AVG(n) > 20 ORDER BY v",
		"SELECT v FROM gitems GROUP BY v HAVING COUNT(*) > 1 ORDER BY v",
		"SELECT * FROM gitems WHERE k > 2 ORDER BY k LIMIT 2 OFFSET 1",
		"SELECT k FROM gitems ORDER BY k DESC LIMIT 1",
		"SELECT 1 FROM gitems WHERE k = 99 LIMIT 1",
		"SELECT EXISTS(SELECT 1 FROM gitems WHERE k = 3) AS e",
		"SELECT COUNT(1) FROM gitems g JOIN regions_prepared r ON r.id = g.k",
		"INSERT INTO gitems (k, v) VALUES (10, 'x') ON DUPLICATE KEY UPDATE v = 'y', n = n + 1",
		"INSERT INTO gitems SET k = 11, v = 'set'",
		"INSERT INTO gitems (k, v) VALUES (12, 'p') RETURNING k, v",
		"UPDATE gitems SET n = n + 1 WHERE k IN (1, 2, 3)",
		"UPDATE gitems SET n = CASE k WHEN 1 THEN 100 WHEN 2 THEN 200 END WHERE k IN (1, 2)",
		"DELETE FROM gitems WHERE k IN (11, 12)",
		"DELETE FROM gitems WHERE ts < '2020-01-02'",
		"SELECT * FROM gitems ORDER BY k",
		"SELECT * FROM gitems USE INDEX (n) WHERE n > 10 ORDER BY k",
		"SELECT * FROM gitems FORCE INDEX (PRIMARY) ORDER BY k LIMIT 2",
		"SELECT SQL_NO_CACHE * FROM gitems WHERE k = 2",
		"SELECT HIGH_PRIORITY k FROM gitems WHERE k = 2",
		"SELECT k FROM gitems WHERE MATCH(v) AGAINST ('a')",
		"SELECT JSON_OBJECT('k', k, 'v', v) FROM gitems ORDER BY k LIMIT 2",
		"SELECT k, LAG(n) OVER (ORDER BY k) FROM gitems WHERE k = 2",
		"TABLE gitems",
		"VALUES (1, 2)",
		"SELECT * FROM gitems g1 JOIN gitems g2 ON g2.k = g1.k WHERE g1.n > 10 ORDER BY g1.k",
		"SELECT v, MIN(k), MAX(k) FROM gitems GROUP BY v ORDER BY MIN(k)",
	}
	for _, q := range qs {
		g := retAnswer(ctx, pc, retStep{sql: q})
		w := retAnswer(ctx, dc, retStep{sql: q})
		if g != w {
			t.Errorf("%s\n   proxy:  %.300s\n   direct: %.300s", q, g, w)
		}
	}
}
