package integration

import (
	"database/sql"
	"testing"
)

// TestChecksumTableOverShards: CHECKSUM TABLE of a sharded table answers
// the checksum one MariaDB holding all the rows gives (the sum modulo 2^32
// of its shards'), for InnoDB and for MyISAM's live checksum (QUICK), with
// NULL where MariaDB answers NULL, and information_schema.TABLES.CHECKSUM
// alike; unsharded tables are their shard's;
// inside a transaction, where the shards would be read outside it, and
// with several tables one of which is sharded, it is refused.
func TestChecksumTableOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT, s VARCHAR(20), d DOUBLE, b BLOB)",
		"INSERT INTO gitems VALUES (1, 1, 'a', 1.5, x'00'), (2, 2, NULL, NULL, NULL), (3, 3, 'c', -2, ''), (4, 4, 'dddd', 1e300, 'x'), (5, 5, 'e', 0, 'yy'), (6, NULL, 'zz', 3, NULL)",
		"CREATE TABLE litems (k INT PRIMARY KEY, s VARCHAR(10)) ENGINE=MyISAM CHECKSUM=1",
		"INSERT INTO litems VALUES (1, 'a'), (2, 'b'), (3, 'c')",
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT)",
		"INSERT INTO plain VALUES (1, 1), (2, 2)",
		// STORED: each row's checksum as one server's; VIRTUAL is not.
		"CREATE TABLE modeitems (k INT PRIMARY KEY, n INT, g INT AS (n + 1) STORED)",
		"INSERT INTO modeitems (k, n) VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)",
		"CREATE TABLE txitems (k INT PRIMARY KEY, n INT, g INT AS (n + 1) VIRTUAL)",
		"INSERT INTO txitems (k, n) VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)",
	)
	queries := []string{
		"CHECKSUM TABLE gitems",
		"CHECKSUM TABLE gitems EXTENDED",
		"CHECKSUM TABLE gitems QUICK",
		"CHECKSUM TABLE litems",
		"CHECKSUM TABLE litems QUICK",
		"CHECKSUM TABLE plain",
		"CHECKSUM TABLE modeitems",
		// MyISAM's live checksum in information_schema too.
		"SELECT TABLE_NAME, CHECKSUM FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('litems', 'gitems') ORDER BY 1",
	}
	steps := []wireStep{{0, "DO 1 / 0"}}
	for _, q := range queries {
		steps = append(steps, wireStep{0, q}, wireStep{0, "SHOW WARNINGS"})
	}
	// Under LOCK TABLES the shards' parts run on the session's locked
	// connections: a pooled one waited for the session's own lock.
	steps = append(steps, wireStep{0, "LOCK TABLES gitems WRITE"}, wireStep{0, "CHECKSUM TABLE gitems"},
		wireStep{0, "UNLOCK TABLES"})
	compareWireSessions(t, f, 1, steps)
	for _, q := range queries[:2] {
		compareTwinFields(t, f, q, false)
	}
	conn := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, conn, "BEGIN")
	_, err := conn.ExecContext(ctx, "CHECKSUM TABLE gitems")
	if code := mysqlErrNumber(err); code != 1235 {
		t.Errorf("CHECKSUM TABLE gitems in a transaction: %v, want error 1235", err)
	}
	mustExec(t, conn, "ROLLBACK")
	// A VIRTUAL column makes one server's checksum other than the sum of
	// the shards' (2426138529 against 2135674777 for 7 rows on 10.11).
	wantUnsupported(ctx, t, proxy, nil, "CHECKSUM TABLE gitems, plain", "CHECKSUM TABLE txitems")
	// Configured as sharded, never created: a row with NULL, as one
	// server answers (not the catalog's 1146).
	var name string
	var sum sql.NullInt64
	if err := proxy.QueryRowContext(ctx, "CHECKSUM TABLE items_prepared").Scan(&name, &sum); err != nil || sum.Valid {
		t.Errorf("CHECKSUM TABLE of a missing sharded table: %q %v, %v; want a row with NULL", name, sum, err)
	}
}
