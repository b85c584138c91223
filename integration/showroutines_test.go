package integration

import (
	"regexp"
	"strings"
	"testing"
)

// TestShowRoutineStatusAsOneServer: SHOW PROCEDURE STATUS and SHOW
// FUNCTION STATUS list the routines of the schemas the user may use, as
// one MariaDB lists them to an account granted that schema only (not the
// shard's sys functions), in its order, with its LIKE and WHERE.
func TestShowRoutineStatusAsOneServer(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT)",
		"CREATE PROCEDURE p1() SELECT 1",
		"CREATE PROCEDURE a_p() SELECT 2",
		"CREATE FUNCTION f1() RETURNS INT DETERMINISTIC RETURN 1",
		"CREATE FUNCTION Fa() RETURNS INT DETERMINISTIC RETURN 2",
	)
	f.s0.Exec(t, "CREATE USER twin@'%' IDENTIFIED BY 'twin-secret'", "GRANT ALL ON direct.* TO twin@'%'")
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "twin", "twin-secret", "direct")
	definer := strings.NewReplacer("twin@%", "D", "root@127.0.0.1", "D", "root@localhost", "D")
	stamp := regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}`) // created a moment apart
	for _, q := range []string{
		"SHOW FUNCTION STATUS",
		"SHOW PROCEDURE STATUS",
		"SHOW FUNCTION STATUS LIKE 'F%'",
		"SHOW PROCEDURE STATUS WHERE Db = DATABASE() AND Name <> 'p1'",
		"SHOW FUNCTION STATUS WHERE `Database Collation` LIKE 'utf8mb4%'",
		"SHOW PROCEDURE STATUS LIKE 'nosuch'",
	} {
		got := stamp.ReplaceAllString(definer.Replace(strings.ReplaceAll(wireAnswer(proxy, q), "shop", "direct")), "T")
		want := stamp.ReplaceAllString(definer.Replace(wireAnswer(direct, q)), "T")
		if got != want {
			t.Errorf("%s:\n  proxy:   %s\n  MariaDB: %s", q, got, want)
		}
	}
	compareTwinFields(t, f, "SHOW FUNCTION STATUS WHERE 0", false)
}
