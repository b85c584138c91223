package integration

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The backend account's FILE privilege does not reach proxy users:
// LOAD_FILE(), SELECT ... INTO OUTFILE and INTO DUMPFILE are refused with
// 1227 (also inside SQL PREPARE and executable comments) and write no file
// on the shard's host, unless users[].file_access is on. A read-only user
// reads (locking reads too) and gets 1142 for writes and DDL.
func TestUserPrivileges(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, `
		- {name: app, password: app-secret}
		- {name: filer, password: file-secret, file_access: true}
		- {name: reader, password: read-secret, read_only: true}
	`, "")
	ctx := testCtx(t, time.Minute)
	mustExec(t, f.s0.DB(t, "shop"), "CREATE TABLE priv (id INT PRIMARY KEY, v VARCHAR(10))")
	mustExec(t, f.s0.DB(t, "shop"), "INSERT INTO priv VALUES (1, 'a')")
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("top secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.txt")

	app := f.open(t, "app", "app-secret", "shop", "")
	for _, q := range []string{
		"SELECT LOAD_FILE('" + secret + "')",
		"SELECT id, v FROM priv INTO OUTFILE '" + out + "'",
		"SELECT v FROM priv LIMIT 1 INTO DUMPFILE '" + out + "'",
		"/*!50000 SELECT LOAD_FILE('" + secret + "') */",
		"PREPARE s FROM 'SELECT LOAD_FILE(''" + secret + "'')'",
		// RETURNING is parsed apart from its INSERT or DELETE.
		"INSERT INTO priv (id, v) VALUES (2, 'b') RETURNING id, LOAD_FILE('" + secret + "')",
		"DELETE FROM priv WHERE id = 1 RETURNING LOAD_FILE('" + secret + "')",
	} {
		_, err := app.ExecContext(ctx, q)
		wantMySQLError(t, err, 1227, "42000")
	}
	// Under NO_BACKSLASH_ESCAPES 'x\' ends at its backslash: in a text
	// the parser cannot read (SOUNDS LIKE), the LOAD_FILE after it was
	// taken for part of the string, and the shard ran it.
	nbe := openSessions(ctx, t, app, 1)[0]
	mustExec(t, nbe, "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
	_, err := nbe.ExecContext(ctx, `SELECT 'x\' , LOAD_FILE('`+secret+`') , '1' SOUNDS LIKE '1'`)
	wantMySQLError(t, err, 1227, "42000")
	// What the parser cannot read still reaches a shard, with the backend
	// account's privileges: account and server statements, and tables of
	// the hidden schemas, are refused from the text. Before, this SHUTDOWN
	// stopped the shard and CREATE USER made a backend account.
	for _, r := range []struct {
		sql  string
		code uint16
	}{
		{"CREATE USER evil@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('x')", 1227},
		{"INSTALL SONAME 'ha_blackhole'", 1227},
		{"SHUTDOWN WAIT FOR ALL SLAVES", 1227},
		{"SET STATEMENT max_statement_time = 10 FOR CREATE USER evil@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('x')", 1227},
		{"SET @x := 1 SOUNDS LIKE 1", 1227},
		{"SELECT user, '1' SOUNDS LIKE '1' FROM mysql.user", 1044},
		// The backend account's grants and the servers' internals
		// (SHOW ENGINE INNODB STATUS lists other applications'
		// transactions), and SET ROLE on a pooled connection.
		{"SHOW GRANTS", 1227},
		{"SHOW GRANTS FOR root@localhost", 1227},
		{"SHOW ENGINE INNODB STATUS", 1227},
		{"SHOW MASTER STATUS", 1227},
		{"SET ROLE NONE", 1227},
	} {
		_, err := app.ExecContext(ctx, r.sql)
		wantMySQLError(t, err, r.code, "42000")
	}
	if n := queryInt(t, f.s0.DB(t, "shop"), "SELECT COUNT(*) FROM mysql.user WHERE user = 'evil'"); n != 0 {
		t.Errorf("a refused CREATE USER made %d backend accounts", n)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused INTO OUTFILE left %s on the shard's host (%v)", out, err)
	}
	// With file_access the backend's FILE privilege applies.
	filer := f.open(t, "filer", "file-secret", "shop", "")
	if got := queryString(t, filer, "SELECT LOAD_FILE(?)", secret); got.String != "top secret" {
		t.Errorf("LOAD_FILE with file_access = %q", got.String)
	}

	reader := f.open(t, "reader", "read-secret", "shop", "")
	if n := queryInt(t, reader, "SELECT COUNT(*) FROM priv"); n != 1 {
		t.Errorf("read-only user counts %d rows", n)
	}
	tx, err := reader.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := queryInt(t, tx, "SELECT id FROM priv WHERE id = 1 FOR UPDATE"); n != 1 {
		t.Errorf("locking read: %d", n)
	}
	_ = tx.Rollback()
	for _, q := range []string{
		"INSERT INTO priv VALUES (2, 'b')",
		"UPDATE priv SET v = 'x'",
		"DELETE FROM priv",
		"CREATE TABLE priv2 (i INT)",
		"LOCK TABLES priv WRITE",
	} {
		_, err := reader.ExecContext(ctx, q)
		wantMySQLError(t, err, 1142, "42000")
	}
	if n := queryInt(t, f.s0.DB(t, "shop"), "SELECT COUNT(*) FROM priv WHERE v = 'a'"); n != 1 {
		t.Errorf("the read-only user's refused writes changed rows: %d", n)
	}
}
