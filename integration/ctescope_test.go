package integration

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// TestCTENameBesideTable: a CTE named like a sharded table hides it only
// inside the statement whose WITH defines it; the table beside that
// statement was taken for the CTE, and the statement ran on the default
// shard alone: one shard's rows where one MariaDB reads them all. Answered
// as one server, or refused.
func TestCTENameBesideTable(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"INSERT INTO gitems VALUES (1, 10), (2, 20), (3, 30), (4, 40)",
	)
	for _, q := range []string{
		"SELECT COUNT(*) FROM (WITH gitems AS (SELECT 1 AS k) SELECT k FROM gitems) d JOIN gitems",
		"SELECT (WITH gitems AS (SELECT 7 AS k) SELECT k FROM gitems) AS x, g.k FROM gitems AS g ORDER BY g.k",
		"SELECT k FROM gitems WHERE EXISTS (WITH gitems AS (SELECT 1) SELECT * FROM gitems) ORDER BY k",
	} {
		want, err := rowsText(ctx, direct, q)
		if err != nil {
			t.Fatalf("%s on one MariaDB: %v", q, err)
		}
		got, err := rowsText(ctx, proxy, q)
		switch {
		case err != nil && mysqlErrNumber(err) == 1235:
			t.Logf("%s: refused: %v", q, err)
		case err != nil:
			t.Errorf("%s: %v, want %v or 1235", q, err, want)
		case got != want:
			t.Errorf("%s: through the proxy %s, one MariaDB %s", q, got, want)
		}
	}
}

// rowsText runs q and gives its rows as text, "|" between rows.
func rowsText(ctx context.Context, db *sql.DB, q string) (string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		out = append(out, fmt.Sprint(vals))
	}
	return strings.Join(out, "|"), rows.Err()
}
