package integration

import (
	"strings"
	"testing"
)

// TestInfoSchemaBackslashNoEscapes: statements over information_schema
// that the proxy rewrites (gathered from every shard, or filtered to the
// user's schemas) are written with strings escaped for the default
// sql_mode: a string with a backslash runs as MariaDB runs it in the
// default mode, and is refused (1235) under NO_BACKSLASH_ESCAPES, where
// the shard would read the backslash twice and answer other rows.
func TestInfoSchemaBackslashNoEscapes(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE gitems (k INT PRIMARY KEY)", "CREATE TABLE `a\\b` (id INT)")
	queries := []string{
		`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'a\\b'`,
		`SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_NAME = 'a\\b' AND TABLE_SCHEMA = DATABASE()`,
		"SHOW OPEN TABLES WHERE `Table` = 'a\\\\b' AND 0",
		`SHOW FUNCTION STATUS WHERE Name = 'a\\b'`,
	}
	var steps []wireStep
	for _, q := range queries {
		steps = append(steps, wireStep{0, q})
	}
	compareWireSessions(t, f, 1, steps)
	// SHOW TABLE STATUS, gathered from every shard: the row's name and
	// engine (its Create_time is the second each side created the table).
	status := `SHOW TABLE STATUS WHERE Name = 'a\\b' AND Engine = 'InnoDB'`
	conn := openSessions(ctx, t, proxy, 1)[0]
	got := nameEngine(queryRows(ctx, t, conn, status))
	want := nameEngine(queryRows(ctx, t, openSessions(ctx, t, direct, 1)[0], status))
	if got != want || want == "" {
		t.Errorf("%s: through the proxy %q, direct %q", status, got, want)
	}
	queries = append(queries, status)
	mustExec(t, conn, "SET sql_mode = 'NO_BACKSLASH_ESCAPES'")
	for _, q := range queries {
		rows, err := conn.QueryContext(ctx, q)
		if err == nil {
			rows.Close()
		}
		if code := mysqlErrNumber(err); code != 1235 {
			t.Errorf("%s under NO_BACKSLASH_ESCAPES: %v, want 1235", q, err)
		}
	}
}

// nameEngine keeps the first two columns of queryRows' rows.
func nameEngine(rows []string) string {
	for i, r := range rows {
		f := strings.SplitN(r, "\t", 3)
		rows[i] = strings.Join(f[:min(2, len(f))], ",")
	}
	return strings.Join(rows, "\n")
}
