package integration

import "testing"

// TestAutoIncSequenceTwin: the proxy's AUTO_INCREMENT sequence of a
// sharded table moves as one MariaDB's counter does.
func TestAutoIncSequenceTwin(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE items_prepared (k INT AUTO_INCREMENT PRIMARY KEY, v INT)",
		"CREATE TABLE gitems (k INT AUTO_INCREMENT PRIMARY KEY, v INT)",
	)
	steps := []scriptStep{
		// F1: an explicit id after a generated row, as a parameter.
		{0, "INSERT INTO items_prepared (k, v) VALUES (?, ?), (?, ?)", []any{nil, 1, 2, 2}},
		{0, "INSERT INTO items_prepared (v) VALUES (3)", nil},
		{0, "REPLACE INTO items_prepared (k, v) VALUES (?, ?), (?, ?)", []any{nil, 4, 10, 5}},
		{0, "INSERT INTO items_prepared (v) VALUES (6), (7), (8), (9), (10), (11)", nil},
		{0, "REPLACE INTO items_prepared (k, v) VALUES (?, ?), (?, ?)", []any{nil, 5, 2000, 6}},
		{0, "INSERT INTO items_prepared (v) VALUES (12)", nil},
		{0, "SELECT k, v FROM items_prepared ORDER BY k", nil},
		// The same in text.
		{0, "INSERT INTO gitems (k, v) VALUES (NULL, 1), (2, 2)", nil},
		{0, "INSERT INTO gitems (v) VALUES (3)", nil},
		{0, "SELECT k, v FROM gitems ORDER BY k", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
