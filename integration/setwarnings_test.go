package integration

import "testing"

// TestSetWarnings: a SET whose value MariaDB truncates or whose variable
// is deprecated answers OK with its warning count, and SHOW WARNINGS and
// @@warning_count then list its conditions, not the previous statement's;
// a SET that raises nothing leaves them. In a transaction too (the SET
// runs on the transaction's connection).
func TestSetWarnings(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))")
	var steps []wireStep
	for _, q := range []string{
		"DO CAST('1x' AS INT)", "SHOW WARNINGS",
		"SET SESSION max_sort_length = 4", "SHOW WARNINGS", "SELECT @@warning_count",
		"SET @a = 1", "SHOW WARNINGS",
		"SET SESSION big_tables = 1", "SHOW WARNINGS",
		"SET SESSION sql_select_limit = -1", "SHOW WARNINGS",
		"SET SESSION group_concat_max_len = 1, max_sort_length = 2", "SHOW WARNINGS", "SELECT @@group_concat_max_len, @@max_sort_length",
		"SET SESSION group_concat_max_len = DEFAULT, sql_select_limit = DEFAULT, max_sort_length = DEFAULT",
		"SELECT @@sql_select_limit",
		"BEGIN", "INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b')",
		"SET SESSION max_sort_length = 4", "SHOW WARNINGS", "COMMIT",
	} {
		steps = append(steps, wireStep{0, q})
	}
	compareWireSessions(t, f, 1, steps)
}
