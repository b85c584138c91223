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
		// And through SQL PREPARE and EXECUTE.
		{0, "PREPARE st FROM 'INSERT INTO gitems (k, v) VALUES (?, ?), (?, ?)'", nil},
		{0, "SET @n = NULL, @one = 10, @two = 20", nil},
		{0, "EXECUTE st USING @n, @one, @two, @two", nil},
		{0, "INSERT INTO gitems (v) VALUES (30)", nil},
		{0, "SELECT k, v FROM gitems ORDER BY k", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}

// TestAutoIncMixedReservation: a multi-row INSERT that mixes explicit and
// generated ids leaves MariaDB's counter where InnoDB's reservation put
// it (innodb_autoinc_lock_mode 1): as many ids as the statement has rows
// from its first generated one, so the next id can leave a gap.
func TestAutoIncMixedReservation(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE modeitems (k INT AUTO_INCREMENT PRIMARY KEY, v INT)",
		"CREATE TABLE gitems (k INT, id INT AUTO_INCREMENT, v INT, PRIMARY KEY (id, k))",
	)
	steps := []scriptStep{
		{0, "INSERT INTO modeitems (k, v) VALUES (100, 1), (NULL, 2), (50, 3), (NULL, 4)", nil},
		{0, "INSERT INTO modeitems (v) VALUES (5)", nil},
		{0, "INSERT INTO modeitems (k, v) VALUES (?, ?), (?, ?)", []any{200, 6, nil, 7}},
		{0, "INSERT INTO modeitems (v) VALUES (8)", nil},
		{0, "INSERT INTO modeitems (k, v) VALUES (NULL, 9), (1000, 10), (NULL, 11), (NULL, 12), (NULL, 13), (NULL, 14)", nil},
		{0, "INSERT INTO modeitems (v) VALUES (15)", nil},
		{0, "INSERT INTO modeitems (k, v) VALUES (NULL, 16), (NULL, 17), (2000, 18), (NULL, 19)", nil},
		{0, "REPLACE INTO modeitems (k, v) VALUES (NULL, 20), (1, 21), (NULL, 22)", nil},
		{0, "INSERT INTO modeitems (v) VALUES (23)", nil},
		{0, "SELECT k, v FROM modeitems ORDER BY v", nil},
		// The column not the shard key.
		{0, "INSERT INTO gitems (k, id, v) VALUES (1, 5, 1), (2, NULL, 2), (3, NULL, 3)", nil},
		{0, "INSERT INTO gitems (k, v) VALUES (4, 4)", nil},
		{0, "SELECT k, id, v FROM gitems ORDER BY v", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}

// TestAutoIncShardCounters: statements that move MariaDB's own counter
// without the proxy giving or seeing the id (an UPDATE of the
// AUTO_INCREMENT column, the AUTO_INCREMENT= table option) move the
// sequence the same way: the proxy reads the shards' counters after them.
func TestAutoIncShardCounters(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE txitems (k INT, id INT AUTO_INCREMENT, v INT, PRIMARY KEY (id, k))",
		"CREATE TABLE items_interpolated (k INT AUTO_INCREMENT PRIMARY KEY, v INT) AUTO_INCREMENT = 1000",
	)
	steps := []scriptStep{
		// F3: UPDATE of the column, a literal, a parameter, an expression.
		{0, "INSERT INTO txitems (k, v) VALUES (1, 1), (2, 2)", nil},
		{0, "UPDATE txitems SET id = 500 WHERE k = 2", nil},
		{0, "INSERT INTO txitems (k, v) VALUES (3, 3)", nil},
		{0, "UPDATE txitems SET id = ? WHERE k = ?", []any{800, 3}},
		{0, "INSERT INTO txitems (k, v) VALUES (4, 4)", nil},
		{0, "UPDATE txitems SET id = id + 1000 WHERE k IN (1, 4)", nil},
		{0, "INSERT INTO txitems (k, v) VALUES (5, 5), (6, 6)", nil},
		// Below the counter: no move. In a rolled back transaction: moved.
		{0, "UPDATE txitems SET id = 7 WHERE k = 5", nil},
		{0, "BEGIN", nil},
		{0, "UPDATE txitems SET id = 3000 WHERE k = 6", nil},
		{0, "ROLLBACK", nil},
		{0, "INSERT INTO txitems (k, v) VALUES (7, 7)", nil},
		// ON DUPLICATE KEY UPDATE of the column moves it too.
		{0, "INSERT INTO txitems (k, id, v) VALUES (7, 3001, 0) ON DUPLICATE KEY UPDATE id = 4000", nil},
		{0, "INSERT INTO txitems (k, v) VALUES (8, 8)", nil},
		{0, "SELECT k, id, v FROM txitems ORDER BY id", nil},
		// F2: the table option.
		{0, "INSERT INTO items_interpolated (v) VALUES (1), (2)", nil},
		{0, "ALTER TABLE items_interpolated AUTO_INCREMENT = 5000", nil},
		{0, "INSERT INTO items_interpolated (v) VALUES (3)", nil},
		{0, "SELECT k, v FROM items_interpolated ORDER BY k", nil},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}

// TestAutoIncExplicitOKInsertID: with explicit ids only, MariaDB's OK
// packet names the last row's id when the statement wrote a row
// (inserted, replaced, changed by ON DUPLICATE KEY UPDATE), else 0. Over
// two shards the proxy named the last id also when nothing was written.
func TestAutoIncExplicitOKInsertID(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE txitems (k INT AUTO_INCREMENT PRIMARY KEY, v INT)",
		"CREATE TABLE gitems (k INT, id INT AUTO_INCREMENT, v INT, PRIMARY KEY (id, k))",
		"INSERT INTO txitems VALUES (1, 1), (2, 2)",
		"INSERT INTO gitems VALUES (1, 1, 1), (2, 2, 2)",
	)
	proxyFound := f.p.DB(t, appUser, appPass, "shop", "clientFoundRows=true")
	directFound := f.s0.DB(t, "direct?clientFoundRows=true")
	var steps []scriptStep
	for _, s := range []int{0, 1} { // session 1: CLIENT_FOUND_ROWS
		steps = append(steps,
			scriptStep{s, "INSERT IGNORE INTO txitems (k, v) VALUES (1, 1), (2, 2)", nil},
			scriptStep{s, "INSERT IGNORE INTO txitems (k, v) VALUES (?, ?), (?, ?)", []any{1, 1, 2, 2}},
			scriptStep{s, "INSERT INTO txitems (k, v) VALUES (1, 1), (2, 2) ON DUPLICATE KEY UPDATE v = v", nil},
			scriptStep{s, "INSERT INTO txitems (k, v) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE v = v", []any{1, 1, 2, 2}},
			scriptStep{s, "INSERT IGNORE INTO gitems (k, id, v) VALUES (1, 1, 1), (2, 2, 2)", nil},
			scriptStep{s, "INSERT INTO gitems (k, id, v) VALUES (1, 1, 1), (2, 2, 2) ON DUPLICATE KEY UPDATE v = v", nil},
		)
	}
	steps = append(steps,
		// A row written on the shard that does not hold the last row: the
		// last row's id all the same.
		scriptStep{0, "INSERT IGNORE INTO txitems (k, v) VALUES (3, 3), (2, 2)", nil},
		scriptStep{1, "INSERT INTO txitems (k, v) VALUES (1, 5), (2, 2) ON DUPLICATE KEY UPDATE v = VALUES(v)", nil},
		scriptStep{0, "INSERT INTO txitems (k, v) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE v = v + 1", []any{1, 1, 2, 2}},
		scriptStep{0, "REPLACE INTO txitems (k, v) VALUES (5, 5), (6, 6)", nil},
		scriptStep{0, "INSERT INTO gitems (k, id, v) VALUES (3, 3, 3), (4, 4, 4)", nil},
		scriptStep{0, "SELECT k, v FROM txitems ORDER BY k", nil},
	)
	got := runScript(ctx, t, openEach(ctx, t, proxy, proxyFound), steps)
	want := runScript(ctx, t, openEach(ctx, t, direct, directFound), steps)
	compareScript(t, steps, got, want)
}
