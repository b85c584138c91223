package integration

import (
	"testing"
)

// TestShowOpenTablesServedSchemasOnly: SHOW OPEN TABLES lists the open
// tables of the schemas the user may use only, never the shard's other
// databases (mysql, sys, another application's), as MariaDB lists an
// account only the tables it has a privilege on; LIKE and WHERE still
// apply (LIKE case-sensitively, as MariaDB compares table names).
func TestShowOpenTablesServedSchemasOnly(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT)",
		"CREATE TABLE plain (id INT PRIMARY KEY, g INT)",
	)
	// The shard has tables of another database open (the twin's), and
	// of mysql.
	for _, q := range []string{"SELECT * FROM gitems", "SELECT * FROM plain", "SELECT COUNT(*) FROM mysql.user"} {
		rows, err := direct.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	conn := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, conn, "SELECT * FROM gitems")
	for _, tc := range []struct {
		q    string
		want func(db, table string) bool
		some bool // at least one row expected
	}{
		{"SHOW OPEN TABLES", func(db, _ string) bool { return db == "shop" }, true},
		{"SHOW OPEN TABLES FROM shop", func(db, _ string) bool { return db == "shop" }, true},
		{"SHOW OPEN TABLES LIKE 'g%'", func(db, table string) bool { return db == "shop" && table == "gitems" }, true},
		{"SHOW OPEN TABLES LIKE 'G%'", func(string, string) bool { return false }, false},
		{"SHOW OPEN TABLES WHERE `Table` = 'user' OR `Database` <> 'shop'", func(string, string) bool { return false }, false},
	} {
		rows, err := conn.QueryContext(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		n := 0
		for rows.Next() {
			var db, table string
			var inUse, locked int
			if err := rows.Scan(&db, &table, &inUse, &locked); err != nil {
				t.Fatal(err)
			}
			n++
			if !tc.want(db, table) {
				t.Errorf("%s lists %s.%s", tc.q, db, table)
			}
		}
		rows.Close()
		if tc.some && n == 0 {
			t.Errorf("%s lists nothing", tc.q)
		}
	}
	_, err := conn.ExecContext(ctx, "SHOW OPEN TABLES FROM mysql")
	if code := mysqlErrNumber(err); code != 1044 {
		t.Errorf("SHOW OPEN TABLES FROM mysql: %v, want 1044", err)
	}
}
