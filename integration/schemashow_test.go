package integration

import "testing"

// MariaDB answers SHOW VARIABLES, SHOW STATUS, SHOW DATABASES, SHOW
// ENGINES, ... from information_schema tables, which makes them statements
// that use a table: they clear the previous statement's warnings. The
// proxy kept them (SHOW COUNT(*) WARNINGS 1 where MariaDB says 0); SHOW
// PRIVILEGES and SHOW PROFILES keep them on MariaDB too.
func TestSchemaShowClearsWarnings(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, s VARCHAR(5))",
		"INSERT INTO modeitems VALUES (1, 'a'), (2, 'b')")
	var steps []wireStep
	for _, q := range []string{
		"SHOW VARIABLES LIKE 'max_error_count'",
		"SHOW GLOBAL VARIABLES WHERE Variable_name = 'max_error_count'",
		"SHOW SESSION STATUS LIKE 'no_such_status'",
		"SHOW DATABASES LIKE 'no_such_db'",
		"SHOW ENGINES",
		"SHOW CHARACTER SET LIKE 'utf8mb4'",
		"SHOW COLLATION LIKE 'utf8mb4_bin'",
		"SHOW PLUGINS",
		"SHOW PROCEDURE STATUS WHERE Db = 'no_such_db'",
		"SHOW FUNCTION STATUS WHERE Db = 'no_such_db'",
		"SHOW PRIVILEGES",
		"SHOW PROFILES",
	} {
		steps = append(steps, wireStep{0, "SELECT k, s + 0 FROM modeitems WHERE k = 1"}, wireStep{0, q},
			wireStep{0, "SHOW COUNT(*) WARNINGS"}, wireStep{0, "SELECT @@warning_count, @@error_count"})
	}
	compareWireSessions(t, f, 1, steps)
}
