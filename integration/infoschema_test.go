package integration

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"
)

// information_schema and SHOW TABLE STATUS through the proxy show the
// served schemas the user may use, never the shard's others: a one-schema
// user gets what MariaDB gives an account granted only that schema
// (rows and column definitions; but performance_schema, which the proxy
// never shows), in plain queries, binary prepared
// statements and SQL PREPARE inside a transaction alike.
func TestInfoSchemaFiltered(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `
		- {name: app, password: app-secret}
		- {name: one, password: one-secret, schemas: [shop]}
	`, "")
	ctx := testCtx(t, 2*time.Minute)
	f.s0.Exec(t, "CREATE DATABASE other", "CREATE TABLE other.secret (x INT)",
		"CREATE TABLE shop.items (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(30), KEY (name))",
		"INSERT INTO shop.items (name) VALUES ('a'), ('b')",
		"CREATE VIEW shop.v_items AS SELECT id FROM shop.items",
		"CREATE TABLE crm.contacts (id INT PRIMARY KEY)",
		"CREATE USER one@'%' IDENTIFIED BY 'one-secret'", "GRANT ALL ON shop.* TO one@'%'")
	direct, err := sql.Open("mysql", strings.Replace(f.s0.DSN("shop"), "root@", "one:one-secret@", 1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	proxy := f.open(t, "one", "one-secret", "shop", "")
	pc, dc := openSessions(ctx, t, proxy, 1)[0], openSessions(ctx, t, direct, 1)[0]

	for _, q := range []string{
		"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1",
		"SELECT table_schema, TABLE_NAME, table_type, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema') ORDER BY 1, 2",
		"SELECT table_schema, count(*) FROM information_schema.columns GROUP BY table_schema ORDER BY 1",
		"SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE FROM information_schema.COLUMNS c JOIN information_schema.TABLES t USING (TABLE_SCHEMA, TABLE_NAME) WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA <> 'information_schema' ORDER BY 1, 2",
		"SELECT DISTINCT TABLE_SCHEMA, INDEX_NAME FROM information_schema.STATISTICS ORDER BY 1, 2",
		"SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.VIEWS",
		"SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS ORDER BY 1, 2",
		"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('mysql', 'other', 'crm', 'sys')",
		"SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = s.SCHEMA_NAME) AS n, SCHEMA_NAME FROM information_schema.SCHEMATA s ORDER BY 2",
		"SHOW TABLE STATUS",
		"SHOW DATABASES",
	} {
		got, want := queryRows(ctx, t, pc, q), queryRows(ctx, t, dc, q)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n proxy:   %q\n MariaDB: %q", q, got, want)
		}
		sameColumns(t, proxy, direct, q)
	}
	// MariaDB shows every account three performance_schema tables; the
	// proxy never shows that schema (its rows are the shard's).
	if n := queryInt(t, proxy, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'performance_schema'"); n != 0 {
		t.Errorf("performance_schema tables listed: %d", n)
	}
	// Binary prepared statements (the driver prepares queries with args).
	for _, schema := range []string{"mysql", "other", "shop"} {
		q := "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?"
		if got, want := queryInt(t, proxy, q, schema), queryInt(t, direct, q, schema); got != want {
			t.Errorf("%s [%s]: proxy %d, MariaDB %d", q, schema, got, want)
		}
	}
	// SQL PREPARE inside a transaction is checked like the statement.
	mustExec(t, pc, "BEGIN")
	_, err = pc.ExecContext(ctx, "PREPARE s FROM 'SELECT * FROM mysql.user'")
	wantMySQLError(t, err, 1044, "42000")
	mustExec(t, pc, "PREPARE s FROM 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1'")
	if got := queryRows(ctx, t, pc, "EXECUTE s"); !slices.Equal(got, []string{"information_schema", "shop"}) {
		t.Errorf("EXECUTE of a prepared SCHEMATA query: %q", got)
	}
	mustExec(t, pc, "PREPARE s FROM 'SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?'")
	mustExec(t, pc, "SET @s = 'other'")
	if n := queryInt(t, pc, "EXECUTE s USING @s"); n != 0 {
		t.Errorf("EXECUTE ... USING 'other': %d tables", n)
	}
	mustExec(t, pc, "COMMIT")
	_, err = pc.ExecContext(ctx, "SELECT * FROM information_schema.INNODB_TRX")
	wantMySQLError(t, err, 1227, "42000")

	// A user of every schema sees the served ones, not the shard's others.
	app := f.open(t, "app", "app-secret", "", "")
	if got := queryStrings(t, app, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1"); !slices.Equal(got, []string{"crm", "information_schema", "shop"}) {
		t.Errorf("app's SCHEMATA: %q", got)
	}
	if got := queryStrings(t, app, "SELECT DISTINCT TABLE_SCHEMA FROM information_schema.COLUMNS ORDER BY 1"); !slices.Equal(got, []string{"crm", "information_schema", "shop"}) {
		t.Errorf("app's COLUMNS schemas: %q", got)
	}
}

// The proxy's own information_schema reads take pooled connections; a
// session's SET NAMES latin1 left on them must not change what another
// session is told (names come back in the proxy's fixed utf8mb4).
func TestInfoSchemaReadsIgnoreOtherSessionsCharset(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `
		- {name: app, password: app-secret}
	`, "")
	ctx := testCtx(t, time.Minute)
	f.s0.Exec(t, "CREATE TABLE shop.t1 (id INT PRIMARY KEY)", "CREATE TABLE shop.`café` (id INT PRIMARY KEY)")
	proxy := f.open(t, "app", "app-secret", "shop", "")
	latin := openSessions(ctx, t, proxy, 1)[0]
	mustExec(t, latin, "SET NAMES latin1")
	// Idle connections are handed out oldest first: enough statements
	// leave every one of them in latin1.
	for i := 0; i < 10; i++ {
		queryRows(ctx, t, latin, "SELECT COUNT(*) FROM t1")
	}
	q := "SELECT TABLE_NAME, HEX(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' ORDER BY 1"
	pc := openSessions(ctx, t, proxy, 1)[0]
	dc := openSessions(ctx, t, f.s0.DB(t, "shop"), 1)[0]
	if got, want := queryRows(ctx, t, pc, q), queryRows(ctx, t, dc, q); !slices.Equal(got, want) {
		t.Errorf("%s after another session's SET NAMES latin1:\n proxy:   %q\n MariaDB: %q", q, got, want)
	}
}

// TestInfoSchemaAssignsRefused: a read the proxy answers from rows it
// gathers or keeps (information_schema's listings, the process list) and
// that assigns user variables is refused. It ran the client's text on a
// pooled connection for its column definitions: the variables stayed
// there for other sessions, held what the shard's real information_schema
// had (every schema), and an INTO answered an empty column list that
// go-sql-driver read as a malformed OK packet and panicked on.
func TestInfoSchemaAssignsRefused(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, "\n\t\t- {name: app, password: app-secret}\n\t", "")
	ctx := testCtx(t, time.Minute)
	f.s0.Exec(t, "CREATE TABLE shop.items (id INT PRIMARY KEY)")
	proxy := f.open(t, "app", "app-secret", "shop", "")
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"SELECT TABLE_NAME INTO @a FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' LIMIT 1", nil},
		{"SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME) INTO @s FROM information_schema.SCHEMATA", nil},
		{"SELECT @v := COUNT(*) AS x FROM information_schema.SCHEMATA", nil},
		{"SELECT ID INTO @pl FROM information_schema.PROCESSLIST LIMIT 1", nil},
		{"SELECT TABLE_NAME INTO @p FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? LIMIT 1", []any{"shop"}},
	} {
		rows, err := proxy.QueryContext(ctx, q.sql, q.args...)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		wantMySQLError(t, err, 1235, "42000")
	}
	// No session sees a value: none was assigned on a pooled connection.
	for _, c := range openSessions(ctx, t, proxy, 4) {
		var a, s, v, pl, p sql.NullString
		if err := c.QueryRowContext(ctx, "SELECT @a, @s, @v, @pl, @p").Scan(&a, &s, &v, &pl, &p); err != nil {
			t.Fatal(err)
		}
		if a.Valid || s.Valid || v.Valid || pl.Valid || p.Valid {
			t.Errorf("a session sees variables it never set: %v %v %v %v %v", a, s, v, pl, p)
		}
	}
}
