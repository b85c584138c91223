package integration

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// The merge compares text with utf8mb4_general_ci weights or bytes: a merge
// over several shards that compares text of another collation, or text
// sent in another character set than utf8mb4/utf8mb3, is refused (1235);
// what it compares right, and what one shard runs whole, answers as one
// MariaDB does.

// mergeCollationSetup: rows of each table on both shards (k mod 2).
var mergeCollationSetup = []string{
	"CREATE TABLE gitems (k INT PRIMARY KEY, l VARCHAR(10) CHARACTER SET latin1, s VARCHAR(10) COLLATE utf8mb4_general_ci, sb VARCHAR(10) COLLATE utf8mb4_bin)",
	"INSERT INTO gitems VALUES (1,'ä','é','b'),(2,'a','x','B'),(3,'z','f','a'),(4,'b','g','é')",
	"CREATE TABLE txitems (k INT PRIMARY KEY, u VARCHAR(10) COLLATE utf8mb4_unicode_ci, lb VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_bin)",
	"INSERT INTO txitems VALUES (1,'ß','€'),(2,'s','ÿ'),(4,'ss','a')",
	"CREATE TABLE modeitems (k INT PRIMARY KEY, s VARCHAR(10) COLLATE utf8mb4_general_ci)",
	"INSERT INTO modeitems VALUES (1,'é'),(2,'e'),(3,'f'),(4,'x')",
	"CREATE TABLE litems (k INT PRIMARY KEY, l VARCHAR(10) CHARACTER SET latin1, n INT)",
	"INSERT INTO litems SELECT k, l, k FROM gitems",
}

func TestMergeCollations(t *testing.T) {
	ctx, proxy, direct, f := startTwinFixture(t, mergeCollationSetup...)
	const latin1 = "compares text of collation latin1_swedish_ci"
	for _, c := range []struct{ sql, want string }{
		{"SELECT l, COUNT(*) FROM gitems GROUP BY l ORDER BY l", latin1},
		{"SELECT l, COUNT(*) FROM gitems GROUP BY l", latin1},
		{"SELECT COUNT(DISTINCT l), MAX(l) FROM gitems", latin1},
		{"SELECT k, l FROM gitems ORDER BY l", latin1},
		{"SELECT DISTINCT l FROM gitems", latin1},
		{"SELECT UPPER(l) AS x, COUNT(*) FROM gitems GROUP BY x", latin1},
		{"SELECT x FROM (SELECT l AS x FROM gitems) AS d ORDER BY x", latin1},
		{"SELECT k, l FROM gitems UNION ALL SELECT k, l FROM gitems ORDER BY 2", latin1},
		{"SELECT u, COUNT(*) FROM txitems GROUP BY u ORDER BY u", "compares text of collation utf8mb4_unicode_ci"},
		{"SELECT COUNT(DISTINCT u) FROM txitems", "compares text of collation utf8mb4_unicode_ci"},
		{"SELECT k, lb FROM txitems ORDER BY lb", "compares text of collation latin1_bin"},
		{"SELECT MAX(lb) FROM txitems", "compares text of collation latin1_bin"},
		{"SELECT s FROM gitems ORDER BY s COLLATE utf8mb4_unicode_ci", "compares text of collation utf8mb4_unicode_ci"},
		{"SELECT DISTINCT CONVERT(s USING latin1) FROM gitems", "compares text of character set latin1"},
		// A USING column: 'ä' (k 1) and 'a' (k 2) are one group under general_ci.
		{"SELECT l, COUNT(*) FROM gitems JOIN litems USING (k, l) GROUP BY l", latin1},
		// The merge's HAVING: 'ä' = 'a' under general_ci, not latin1_swedish_ci.
		{"SELECT n, l FROM litems GROUP BY n HAVING l = 'a'", "HAVING l='a' " + latin1},
		{"SELECT l FROM gitems ORDER BY l", "merges over several shards support utf8mb4 and utf8mb3 general_ci and _bin collations; a WHERE on the shard key that picks one shard runs it"},
	} {
		wantMergeRefused(ctx, t, proxy, c.sql, c.want)
	}
	compareQueries(ctx, t, proxy, direct, f, []string{
		// One shard runs them whole.
		"SELECT l, COUNT(*) FROM gitems WHERE k = 1 GROUP BY l ORDER BY l",
		"SELECT COUNT(DISTINCT u), MAX(u) FROM txitems WHERE k IN (2, 4)",
		"SELECT k, lb FROM txitems WHERE k = 2 ORDER BY lb",
		"SELECT l FROM gitems WHERE k = 3 UNION SELECT l FROM gitems WHERE k = 3 ORDER BY 1",
		// Merged: utf8mb4 general_ci and _bin text, numbers over latin1.
		"SELECT s, COUNT(*) FROM gitems GROUP BY s ORDER BY s",
		"SELECT sb, COUNT(*) FROM gitems GROUP BY sb ORDER BY sb",
		"SELECT MAX(s), MIN(sb), COUNT(DISTINCT s), COUNT(DISTINCT sb) FROM gitems",
		"SELECT DISTINCT sb FROM gitems ORDER BY sb",
		"SELECT k, l FROM gitems ORDER BY k",
		"SELECT k, l, lb FROM gitems JOIN txitems USING (k) ORDER BY k",
		"SELECT LENGTH(l) AS n, COUNT(*) FROM gitems GROUP BY n ORDER BY n",
		"SELECT SUM(LENGTH(l)), COUNT(l), MAX(CHAR_LENGTH(u)) FROM gitems JOIN txitems USING (k)",
		"SELECT k FROM gitems ORDER BY l = 'a', k",
		"SELECT k, l FROM gitems ORDER BY CONVERT(l USING utf8mb4), k",
		"SELECT n, l FROM litems GROUP BY n HAVING n > 1 AND l IS NOT NULL ORDER BY n",
		// After the shard key: rows of one k come from one shard.
		"SELECT k, l, COUNT(*) FROM gitems GROUP BY k, l",
		"SELECT k, l FROM gitems ORDER BY k DESC, l",
		"SELECT g.k, t.u FROM gitems g JOIN txitems t ON g.k = t.k ORDER BY t.k, t.u, g.l",
	})
}

// TestMergeResultCharset: text the shards send in another character set
// than utf8mb4 or utf8mb3 is refused where the merge compares it, and
// passes through where it does not.
func TestMergeResultCharset(t *testing.T) {
	ctx, proxy, direct, _ := startTwinFixture(t, mergeCollationSetup...)
	compareSessions(ctx, t, proxy, direct, 1, textSteps(
		"SET NAMES latin1",
		"SELECT k, s FROM modeitems ORDER BY k",
		"SELECT k, s FROM modeitems",
		"SELECT k FROM modeitems ORDER BY LENGTH(s), k",
		"SELECT s, COUNT(*) FROM modeitems WHERE k = 1 GROUP BY s ORDER BY s",
		"SET character_set_results = NULL",
		"SELECT s, COUNT(*) FROM modeitems GROUP BY s ORDER BY s",
		"SELECT k, l FROM gitems ORDER BY k",
	))
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustExec(t, c, "SET NAMES latin1")
	const latin1 = "merging text in character set latin1 (column 's') over several shards is not supported: the proxy compares utf8mb4 or utf8mb3 results (SET NAMES utf8mb4)"
	for _, q := range []string{
		"SELECT s, COUNT(*) FROM modeitems GROUP BY s ORDER BY s",
		"SELECT COUNT(DISTINCT s) FROM modeitems",
		"SELECT k, s FROM modeitems ORDER BY s",
		"SELECT DISTINCT s FROM modeitems",
	} {
		wantMergeRefused(ctx, t, c, q, latin1)
	}
	wantMergeRefused(ctx, t, c, "SELECT MAX(s) FROM modeitems", "merging text in character set latin1")
	mustExec(t, c, "SET character_set_results = utf16")
	wantMergeRefused(ctx, t, c, "SELECT s, COUNT(*) FROM modeitems GROUP BY s ORDER BY s", "merging text in character set utf16")
	mustExec(t, c, "SET NAMES utf8mb4")
	var n int
	if err := c.QueryRowContext(ctx, "SELECT COUNT(DISTINCT s) FROM modeitems").Scan(&n); err != nil || n != 3 {
		t.Errorf("after SET NAMES utf8mb4: %d, %v; want 3", n, err)
	}
}

// wantMergeRefused asserts that q fails with 1235 (42000) saying want,
// as its answer: before any result header, not after rows were sent.
func wantMergeRefused(ctx context.Context, t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q, want string) {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	if err == nil {
		n := 0
		for rows.Next() {
			n++
		}
		err = rows.Err()
		rows.Close()
		t.Errorf("%s: a result header, %d rows and %v, want error 1235 instead of a result", q, n, err)
		return
	}
	var me *mysql.MySQLError
	switch {
	case !errors.As(err, &me):
		t.Errorf("%s: %v, want error 1235", q, err)
	case me.Number != 1235 || string(me.SQLState[:]) != "42000" || !strings.Contains(strings.ReplaceAll(me.Message, "`", ""), want):
		t.Errorf("%s: error %d (%s): %s; want 1235 (42000) saying %q", q, me.Number, me.SQLState[:], me.Message, want)
	}
}

// TestMergeConnectionCollation: literals, CAST(x AS CHAR) and numbers
// turned text have the session's collation_connection, which the result
// column definitions do not show: under utf8mb4_unicode_ci (Laravel's SET
// NAMES, or a handshake's) a merge that compares them is refused before
// any row; under general_ci and _bin it answers as MariaDB, and so does
// one shard in any collation.
func TestMergeConnectionCollation(t *testing.T) {
	ctx, proxy, direct, f := startTwinFixture(t, mergeCollationSetup...)
	const order = "SELECT k FROM gitems ORDER BY IF(k % 2 = 0, '_', 'a'), k"
	compareSessions(ctx, t, proxy, direct, 1, textSteps(
		"SET NAMES utf8mb4",
		order,
		"SELECT CAST(k AS CHAR) AS x, COUNT(*) FROM gitems GROUP BY x",
		"SET NAMES utf8mb4 COLLATE utf8mb4_bin",
		order,
		"SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
		"SELECT k FROM gitems WHERE k = 2 ORDER BY IF(k % 2 = 0, '_', 'a'), k",
		"SELECT k, s FROM gitems ORDER BY CONCAT(s, 'x'), k",
		"SELECT DISTINCT 'x' AS c, k FROM gitems ORDER BY k",
	))
	c, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustExec(t, c, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci")
	const want = "ORDER BY IF(k%2=0, '_', 'a') compares text of the session's collation_connection utf8mb4_unicode_ci"
	wantMergeRefused(ctx, t, c, order, want)
	wantMergeRefused(ctx, t, c, "SELECT CAST(k AS CHAR) AS x, COUNT(*) FROM gitems GROUP BY x", "GROUP BY x compares")
	wantMergeRefused(ctx, t, c, "SELECT k FROM gitems UNION SELECT 'a' FROM gitems ORDER BY 1", "collation_connection utf8mb4_unicode_ci")
	// A client whose handshake names the collation, as mysql2 does.
	unicode := f.p.DB(t, appUser, appPass, "shop", "collation=utf8mb4_unicode_ci")
	wantMergeRefused(ctx, t, unicode, order, want)
	mustExec(t, c, "SET NAMES utf8mb4")
	rows, err := c.QueryContext(ctx, order)
	if err != nil {
		t.Fatalf("after SET NAMES utf8mb4: %v", err)
	}
	rows.Close()
}

// TestMergeEnumResultCharset: an ENUM's members are distinct, but a
// result character set that cannot hold them may send two as the same
// bytes (utf8mb4 'Ω' and 'Ж' as '?' under latin1), which one MariaDB,
// comparing the members, still tells apart: two groups. The merge,
// comparing the bytes, made one; it refuses, and merges them as UTF-8.
func TestMergeEnumResultCharset(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, f := startTwinFixture(t,
		"CREATE TABLE litems (k INT PRIMARY KEY, e ENUM('Ω','Ж') CHARACTER SET utf8mb4, s SET('Ω','Ж') CHARACTER SET utf8mb4)",
		"INSERT INTO litems VALUES (1,'Ω','Ω'),(2,'Ж','Ж'),(3,'Ω','Ω'),(4,'Ж','Ж')",
	)
	pc, err := proxy.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dc, err := direct.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	queries := []struct {
		sql    string
		direct string // one MariaDB's rows under latin1
	}{
		{"SELECT e, COUNT(*) FROM litems GROUP BY e", "?\t2 ?\t2"},
		{"SELECT DISTINCT e FROM litems", "? ?"},
		{"SELECT COUNT(DISTINCT e) FROM litems", "2"},
		{"SELECT s, COUNT(*) FROM litems GROUP BY s", "?\t2 ?\t2"},
	}
	for _, c := range []*sql.Conn{pc, dc} {
		mustExec(t, c, "SET character_set_results = latin1")
	}
	for _, q := range queries {
		if got := strings.Join(queryRows(ctx, t, dc, q.sql), " "); got != q.direct {
			t.Errorf("%s on one MariaDB: %q, want %q", q.sql, got, q.direct)
		}
		wantMergeRefused(ctx, t, pc, q.sql, "merging text in character set latin1")
	}
	var utf8 []string
	for _, q := range queries {
		utf8 = append(utf8, q.sql)
	}
	compareQueries(ctx, t, proxy, direct, f, utf8)
}
