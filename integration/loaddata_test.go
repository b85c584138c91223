package integration

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-sql-driver/mysql"
)

// LOAD DATA LOCAL INFILE through the proxy: the client's file (a
// registered file or a reader) reaches the shard, and the rows, affected
// rows, warnings and errors are those of the same load run directly on
// MariaDB, in a table of its own. Inside a transaction the load is part of
// it. LOAD DATA INFILE (the shard server's files) is refused.
func TestLoadDataLocalInfile(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	ctx := testCtx(t, 2*time.Minute)

	dir := t.TempDir()
	file := filepath.Join(dir, "rows.txt")
	content := "1\ta string\n2\ta string containing a \\t\n3\ta string containing a \\n\n" +
		"4\ta string containing both \\t\\n\n5\ttoo\tmany fields\n6\n2\tduplicate key\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	mysql.RegisterLocalFile(file)
	defer mysql.DeregisterLocalFile(file)
	// A file of a few MB: many packets.
	var big strings.Builder
	for i := 0; i < 60000; i++ {
		fmt.Fprintf(&big, "\"%d\",\"row %d, with a comma and a \"\"quote\"\"\",%d\r\n", i, i, i*7)
	}
	mysql.RegisterReaderHandler("big", func() io.Reader { return strings.NewReader("header line\r\n" + big.String()) })
	defer mysql.DeregisterReaderHandler("big")

	direct := f.shard(t, "shop")
	proxied := f.db(t, "shop", "")
	mustExec(t, direct, "CREATE TABLE ld_direct (id INT PRIMARY KEY, v TEXT, n INT)")
	mustExec(t, direct, "CREATE TABLE ld_proxy LIKE ld_direct")

	// outcome runs a load on one connection and describes everything the
	// client sees: affected rows or the error, the warnings, the rows.
	outcome := func(db *sql.DB, table, load string) string {
		t.Helper()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var b strings.Builder
		b.WriteString(execOutcome(ctx, t, conn, strings.ReplaceAll(load, "TBL", table)))
		rows := queryRows(ctx, t, conn, "SELECT id, v, n FROM "+table+" ORDER BY id")
		fmt.Fprintf(&b, "%d rows, last %q\n", len(rows), rows[len(rows)-1:])
		for i, r := range rows {
			if i < 8 {
				b.WriteString(r + "\n")
			}
		}
		return b.String()
	}
	loads := []string{
		"LOAD DATA LOCAL INFILE '" + file + "' IGNORE INTO TABLE TBL (id, v)",
		// LOCAL implies IGNORE: duplicate keys are warnings, as directly.
		"LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE TBL (id, v)",
		"LOAD DATA LOCAL INFILE '" + file + "' REPLACE INTO TABLE TBL (id, v) SET n = id * 10",
		"LOAD DATA LOCAL INFILE 'Reader::big' REPLACE INTO TABLE TBL CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES (id, v, @n) SET n = @n + 1",
	}
	for _, load := range loads {
		want := outcome(direct, "ld_direct", load)
		got := outcome(proxied, "ld_proxy", load)
		if got != want {
			t.Errorf("%s\nthrough the proxy:\n%s\ndirectly:\n%s", load, got, want)
		}
	}

	// In a transaction: rolled back with it, kept when it commits.
	mustExec(t, direct, "CREATE TABLE ld_tx (id INT PRIMARY KEY, v TEXT)")
	txLoad := "LOAD DATA LOCAL INFILE '" + file + "' IGNORE INTO TABLE ld_tx (id, v)"
	for _, end := range []string{"ROLLBACK", "COMMIT"} {
		conn, err := proxied.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, conn, "BEGIN")
		mustExec(t, conn, "INSERT INTO ld_tx VALUES (100, 'before')")
		mustExec(t, conn, txLoad)
		if n := queryInt(t, conn, "SELECT COUNT(*) FROM ld_tx"); n != 7 {
			t.Fatalf("%d rows inside the transaction, want 7", n)
		}
		if n := queryInt(t, direct, "SELECT COUNT(*) FROM ld_tx"); n != 0 {
			t.Fatalf("%d rows seen outside the open transaction, want 0", n)
		}
		mustExec(t, conn, end)
		conn.Close()
	}
	if n := queryInt(t, direct, "SELECT COUNT(*) FROM ld_tx"); n != 7 {
		t.Fatalf("%d rows after ROLLBACK then COMMIT, want 7", n)
	}

	// The shard server's own files are not the proxy's clients' business.
	_, err := proxied.ExecContext(ctx, "LOAD DATA INFILE '/etc/hostname' INTO TABLE ld_proxy (v)")
	wantMySQLError(t, err, 1227, "42000")
	_, err = proxied.ExecContext(ctx, "LOAD XML INFILE '/etc/hostname' INTO TABLE ld_proxy")
	wantMySQLError(t, err, 1064, "")

	// A client that did not announce CLIENT_LOCAL_FILES (go-mysql's
	// client by default) gets MariaDB's 4166 either way.
	for name, addr := range map[string]string{"proxy": f.p.Addr(), "direct": f.s0.Addr()} {
		user, pass := appUser, appPass
		if name == "direct" {
			user, pass = "root", ""
		}
		c, err := gomysql.ConnectWithTimeout(addr, user, pass, "shop", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Execute("LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE ld_proxy (id, v)")
		if code := goMySQLErrCode(err); code != 4166 {
			t.Errorf("%s: LOAD DATA LOCAL without CLIENT_LOCAL_FILES: %v, want 4166", name, err)
		}
		c.Close()
	}
	f.assertAlive(t)
}

// execOutcome runs a statement on conn and describes what its client
// sees: the affected rows or the error, then SHOW WARNINGS.
func execOutcome(ctx context.Context, t *testing.T, conn *sql.Conn, q string) string {
	t.Helper()
	var b strings.Builder
	if res, err := conn.ExecContext(ctx, q); err != nil {
		fmt.Fprintf(&b, "error %s\n", errLine(err))
	} else {
		n, _ := res.RowsAffected()
		fmt.Fprintf(&b, "affected %d\n", n)
	}
	b.WriteString(strings.Join(queryRows(ctx, t, conn, "SHOW WARNINGS"), "\n") + "\n")
	return b.String()
}

// queryRows runs a query and renders each row as tab-separated text.
func queryRows(ctx context.Context, t *testing.T, conn *sql.Conn, q string) []string {
	t.Helper()
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, v := range vals {
			if v.Valid {
				parts = append(parts, v.String)
			} else {
				parts = append(parts, "NULL")
			}
		}
		out = append(out, strings.Join(parts, "\t"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
