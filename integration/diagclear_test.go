package integration

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// TestDiagnosticsClearedAsMariaDB: a statement that uses a table clears
// the previous statement's warnings; MariaDB counts as tables the
// information_schema table behind most SHOW statements, a derived table
// and a CTE, and keeps them across SHOW CREATE DATABASE. After DO 1/0
// (warning 1365), SHOW WARNINGS after each statement lists what MariaDB
// lists.
func TestDiagnosticsClearedAsMariaDB(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT)",
	)
	proxy := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
	direct := connectGoMySQL(t, f.s0.Addr(), "root", "", "direct")
	for _, q := range []string{
		"SHOW VARIABLES LIKE 'x'", "SHOW SESSION STATUS LIKE 'x'", "SHOW DATABASES LIKE 'x'",
		"SHOW COLLATION LIKE 'x'", "SHOW CHARACTER SET LIKE 'x'", "SHOW ENGINES", "SHOW PLUGINS",
		"SHOW OPEN TABLES LIKE 'x'", "SHOW FUNCTION STATUS LIKE 'x'", "SHOW PROCEDURE STATUS LIKE 'x'",
		"SHOW TABLE STATUS LIKE 'x'", "SHOW INDEX FROM plain", "SHOW TABLES", "SHOW COLUMNS FROM plain",
		"SELECT * FROM (SELECT 1 UNION SELECT 2) AS d", "WITH c AS (SELECT 1) SELECT * FROM c",
		"SELECT 1 FROM (SELECT 1) AS d JOIN (SELECT 2) AS e", "SHOW PACKAGE STATUS LIKE 'x'",
		// These keep them.
		"SHOW CREATE DATABASE information_schema", "SHOW PRIVILEGES", "SELECT 1", "SELECT (SELECT 1)",
		"SELECT 1 UNION SELECT 2", "SET @a = 1", "DO 1",
	} {
		for _, c := range []*client.Conn{proxy, direct} {
			for _, s := range []string{"DO 1 / 0", q} {
				if _, err := c.Execute(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
		}
		if got, want := wireAnswer(proxy, "SHOW WARNINGS"), wireAnswer(direct, "SHOW WARNINGS"); got != want {
			t.Errorf("DO 1 / 0; %s; SHOW WARNINGS:\n  proxy:   %s\n  MariaDB: %s", q, got, want)
		}
	}
}
