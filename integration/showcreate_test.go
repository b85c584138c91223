package integration

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// TestShowCreateTableAutoIncOverShards: SHOW CREATE TABLE of a sharded
// table prints the AUTO_INCREMENT= table option one MariaDB holding all
// the rows prints (past every id given on any shard, deleted ones too),
// not its home shard's counter; also when the home shard holds no row
// (MariaDB then prints the option the home shard lacks), and in the
// binary protocol. mariadb-dump writes this text.
func TestShowCreateTableAutoIncOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT AUTO_INCREMENT PRIMARY KEY, n INT)",
		"INSERT INTO gitems (n) VALUES (1), (2), (3), (4), (5)",
		"CREATE TABLE txitems (k INT AUTO_INCREMENT PRIMARY KEY, n INT) COMMENT 'x) ENGINE=InnoDB AUTO_INCREMENT=7'",
		"INSERT INTO txitems (k, n) VALUES (1, 1), (3, 3), (9, 9)",
		"DELETE FROM txitems WHERE k = 9",
		"CREATE TABLE modeitems (k INT PRIMARY KEY, n INT)",
	)
	steps := []wireStep{
		{0, "SHOW CREATE TABLE gitems"},
		{0, "SHOW CREATE TABLE txitems"},
		{0, "SHOW CREATE TABLE modeitems"},
		{0, "INSERT INTO txitems (n) VALUES (10)"},
		{0, "SHOW CREATE TABLE txitems"},
		{0, "SET SESSION sql_mode = 'NO_TABLE_OPTIONS'"},
		{0, "SHOW CREATE TABLE gitems"},
		{0, "SET SESSION sql_mode = DEFAULT"},
		{0, "SHOW CREATE TABLE nosuch"},
	}
	compareWireSessions(t, f, 1, steps)
	compareTwinFields(t, f, "SHOW CREATE TABLE gitems", false)

	binary := func(addr, user, pass, db string) string {
		c, err := client.Connect(addr, user, pass, db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		stmt, err := c.Prepare("SHOW CREATE TABLE gitems")
		if err != nil {
			t.Fatal(err)
		}
		defer stmt.Close()
		r, err := stmt.Execute()
		if err != nil {
			t.Fatal(err)
		}
		s, _ := r.GetString(0, 1)
		return s
	}
	got, want := binary(f.p.Addr(), appUser, appPass, "shop"), binary(f.s0.Addr(), "root", "", "direct")
	if !strings.Contains(want, "AUTO_INCREMENT=6") || got != want {
		t.Errorf("prepared SHOW CREATE TABLE gitems:\n proxy:   %s\n MariaDB: %s", got, want)
	}
}

// TestAutoIncrementShownAfterMixedInsert: after an INSERT mixing explicit
// and generated ids, one server's counter has passed the ids InnoDB
// reserved for the statement (lock mode 1), which the proxy's sequence
// reserves alike but no shard has seen: information_schema.TABLES and
// SHOW CREATE TABLE answer the sequence's next id, as one server does.
func TestAutoIncrementShownAfterMixedInsert(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE gitems (k INT AUTO_INCREMENT PRIMARY KEY, v INT)")
	const autoInc = "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'gitems'"
	compareWireSessions(t, f, 1, []wireStep{
		{0, "INSERT INTO gitems (k, v) VALUES (100, 1), (NULL, 2), (50, 3), (NULL, 4)"},
		{0, autoInc},
		{0, "SHOW CREATE TABLE gitems"},
		{0, "INSERT INTO gitems (v) VALUES (5)"},
		{0, autoInc},
		{0, "SHOW CREATE TABLE gitems"},
	})
}
