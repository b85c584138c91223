package integration

import (
	"database/sql"
	"io"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-sql-driver/mysql"
	"strings"
	"testing"
)

// An INSERT split by shard that fails on several shards answers the error
// of its first failing row, as one MariaDB, which runs the rows in order:
// the proxy answered the first shard's error (s0's duplicate of row 4, its
// data too long at row 2, where MariaDB names row 2's duplicate and row
// 1's out-of-range value). Nothing of it stays written, in autocommit or in
// a transaction, which goes on.
func TestSplitInsertFirstFailingRow(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(5))",
		"INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b')", signalTrigger,
		"CREATE TABLE txitems (k INT PRIMARY KEY, d DECIMAL(3,0))", "INSERT INTO txitems VALUES (1, 1), (2, 2)")
	long := "'" + strings.Repeat("x", 9) + "'"
	// k odd on s1, even on s0; s0's part runs first.
	failing := []string{
		"INSERT INTO modeitems VALUES (7, 7, 'x'), (1, 1, 'y'), (8, 8, 'z'), (2, 2, 'w')",  // duplicates on s1 (row 2) and s0 (row 4)
		"INSERT INTO modeitems VALUES (2, 2, 'y'), (4, 4, 'x'), (1, 1, 'w'), (3, 3, 'z')",  // s0's row 1 first
		"INSERT INTO modeitems VALUES (11, 99999999999, 'a'), (10, 10, " + long + ")",      // out of range on s1 (row 1), too long on s0 (row 2)
		"INSERT INTO modeitems VALUES (13, 13, 'a'), (12, 12, " + long + "), (15, 1, 'a')", // s1 runs and is undone
		"INSERT INTO modeitems VALUES (17, 17, 'a'), (14, 14, " + long + "), (19, 99999999999, 'a'), (16, 16, 'a')",
		"INSERT INTO modeitems VALUES (21, 21, 'a'), (20, 20, 'a'), (1, 1, 'a'), (22, 22, " + long + ")",
		// With RETURNING too, whose error named the part's row ("at row
		// 1" for the statement's second).
		"INSERT INTO modeitems VALUES (7, 7, 'x'), (1, 1, 'y'), (8, 8, 'z'), (2, 2, 'w') RETURNING k",
		"INSERT INTO modeitems VALUES (11, 99999999999, 'a'), (10, 10, " + long + ") RETURNING k, s",
		"INSERT INTO modeitems VALUES (13, 13, 'a'), (12, 12, " + long + ") RETURNING k",
		// A trigger's SIGNAL: its Note naming the trigger is listed too.
		"INSERT INTO modeitems VALUES (31, -1, 'a'), (30, -1, 'b')",
		"INSERT INTO modeitems VALUES (33, 33, 'a'), (35, -1, 'c'), (32, -1, 'b')", // s1's, from the part run second
		// Rows of the failing parts interleave, their errors name no row:
		// a part's first rows run alone tell which row fails.
		"INSERT INTO modeitems VALUES (2, 2, 'y'), (1, 1, 'w'), (40, 40, 'z')",
		"INSERT INTO modeitems VALUES (41, 41, 'a'), (2, 2, 'y'), (1, 1, 'w'), (42, 40, 'z')",
		"INSERT INTO modeitems VALUES (37, 37, 'a'), (34, -1, 'b'), (39, -1, 'c')",
		"INSERT INTO modeitems VALUES (51, 1, 'a'), (52, 2, 'a'), (53, 3, 'a'), (54, 4, 'a'), (55, 5, 'a'), (56, 6, 'a'), " +
			"(57, 7, 'a'), (58, 8, 'a'), (59, -1, 'a'), (60, 10, 'a'), (61, 11, 'a'), (62, -1, 'a'), (63, -1, 'a'), (2, 2, 'a')",
		// The conditions of the rows before the failing one, on every
		// shard (Notes of rounded decimals), come before its error; the
		// proxy listed the failing shard's alone.
		"INSERT INTO txitems VALUES (3, 1.5), (4, 2.5), (6, 1.4), (1, 1)",
		"INSERT INTO txitems VALUES (5, 1.5), (8, 2.5), (2, 1)",
		"INSERT INTO txitems VALUES (7, 1.5), (10, 2.5), (9, 3.5), (2, 1), (11, 1.5)",
		"INSERT INTO txitems VALUES (13, 1.5), (2, 1), (15, 1.5), (1, 1)",
	}
	var steps []wireStep
	for _, tx := range [][2]string{{"", ""}, {"BEGIN", "COMMIT"}, {"SET autocommit = 0", "COMMIT"}} {
		if tx[0] != "" {
			steps = append(steps, wireStep{0, tx[0]}, wireStep{0, "INSERT INTO modeitems VALUES (30, 30, 'tx'), (31, 31, 'tx')"})
		}
		for _, q := range failing {
			steps = append(steps, wireStep{0, q}, wireStep{0, "SHOW WARNINGS"}, wireStep{0, "SELECT @@warning_count, @@error_count"},
				wireStep{0, "SELECT k, v, s FROM modeitems ORDER BY k"})
		}
		if tx[1] != "" {
			steps = append(steps, wireStep{0, tx[1]}, wireStep{0, "SET autocommit = 1"}, wireStep{0, "SELECT k, v, s FROM modeitems ORDER BY k"},
				wireStep{0, "DELETE FROM modeitems WHERE k >= 30"})
		}
	}
	compareWireSessions(t, f, 1, steps)
}

// signalTrigger fails an INSERT of a negative v on modeitems with an error
// naming its row's key (LOAD DATA LOCAL does not make it a warning).
const signalTrigger = "CREATE TRIGGER nonegative BEFORE INSERT ON modeitems FOR EACH ROW BEGIN " +
	"DECLARE m VARCHAR(40) DEFAULT CONCAT('negative at ', NEW.k); " +
	"IF NEW.v < 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = m; END IF; END"

// An UPDATE, DELETE or INSERT ... SELECT over several shards stops on one
// MariaDB at the first row of its scan that fails, and an error's "at row
// N" counts the statement's rows. The proxy answered the first shard's
// error, with its own row count ("at row 1" where MariaDB says row 2). It
// answers an error only when one server's is known (the same error from
// every shard that fails, naming no row, or row 1 of every shard) and
// refuses the others; nothing of them stays written.
func TestScanStatementErrorsOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(5), t TINYINT)",
		"CREATE TABLE litems (k INT PRIMARY KEY, v TINYINT, s VARCHAR(3))",
		"INSERT INTO modeitems VALUES (1, 1, 'a', 1), (2, 2, '2', 2), (3, 3, 'c', 3), (4, 4, '4', 4)")
	answered := []string{
		"UPDATE modeitems SET v = 1/0",                           // 1365 on both shards
		"UPDATE modeitems SET s = 'abcdefgh'",                    // 1406 at row 1 of both
		"UPDATE modeitems SET t = v * 100 WHERE k IN (2, 3)",     // 1264 at row 1 of both
		"UPDATE modeitems SET v = 5 WHERE s = 1 AND k IN (1, 2)", // 1292 on s1 alone
		"INSERT INTO litems SELECT k, v, CONCAT(s, 'xyz') FROM modeitems",
	}
	var steps []wireStep
	for _, tx := range [][2]string{{"", ""}, {"BEGIN", "COMMIT"}} {
		if tx[0] != "" {
			steps = append(steps, wireStep{0, tx[0]}, wireStep{0, "UPDATE modeitems SET v = v + 10"})
		}
		for _, q := range answered {
			steps = append(steps, wireStep{0, q}, wireStep{0, "SHOW WARNINGS"}, wireStep{0, "SELECT k, v, s, t FROM modeitems ORDER BY k"})
		}
		if tx[1] != "" {
			steps = append(steps, wireStep{0, tx[1]}, wireStep{0, "SELECT k, v, s, t FROM modeitems ORDER BY k"})
		}
	}
	compareWireSessions(t, f, 1, steps)

	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	refused := []string{
		// v is k + 10 now: v * 10 is out of range from k = 3 on.
		"UPDATE modeitems SET t = v * 10",                     // row 3 on one server, row 2 of each shard
		"UPDATE modeitems SET t = v * 10 WHERE k IN (2, 3)",   // row 2 on one server, row 1 of s1
		"UPDATE modeitems SET t = t WHERE CONCAT('z', k) = 1", // 'z1' on one server, 'z2' on s0
		"INSERT INTO litems SELECT k, v * 10, s FROM modeitems",
	}
	before := wireAnswer(c, "SELECT k, v, s, t FROM modeitems ORDER BY k")
	for _, tx := range []bool{false, true} {
		if tx {
			wireAnswer(c, "BEGIN")
		}
		for _, q := range refused {
			if got := wireAnswer(c, q); !strings.HasPrefix(got, "error 1235 (42000)") {
				t.Errorf("%s (in a transaction %v): %s, want error 1235", q, tx, got)
			}
		}
		if tx {
			if got := wireAnswer(c, "COMMIT"); !strings.HasPrefix(got, "OK") {
				t.Errorf("COMMIT after the refusals: %s", got)
			}
		}
	}
	if after := wireAnswer(c, "SELECT k, v, s, t FROM modeitems ORDER BY k"); after != before {
		t.Errorf("the refused statements wrote: %s, before them %s", after, before)
	}
	if got := wireAnswer(c, "SELECT COUNT(*) FROM litems"); got != "rows, warnings 0: 0" {
		t.Errorf("rows of the refused INSERT ... SELECT: %s", got)
	}
}

// LOAD DATA LOCAL split by shard lists its conditions (LOCAL makes most
// errors warnings) in the file's row order, as one MariaDB reading the
// file in order: a skipped duplicate, naming no row, after its part's
// earlier rows; one that fails does so with its first failing row's
// error. The proxy put a duplicate before every condition that names a
// row, and answered the first shard's error.
func TestLoadSplitFirstFailingRow(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v INT, s VARCHAR(5))",
		"INSERT INTO modeitems VALUES (1, 1, 'a'), (2, 2, 'b')", signalTrigger)
	files := []struct{ name, content, ignore string }{
		{"ffsignal", "31,-1,a\n30,-1,b\n", ""},                                     // s1's row 1 first; s0 fails at its row 1, the file's row 2
		{"ffdup", "7,7,x\n1,1,y\n8,8,z\n2,2,w\n", ""},                              // duplicates at rows 2 (s1) and 4 (s0)
		{"ffrange", "11,99999999999,a\n10,10,xxxxxxxxx\n", ""},                     // out of range at row 1 (s1), too long at row 2 (s0)
		{"fflong", "13,13,a\n12,12,xxxxxxxxx\n15,1,xxxxxxxxx\n", ""},               // row 2 (s0), row 3 (s1)
		{"ffignore", "21,21,a\n1,1,xxxxxxxxx\n20,20,b\n2,2,b\n23,x,a\n", "IGNORE"}, // row 2's truncation, then its duplicate
	}
	for _, f := range files {
		content := f.content
		mysql.RegisterReaderHandler(f.name, func() io.Reader { return strings.NewReader(content) })
		defer mysql.DeregisterReaderHandler(f.name)
	}
	for _, f := range files {
		q := "LOAD DATA LOCAL INFILE 'Reader::" + f.name + "' " + f.ignore + " INTO TABLE modeitems FIELDS TERMINATED BY ','"
		outcome := func(db *sql.DB) string {
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			return execOutcome(ctx, t, conn, q) + strings.Join(queryRows(ctx, t, conn, "SELECT @@warning_count, @@error_count"), "\n") +
				"\n" + strings.Join(queryRows(ctx, t, conn, "SELECT k, v, s FROM modeitems ORDER BY k"), "\n")
		}
		if got, want := strings.ReplaceAll(outcome(proxy), "shop", "direct"), outcome(direct); got != want {
			t.Errorf("%s:\nthrough the proxy:\n%s\non MariaDB:\n%s", q, got, want)
		}
	}
}

// DDL over shards stops at the first shard where it fails (it is not
// transactional: the others are left as they were). That shard's error is
// one server's when it names no row; a row it names ("at row 1") counts
// that shard's rows alone, while one server copies every shard's rows and
// may fail at another, earlier one: refused (1235), nothing applied.
func TestDDLFailingOnEveryShard(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, t TINYINT)",
		"INSERT INTO modeitems VALUES (1, 5), (2, -2), (3, -3), (4, 4)")
	compareWireSessions(t, f, 1, []wireStep{
		{0, "ALTER TABLE modeitems ADD COLUMN k INT"}, // 1060 on both
		{0, "SHOW WARNINGS"},
		{0, "SELECT k, t FROM modeitems ORDER BY k"},
	})
	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{
		"ALTER TABLE modeitems MODIFY t TINYINT UNSIGNED", // row 2 on one server, row 1 of s0
		"ALTER TABLE modeitems MODIFY t CHAR(0)",          // row 1 of s0: one server's row 1 may be s1's
	} {
		if got := wireAnswer(c, q); !strings.HasPrefix(got, "error 1235 (42000)") {
			t.Errorf("%s: %s, want error 1235", q, got)
		}
		if got := wireAnswer(c, "SELECT k, t FROM modeitems ORDER BY k"); got != "rows, warnings 0: 1,5 | 2,-2 | 3,-3 | 4,4" {
			t.Errorf("after %s: %s", q, got)
		}
	}
}
