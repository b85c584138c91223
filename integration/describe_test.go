package integration

import (
	"testing"
)

// TestDescribeAndExplain: DESCRIBE (DESC, EXPLAIN t) of sharded and
// broadcast tables (INVISIBLE columns made through the proxy included)
// answers as SHOW COLUMNS does, from a shard holding the
// table, and sets FOUND_ROWS() as one MariaDB does; EXPLAIN of statements
// over broadcast tables runs on a copy; EXPLAIN over sharded tables is
// refused, no shard's plan being one server's.
func TestDescribeAndExplain(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, v VARCHAR(20) NOT NULL DEFAULT 'x', n DECIMAL(10,2))",
		"CREATE TABLE regions_prepared (id INT PRIMARY KEY, name VARCHAR(20))",
		"INSERT INTO regions_prepared VALUES (1, 'north'), (2, 'south')",
		"CREATE TABLE txitems (k INT PRIMARY KEY, h INT INVISIBLE DEFAULT 3)",
	)
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "DESCRIBE gitems", nil},
		{0, "SELECT FOUND_ROWS(), ROW_COUNT()", nil},
		{0, "DESC gitems v", nil},
		{0, "SELECT FOUND_ROWS()", nil},
		{0, "EXPLAIN regions_prepared", nil},
		{0, "ALTER TABLE txitems ADD COLUMN j INT NOT NULL INVISIBLE DEFAULT 1", nil},
		{0, "DESC txitems", nil},
		{0, "DESCRIBE nosuch", nil},
		{0, "EXPLAIN SELECT name FROM regions_prepared WHERE id = 1", nil},
		{0, "SELECT FOUND_ROWS()", nil},
		{0, "EXPLAIN UPDATE regions_prepared SET name = 'x' WHERE id = 2", nil},
		{0, "SELECT id, name FROM regions_prepared ORDER BY id", nil},
		{0, "EXPLAIN ANALYZE SELECT * FROM regions_prepared", nil}, // MySQL's: 1064
		{0, "EXPLAIN EXTENDED SELECT * FROM regions_prepared WHERE id > 1", nil},
		{0, "EXPLAIN PARTITIONS SELECT * FROM regions_prepared", nil},
	})
	wantUnsupported(ctx, t, proxy, nil,
		"EXPLAIN SELECT * FROM gitems WHERE k = 1",
		"EXPLAIN UPDATE gitems SET v = 'q'",
		"EXPLAIN EXTENDED SELECT * FROM gitems",
	)
}
