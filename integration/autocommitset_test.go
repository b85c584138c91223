package integration

import "testing"

// TestSetAutocommitForms: every form of assigning autocommit that MariaDB
// accepts (ON/OFF words as connectors send them, @@session/@@local,
// DEFAULT, a user variable, the global value, an expression, within a
// multi-assignment) sets it through the proxy as on one server, and the
// values MariaDB refuses get its error (1231, 1232) with nothing changed.
func TestSetAutocommitForms(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))")
	const read = "SELECT @@autocommit, @@sql_safe_updates"
	var steps []wireStep
	for _, q := range []string{
		"SET autocommit = OFF", "SET autocommit = ON", "SET SESSION autocommit = off",
		"SET @@session.autocommit = OFF", "SET @@autocommit = 'ON'", "SET @@local.autocommit = OFF",
		"SET autocommit = DEFAULT", "SET @ac = 'OFF'", "SET autocommit = @ac", "SET @ac = 1", "SET autocommit = @ac",
		"SET autocommit = 0", "SET autocommit = @@global.autocommit", "SET autocommit = 1 - 1", "SET autocommit = TRUE",
		"SET sql_safe_updates = OFF, autocommit = OFF", "SET autocommit = `ON`",
		"SET autocommit = 2", "SET autocommit = -1", "SET autocommit = foo", "SET autocommit = 'yes'",
		"SET autocommit = NULL", "SET autocommit = @nosuch", "SET autocommit = 0.5",
		"SET sql_safe_updates = ON, autocommit = 2",
	} {
		steps = append(steps, wireStep{0, q}, wireStep{0, read})
	}
	// OFF really ends autocommit: another session sees no uncommitted row.
	steps = append(steps,
		wireStep{0, "SET autocommit = OFF"},
		wireStep{0, "INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b')"},
		wireStep{1, "SELECT COUNT(*) FROM txitems"},
		wireStep{0, "ROLLBACK"},
		wireStep{0, "SELECT COUNT(*) FROM txitems"},
		wireStep{0, "SET autocommit = ON"})
	compareWireSessions(t, f, 2, steps)
}

// TestSetAutocommitExpressionRefused: a value with a function call or a
// subquery would be evaluated on a pooled connection, outside the
// session's transaction (a stored function's writes left in the pool):
// refused.
func TestSetAutocommitExpressionRefused(t *testing.T) {
	t.Parallel()
	ctx, proxy, _, _ := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))")
	wantUnsupported(ctx, t, proxy, nil,
		"SET autocommit = IF(1, 0, 1)",
		"SET autocommit = (SELECT COUNT(*) FROM txitems)",
	)
}
