package integration

import "testing"

// TestLatin1EnumKeysOverShards: an ENUM or SET column of any collation
// groups and is DISTINCT over several shards as on one MariaDB: its
// values are distinct under its collation ('a' and 'å' are two values of
// a latin1_swedish_ci ENUM, one under utf8mb4_general_ci), so the merge
// tells them by their bytes, and sorts them by position.
func TestLatin1EnumKeysOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, e ENUM('b','a','c','å') CHARACTER SET latin1, s SET('x','y','z') CHARACTER SET latin1, v INT)",
		"INSERT INTO litems VALUES (1,'a','y',1),(2,'b','x',2),(3,'c','x,y',3),(4,'a',NULL,4),(5,NULL,'y',5),(6,'å','z,x',6),(7,'å','y',7),(8,'A','Y',8)",
	)
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT e, COUNT(*) FROM litems GROUP BY e",
		"SELECT e, SUM(v) FROM litems GROUP BY e ORDER BY e DESC",
		"SELECT s, COUNT(*) FROM litems GROUP BY s",
		"SELECT s, COUNT(*) FROM litems GROUP BY s ORDER BY s DESC",
		"SELECT e, s, COUNT(*) FROM litems GROUP BY e, s",
		"SELECT DISTINCT e FROM litems ORDER BY e",
		"SELECT DISTINCT e FROM litems",
		"SELECT DISTINCT s FROM litems ORDER BY s",
		"SELECT DISTINCT e, s FROM litems ORDER BY e, s",
	})
}
