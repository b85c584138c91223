package integration

import (
	"testing"
	"time"
)

// A constant that a merged read compares with a column of another type
// (n > 'x' on an INT n) is converted once by one MariaDB, when the first
// row needs it: one warning, where each shard raises its own. Per-row
// evaluations (1/0 in the select list) still warn for every row.
func TestOnceWarningsMerged(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), n INT, f DOUBLE)",
		"INSERT INTO gitems VALUES (1, 'a', 1, 1), (2, 'b', 2, 2), (3, 'c', 3, 3), (4, 'd', 4, 4)")
	queries := []string{
		"SELECT k FROM gitems WHERE n > 'x' ORDER BY k",
		"SELECT k FROM gitems WHERE 'x' < n",
		"SELECT k FROM gitems WHERE n > 'x1' OR n < 'y2' ORDER BY k",
		"SELECT k FROM gitems WHERE n < 'y2' OR n > 'x1' ORDER BY k",
		"SELECT k, v FROM gitems WHERE n > 'x' AND n > 'y' ORDER BY k DESC",
		// Two constants of one text: which ones the rows needed is not
		// known, and the shards' lists stand.
		"SELECT k FROM gitems WHERE (v = 'a' AND n > 'x') OR (v = 'b' AND n < 'x') ORDER BY k",
		"SELECT COUNT(*) FROM gitems WHERE n = 'x'",
		"SELECT * FROM gitems WHERE f > 'z' ORDER BY v",
		"SELECT k FROM gitems WHERE n > '1e999' ORDER BY k",
		"SELECT k FROM gitems WHERE n > 2 AND n > 'x' ORDER BY k",
		"SELECT k FROM gitems WHERE n > 3 AND n > 'x' ORDER BY k",
		"SELECT k FROM gitems WHERE n > 9 AND n > 'x' ORDER BY k",
		"SELECT k FROM gitems WHERE NOT (n <=> 'x') AND v IS NOT NULL ORDER BY k",
		"SELECT k FROM gitems WHERE (v = 'c' AND n > 'p') OR n > 'q' ORDER BY k",
		// A constant expression compared with a column: cached, evaluated
		// when a row first needs it.
		"SELECT k FROM gitems WHERE n > CAST('9z' AS INT) ORDER BY k",
		"SELECT k FROM gitems WHERE n > 1/0 OR f < 'w' ORDER BY k",
		"SELECT k FROM gitems WHERE n < -('1x' + 0.5) OR n > 'y' ORDER BY k",
		"SELECT COUNT(*) FROM gitems WHERE f <=> CAST('2a' AS DECIMAL(5,2)) OR n = 'q'",
		// A condition of constants: evaluated while MariaDB optimizes, as
		// many times whatever the rows.
		"SELECT k FROM gitems WHERE DATE('2020-13-01') IS NULL ORDER BY k",
		"SELECT k FROM gitems WHERE n > 0 OR DATE('2020-13-01') IS NULL ORDER BY k",
		"SELECT k FROM gitems WHERE n > 100 AND CAST('z1' AS INT) = 0 ORDER BY k",
		"SELECT k FROM gitems WHERE n < 'p' AND 'q' + 0 = 0 ORDER BY k",
		// Per row: every row's evaluation warns.
		"SELECT k, 1/0 FROM gitems ORDER BY k",
		"SELECT k, CAST('9z' AS INT) FROM gitems WHERE n > 0 ORDER BY k",
	}
	// Three times: the third runs the plan cached for the text's shape,
	// whose literals are bound as parameters.
	var steps []scriptStep
	for range 3 {
		for _, q := range queries {
			steps = append(steps, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil},
				scriptStep{0, "SELECT @@warning_count", nil})
		}
	}
	// A parameter is bound as a constant.
	for _, args := range [][]any{{"x", 9}, {"2y", 9}, {2, "z"}, {"x", "y"}, {time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC), 9}} {
		steps = append(steps, scriptStep{0, "SELECT k FROM gitems WHERE n > ? OR n < ? ORDER BY k", args},
			scriptStep{0, "SHOW WARNINGS", nil}, scriptStep{0, "SELECT @@warning_count", nil})
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)

	// The result's EOF counts them as SHOW WARNINGS lists them.
	for _, q := range queries {
		if got, want := executeTwins(t, f, q); got.Warnings != want.Warnings {
			t.Errorf("%s: the EOF counts %d warnings through the proxy, %d on MariaDB", q, got.Warnings, want.Warnings)
		}
	}
}

// A DELETE over several shards converts such a constant once too: one
// warning, counted once in the OK packet, its info and @@warning_count.
// An UPDATE is left to the shards' lists (a CHECK constraint warns per
// row it writes); per-row warnings come shard by shard (README), so none
// is compared here.
func TestOnceWarningsWrites(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), n INT, f DOUBLE)",
		"INSERT INTO gitems VALUES (1, 'a', 1, 1), (2, 'b', 2, 2), (3, 'c', 3, 3), (4, 'd', 4, 4)")
	writes := []string{
		"DELETE FROM gitems WHERE n = 'q'",
		"DELETE FROM gitems WHERE n < 'q' OR n > 'r'",
		"DELETE FROM gitems WHERE n > 5 AND n < 'p'",
	}
	// Each write finds the four rows again: a DELETE of all of them would
	// leave the later ones nothing to warn about on either side.
	const refill = "REPLACE INTO gitems VALUES (1, 'a', 1, 1), (2, 'b', 2, 2), (3, 'c', 3, 3), (4, 'd', 4, 4)"
	steps := []scriptStep{{0, "SET SESSION sql_mode = ''", nil}}
	for range 3 { // the third from the plan cache
		for _, q := range writes {
			steps = append(steps, scriptStep{0, refill, nil}, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil},
				scriptStep{0, "SELECT @@warning_count", nil})
		}
	}
	steps = append(steps, scriptStep{0, "SELECT * FROM gitems ORDER BY k", nil}, scriptStep{0, refill, nil},
		scriptStep{0, "DELETE FROM gitems WHERE n > ?", []any{"x"}},
		scriptStep{0, "SHOW WARNINGS", nil}, scriptStep{0, "SELECT @@warning_count", nil})
	compareSessions(ctx, t, proxy, direct, 1, steps)
	// The steps above must have met warnings: the constants' once.
	if n := queryInt(t, proxy, "SELECT COUNT(*) FROM gitems"); n != 0 {
		t.Errorf("%d rows left after DELETE ... WHERE n > 'x': the last write did not run on the rows", n)
	}

	// The OK packet: affected rows, warning count, info.
	var raw []string
	for _, q := range writes {
		raw = append(raw, refill, q)
	}
	compareRawAnswers(t, f, append([]string{"SET SESSION sql_mode = ''"}, raw...))
}

// TestOnceWarningsGeneratedColumn: a table with a generated column keeps
// its shards' lists: the column's conversion warns for every row read (or
// written), with the same text on each shard, which the once-merge took for
// one constant's (3 warnings where one server lists 5).
func TestOnceWarningsGeneratedColumn(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20), n INT, g DOUBLE AS (v + 0) VIRTUAL)",
		"INSERT INTO gitems (k, v, n) VALUES (1, 'a', 1), (2, 'a', 2), (3, 'a', 3), (4, 'a', 4), (5, 'a', 5)")
	var steps []scriptStep
	for _, q := range []string{
		"SELECT k, g FROM gitems WHERE n IS NOT NULL ORDER BY k",
		"SELECT k FROM gitems WHERE g IS NOT NULL ORDER BY k",
		"DELETE FROM gitems WHERE g IS NOT NULL",
	} {
		steps = append(steps, scriptStep{0, q, nil}, scriptStep{0, "SHOW WARNINGS", nil},
			scriptStep{0, "SELECT @@warning_count", nil})
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
