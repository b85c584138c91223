package integration

import (
	"database/sql"
	"testing"
)

// TestRoutinesOverShards: stored functions and triggers are created,
// shown and dropped through the proxy (the parser reads none of them): a
// function on every shard of its schema, where statements call it, a
// trigger on the shards of its table. A body that names what its shard
// cannot stand for (a sharded table, of which it would see one shard's
// part; a broadcast table it writes, of which it would write one copy; an
// unsharded table from a trigger that runs on other shards) is refused
// when created, and so is a statement that would run one created on the
// shards directly: one MariaDB gives such a statement another answer.
func TestRoutinesOverShards(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t, append(twinValues(),
		"CREATE TABLE regions_interpolated (id INT PRIMARY KEY, v DOUBLE)",
		"CREATE TABLE gitems (k INT PRIMARY KEY, v INT)",
		"INSERT INTO gitems VALUES (1, 0), (2, 0)",
		"CREATE TABLE txitems (k INT PRIMARY KEY, v BIGINT UNSIGNED)",
		"CREATE TABLE plain (id INT PRIMARY KEY, n INT)",
		"CREATE TABLE autot (id INT AUTO_INCREMENT PRIMARY KEY, n INT)",
		"CREATE PROCEDURE p_ins(x INT) INSERT INTO autot (n) VALUES (x)",
		// Through the proxy, each of these used to be refused (1064:
		// cannot parse) with sharded tables configured.
		"CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
		"CREATE DEFINER = CURRENT_USER FUNCTION f_reg() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM regions_prepared)",
		"CREATE FUNCTION tok() RETURNS BIGINT UNSIGNED NOT DETERMINISTIC RETURN UUID_SHORT()",
		"CREATE TRIGGER tr_g BEFORE UPDATE ON gitems FOR EACH ROW SET NEW.v = NEW.v + (SELECT COUNT(*) FROM regions_prepared)",
		"CREATE TRIGGER tr_r AFTER UPDATE ON regions_prepared FOR EACH ROW INSERT INTO regions_interpolated VALUES (NEW.id, NEW.v) ON DUPLICATE KEY UPDATE v = NEW.v",
		"CREATE TRIGGER tr_p BEFORE INSERT ON plain FOR EACH ROW SET NEW.n = twice(NEW.id)",
		"CREATE TRIGGER tr_u BEFORE INSERT ON txitems FOR EACH ROW SET NEW.v = UUID_SHORT()",
		// mariadb-dump's form of a trigger's head.
		"/*!50003 CREATE*/ /*!50017 DEFINER=CURRENT_USER*/ /*!50003 TRIGGER tr_d BEFORE INSERT ON gitems FOR EACH ROW SET NEW.v = NEW.v + 100 */",
	)...)
	wantUnsupported(ctx, t, proxy, nil,
		"CREATE FUNCTION f_total() RETURNS INT RETURN (SELECT SUM(k) FROM modeitems)",
		"CREATE FUNCTION f_bump() RETURNS INT BEGIN UPDATE regions_prepared SET v = v + 1; RETURN 1; END",
		"CREATE TRIGGER tr_bad AFTER INSERT ON gitems FOR EACH ROW INSERT INTO plain VALUES (NEW.k, 0)",
		"CREATE TRIGGER tr_bad AFTER INSERT ON gitems FOR EACH ROW UPDATE modeitems SET v = 1 WHERE k = NEW.k",
		"CREATE TRIGGER tr_bad AFTER INSERT ON plain FOR EACH ROW INSERT INTO gitems VALUES (NEW.id, 0)",
		"CREATE PROCEDURE p_sum() BEGIN SELECT SUM(k) FROM modeitems; END",
		// A sequence function reached through a routine or a trigger, on
		// several shards.
		"SELECT k, tok() FROM modeitems",
		"INSERT INTO txitems (k) VALUES (1), (2)",
	)
	// Dynamic SQL would run beyond the proxy's checks (here a hidden
	// schema), and so would server management and transaction control.
	for _, q := range []string{
		"CREATE PROCEDURE p_dyn() BEGIN PREPARE s FROM CONCAT('SELECT * FROM my', 'sql.user'); EXECUTE s; END",
		"CREATE PROCEDURE p_grant() BEGIN GRANT SELECT ON *.* TO nobody; END",
		"CREATE PROCEDURE p_tx() BEGIN START TRANSACTION; UPDATE plain SET n = 1; END",
		"CREATE DEFINER = `root`@`localhost` FUNCTION f_def() RETURNS INT RETURN 1",
		// A session variable set in a procedure stayed in the pooled
		// connection, for the next session to read through.
		"CREATE PROCEDURE p_sv() SET sql_select_limit = 1",
		"CREATE PROCEDURE p_sv() SET @a = 1, autocommit = 0",
	} {
		_, err := proxy.ExecContext(ctx, q)
		wantMySQLError(t, err, 1227, "42000")
	}
	// What a shard connection remembers, and a shard's information_schema,
	// are not the session's.
	wantUnsupported(ctx, t, proxy, nil,
		"CREATE FUNCTION f_lid() RETURNS BIGINT RETURN LAST_INSERT_ID()",
		"CREATE FUNCTION f_is() RETURNS BIGINT RETURN (SELECT COUNT(*) FROM information_schema.tables)",
		"CREATE AGGREGATE FUNCTION f_agg(x INT) RETURNS INT BEGIN DECLARE s INT DEFAULT 0; LOOP FETCH GROUP NEXT ROW; SET s = s + x; END LOOP; END",
	)
	// A builtin spelt like a write reads: REPLACE() of a broadcast table.
	mustExec(t, proxy, "CREATE FUNCTION f_rep() RETURNS TEXT READS SQL DATA RETURN REPLACE((SELECT MAX(id) FROM regions_prepared), '3', 'three')")
	mustExec(t, direct, "CREATE FUNCTION f_rep() RETURNS TEXT READS SQL DATA RETURN REPLACE((SELECT MAX(id) FROM regions_prepared), '3', 'three')")
	compareCopies(ctx, t, f, "SELECT GROUP_CONCAT(ROUTINE_NAME ORDER BY ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop' AND ROUTINE_TYPE = 'FUNCTION'")
	compareCopies(ctx, t, f, "SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' AND EVENT_OBJECT_TABLE <> 'plain'")
	compareQueries(ctx, t, proxy, direct, f, []string{
		"SELECT f_reg(), twice(4)",
		"SELECT k, f_reg(), twice(k) FROM modeitems ORDER BY k",
		"SHOW CREATE FUNCTION twice",
	},
		scriptStep{0, "UPDATE gitems SET v = 5", nil},
		scriptStep{0, "INSERT INTO gitems VALUES (3, 1), (4, 2)", nil},
		scriptStep{0, "SELECT k, v FROM gitems ORDER BY k", nil},
		scriptStep{0, "UPDATE regions_prepared SET v = v + 1 WHERE id < 3", nil},
		scriptStep{0, "SELECT id, v FROM regions_interpolated ORDER BY id", nil},
		scriptStep{0, "INSERT INTO plain (id) VALUES (3)", nil},
		scriptStep{0, "SELECT * FROM plain", nil},
		scriptStep{0, "INSERT INTO txitems (k) VALUES (1)", nil},
		scriptStep{0, "SELECT COUNT(*) FROM txitems WHERE v > 0", nil},
		scriptStep{0, "SELECT tok() > 0 FROM modeitems WHERE k = 1", nil},
		scriptStep{0, "SELECT k, f_rep() FROM modeitems ORDER BY k", nil},
	)
	compareCopies(ctx, t, f, "SELECT GROUP_CONCAT(v ORDER BY id) FROM regions_interpolated")
	// A definition commits the open transaction first, as on one server.
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "BEGIN", nil},
		{0, "INSERT INTO plain (id) VALUES (8)", nil},
		{0, "CREATE PROCEDURE p_one() SET @p_one = 1", nil},
		{0, "ROLLBACK", nil},
		{0, "SELECT id, n FROM plain WHERE id = 8", nil},
		{0, "BEGIN", nil},
		{0, "UPDATE plain SET n = 0 WHERE id = 8", nil},
		{0, "CREATE FUNCTION thrice(x INT) RETURNS INT DETERMINISTIC RETURN x * 3", nil},
		{0, "ROLLBACK", nil},
		{0, "SELECT id, n, thrice(n + 1) FROM plain WHERE id = 8", nil},
		{0, "CALL p_one()", nil},
		{0, "SELECT @p_one", nil},
	})
	// An OUT parameter assigns the session's @o, wherever its next
	// statement runs, and no other session's.
	mustExec(t, proxy, "CREATE PROCEDURE p_out(OUT r INT) SET r = 5")
	mustExec(t, direct, "CREATE PROCEDURE p_out(OUT r INT) SET r = 5")
	compareSessions(ctx, t, proxy, direct, 2, []scriptStep{
		{0, "CALL p_out(@o)", nil},
		{1, "BEGIN", nil},
		{1, "UPDATE plain SET n = n WHERE id = 8", nil},
		{0, "SELECT @o", nil},
		{1, "COMMIT", nil},
		{1, "SELECT @o", nil},
	})
	// A procedure's INSERT sets LAST_INSERT_ID() for what follows the
	// CALL: read on another connection (session 1 holds the first in its
	// transaction), it answered the session's older value.
	compareSessions(ctx, t, proxy, direct, 2, []scriptStep{
		{0, "INSERT INTO autot (n) VALUES (1)", nil},
		{0, "CALL p_ins(2)", nil},
		{1, "BEGIN", nil},
		{1, "UPDATE plain SET n = n WHERE id = 8", nil},
		{0, "SELECT LAST_INSERT_ID()", nil},
		{1, "COMMIT", nil},
	})

	// Dropped through the proxy, from where they were created; IF EXISTS
	// of one that is gone says one Note, as on one server (each shard
	// said its own).
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "DROP TRIGGER tr_g", nil},
		{0, "UPDATE gitems SET v = 7", nil},
		{0, "SELECT k, v FROM gitems ORDER BY k", nil},
		{0, "DROP TRIGGER tr_g", nil},
		{0, "DROP TRIGGER IF EXISTS tr_g", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
		{0, "DROP FUNCTION twice", nil},
		{0, "SELECT twice(1)", nil},
		{0, "DROP FUNCTION IF EXISTS twice", nil},
		{0, "SHOW COUNT(*) WARNINGS", nil},
	})
	compareCopies(ctx, t, f, "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop' AND ROUTINE_NAME = 'twice'")
	compareCopies(ctx, t, f, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop' AND TRIGGER_NAME = 'tr_g'")

	// Created on the shards directly: known at the next catalog read
	// (here the ALTER's), then refused where they would run.
	for _, db := range []*sql.DB{f.s0.DB(t, "shop"), f.s1.DB(t, "shop"), direct} {
		mustExec(t, db, "ALTER TABLE gitems ADD COLUMN tok BIGINT UNSIGNED DEFAULT (UUID_SHORT())")
		mustExec(t, db, "CREATE FUNCTION f_total() RETURNS INT READS SQL DATA RETURN (SELECT SUM(k) FROM modeitems)")
		mustExec(t, db, "CREATE PROCEDURE p_count() SELECT COUNT(*) FROM modeitems")
		mustExec(t, db, "CREATE TRIGGER tr_x AFTER DELETE ON gitems FOR EACH ROW UPDATE modeitems SET v = v + 1")
		mustExec(t, db, "CREATE FUNCTION f_lid2() RETURNS BIGINT RETURN LAST_INSERT_ID()")
		mustExec(t, db, "CREATE VIEW v_total AS SELECT f_total() AS t")
		mustExec(t, db, "CREATE VIEW v_mi AS SELECT k FROM modeitems")
	}
	mustExec(t, proxy, "ALTER TABLE plain COMMENT 'read the catalog again'")
	wantUnsupported(ctx, t, proxy, nil,
		"SELECT f_total()",
		"SELECT k, f_total() FROM modeitems WHERE k = 1",
		"CALL p_count()",
		"DELETE FROM gitems WHERE k = 1",
		"SELECT f_lid2()",
		"SELECT * FROM v_total",
		"SET @x = (SELECT COUNT(*) FROM v_mi)",
		"SET @x = f_total()",
		// The default would give each shard's UUID_SHORT().
		"INSERT INTO gitems (k, v) VALUES (23, 1), (24, 1)",
	)
	// tr_x fires on DELETE only; a view that calls f_total can still be
	// described and dropped.
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		// A write that gives the column runs over shards (it was refused).
		{0, "INSERT INTO gitems (k, v, tok) VALUES (21, 1, 1), (22, 1, 2)", nil},
		{0, "UPDATE gitems SET v = 3 WHERE k IN (21, 22)", nil},
		{0, "SELECT k, v, tok FROM gitems WHERE k > 20 ORDER BY k", nil},
		{0, "UPDATE gitems SET v = 11 WHERE k = 2", nil},
		{0, "SELECT k, v FROM gitems ORDER BY k", nil},
		{0, "SHOW COLUMNS FROM v_total", nil},
		{0, "DROP VIEW v_total", nil},
	})
}
