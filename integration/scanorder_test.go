package integration

import (
	"fmt"
	"strings"
	"testing"
)

// A SELECT over several shards without ORDER BY answers in one MariaDB's
// order, that of the table's primary key, and a LIMIT without ORDER BY
// the same first rows: before, the shards' rows came shard after shard
// (and LIMIT 3 gave the first shard's three).
func TestScanOrderWithoutOrderBy(t *testing.T) {
	t.Parallel()
	var rows []string
	for k := 1; k <= 12; k++ {
		rows = append(rows, fmt.Sprintf("(%d, %d, '%c')", k, 100-k, 'a'+k%3))
	}
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20), KEY (s))",
		"INSERT INTO modeitems VALUES "+strings.Join(rows, ", "))
	steps := []scriptStep{
		{0, "SELECT * FROM modeitems", nil},
		{0, "SELECT v, s FROM modeitems", nil},
		{0, "SELECT * FROM modeitems LIMIT 3", nil},
		{0, "SELECT k, v FROM modeitems LIMIT 4, 3", nil},
		{0, "SELECT * FROM modeitems WHERE v > 90", nil},
		{0, "SELECT k, v FROM modeitems WHERE s = 'b'", nil},
		{0, "SELECT SQL_CALC_FOUND_ROWS k FROM modeitems LIMIT 2", nil},
		{0, "SELECT FOUND_ROWS()", nil},
		{0, "BEGIN", nil},
		{0, "SELECT k FROM modeitems WHERE v < 95 LIMIT 2 FOR UPDATE", nil},
		{0, "COMMIT", nil},
		{0, "SELECT * FROM modeitems ORDER BY v LIMIT 2", nil},
		// Counts and offsets past math.MaxInt64 (no rows that far).
		{0, "SELECT k FROM modeitems ORDER BY k LIMIT 3 OFFSET 18446744073709551614", nil},
		{0, "SELECT k FROM modeitems LIMIT 18446744073709551614, 3", nil},
		{0, "SELECT k FROM modeitems ORDER BY k LIMIT 9223372036854775808, 3", nil},
		{0, "SELECT k FROM modeitems ORDER BY k LIMIT 1, 18446744073709551615", nil},
		{0, "SELECT k FROM modeitems ORDER BY k LIMIT ?, 3", []any{uint64(18446744073709551614)}},
	}
	compareSessions(ctx, t, proxy, direct, 1, steps)
}
