package integration

import (
	"testing"
)

// CREATE OR REPLACE TABLE and INDEX (MariaDB's) over a sharded table and a
// session's temporary table: the same answers as one MariaDB's, and each
// shard holds the new definition.
func TestCreateOrReplace(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO modeitems VALUES (1, 10, 'a'), (2, 20, 'b')")
	steps := []scriptStep{
		{0, "CREATE OR REPLACE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(20), w INT DEFAULT 7)", nil},
		{0, "SELECT COUNT(*) FROM modeitems", nil},
		{0, "INSERT INTO modeitems (k, v, s) VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c')", nil},
		{0, "SELECT k, w FROM modeitems ORDER BY k", nil},
		{0, "CREATE OR REPLACE INDEX vi ON modeitems (v)", nil},
		{0, "CREATE OR REPLACE INDEX vi ON modeitems (v, s)", nil},
		{0, "SELECT k FROM modeitems FORCE INDEX (vi) WHERE v > 15 ORDER BY k", nil},
		{0, "CREATE TEMPORARY TABLE tt (x INT)", nil},
		{0, "INSERT INTO tt VALUES (1)", nil},
		{0, "CREATE OR REPLACE TEMPORARY TABLE tt (x INT, y INT)", nil},
		{0, "SELECT COUNT(*) FROM tt", nil},
		{1, "SELECT COUNT(*) FROM tt", nil}, // another session's: 1146
		{0, "INSERT INTO tt VALUES (1, 2)", nil},
		{0, "SELECT x, y FROM tt", nil},
	}
	compareSessions(ctx, t, proxy, direct, 2, steps)
	for _, m := range []string{"s0", "s1"} {
		db := f.s0.DB(t, "shop")
		if m == "s1" {
			db = f.s1.DB(t, "shop")
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'modeitems' AND COLUMN_NAME = 'w'"); n != 1 {
			t.Errorf("shard %s: modeitems has %d columns w, want the new definition's 1", m, n)
		}
		if n := queryInt(t, db, "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'modeitems' AND INDEX_NAME = 'vi'"); n != 2 {
			t.Errorf("shard %s: index vi has %d parts, want 2", m, n)
		}
	}
}
