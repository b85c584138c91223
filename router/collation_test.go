package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/engine"
)

// collationRouter has shop.items (sharded by id) with a column of each
// kind of collation, and the same in users/orders (sharded by user_id)
// for UNIONs.
func collationRouter(t *testing.T) *Router {
	r := bareShardedRouter(t)
	cols := []string{"id int", "user_id int", "n int", "d date", "b varbinary(10)",
		"s varchar(10) collate=utf8mb4_general_ci", "sb varchar(10) collate=utf8mb4_bin",
		"s3 varchar(10) collate=utf8mb3_general_ci",
		"l varchar(10) collate=latin1_swedish_ci", "lb varchar(10) collate=latin1_bin",
		"u varchar(10) collate=utf8mb4_unicode_ci", "e enum('a','b') collate=latin1_swedish_ci",
		"KEY PRIMARY id"}
	withCatalog(t, r, map[string][]string{"shop.items": cols, "shop.users": cols, "shop.orders": cols})
	return r
}

// TestMergedTextCollations: a merge over several shards that compares
// text of a collation the engine does not order as MariaDB does is
// refused (1235, naming the key and the collation); numbers, merged
// collations and statements that one shard runs are planned.
func TestMergedTextCollations(t *testing.T) {
	r := collationRouter(t)
	for _, c := range []struct {
		sql     string
		refused string // "" = planned; else a part of the message
	}{
		// Keys over latin1, unicode_ci, latin1_bin columns.
		{"SELECT l, COUNT(*) FROM items GROUP BY l ORDER BY l", "ORDER BY l compares text of collation latin1_swedish_ci"},
		{"SELECT l, COUNT(*) FROM items GROUP BY l", "GROUP BY l compares text of collation latin1_swedish_ci"},
		{"SELECT l FROM items ORDER BY l", "ORDER BY l compares text of collation latin1_swedish_ci"},
		{"SELECT lb FROM items ORDER BY lb", "collation latin1_bin"},
		{"SELECT u, COUNT(*) FROM items GROUP BY u", "GROUP BY u compares text of collation utf8mb4_unicode_ci"},
		{"SELECT DISTINCT l FROM items", "SELECT DISTINCT l"},
		{"SELECT DISTINCT * FROM items", "column l"},
		{"SELECT COUNT(DISTINCT l), MAX(l) FROM items", "COUNT(DISTINCT l) compares"},
		{"SELECT MAX(l) FROM items", "MAX(l) compares"},
		{"SELECT n, MIN(u) FROM items GROUP BY n", "MIN(u) compares"},
		{"SELECT n FROM items GROUP BY n HAVING MAX(l) > 'a'", "MAX(l)"},
		{"SELECT SUM(DISTINCT l) FROM items", "SUM(DISTINCT l)"},
		{"SELECT GROUP_CONCAT(l ORDER BY l) FROM items", "ORDER BY l SEPARATOR ',') compares text of collation latin1_swedish_ci"},
		{"SELECT GROUP_CONCAT(DISTINCT l ORDER BY l) FROM items", "collation latin1_swedish_ci"},
		{"SELECT n, l AS x FROM items ORDER BY x", "ORDER BY x compares text of collation latin1_swedish_ci"},
		{"SELECT n, l FROM items ORDER BY 2", "ORDER BY 2"},
		{"SELECT UPPER(l) AS x FROM items ORDER BY x", "collation latin1_swedish_ci"},
		{"SELECT CONCAT(l, '') AS x, COUNT(*) FROM items GROUP BY x", "collation latin1_swedish_ci"},
		{"SELECT n FROM items ORDER BY CASE WHEN n > 1 THEN l ELSE s END", "collation latin1_swedish_ci"},
		// Before the shard key, or no shard key.
		{"SELECT l FROM items ORDER BY l, id", "ORDER BY l compares"},
		{"SELECT n, l, COUNT(*) FROM items GROUP BY n, l", "GROUP BY l compares"},
		{"SELECT DISTINCT id, l FROM items ORDER BY id, l", "compares text of collation latin1_swedish_ci"},
		{"SELECT l FROM items ORDER BY id + 0, l", "ORDER BY l compares"},
		{"SELECT l FROM users ORDER BY user_id, l", ""}, // an integer hash key: one shard per key
		{"SELECT user_id FROM users ORDER BY l, user_id", "ORDER BY l compares"},
		{"SELECT a.l FROM items a LEFT JOIN items b ON a.id = b.id ORDER BY b.id, a.l", "ORDER BY a.l compares"},
		{"SELECT x FROM (SELECT id, l AS x FROM items) AS d ORDER BY id, x", "ORDER BY x compares"},
		// HAVING that the merge computes over carried text.
		{"SELECT n, l FROM items GROUP BY n HAVING l = 'a'", "HAVING l='a' compares text of collation latin1_swedish_ci"},
		{"SELECT n, UPPER(l) AS x FROM items GROUP BY n HAVING x = 'A'", "HAVING x='A' compares"},
		{"SELECT n, u FROM items GROUP BY n HAVING NULLIF(u, 'ss') IS NULL", "HAVING NULLIF(u, 'ss') compares text of collation utf8mb4_unicode_ci"},
		{"SELECT n, lb FROM items GROUP BY n HAVING GREATEST(lb, 'b') = 'b'", "collation latin1_bin"},
		// Collations and character sets the statement names.
		{"SELECT s FROM items ORDER BY s COLLATE utf8mb4_unicode_ci", "collation utf8mb4_unicode_ci"},
		{"SELECT s FROM items ORDER BY CONVERT(s USING latin1)", "character set latin1"},
		{"SELECT s FROM items ORDER BY CAST(s AS CHAR CHARACTER SET latin1)", "character set latin1"},
		{"SELECT s FROM items ORDER BY CONVERT(s, CHAR CHARACTER SET latin1)", "character set latin1"},
		{"SELECT DISTINCT l COLLATE latin1_german2_ci FROM items", "collation latin1_german2_ci"},
		{"SELECT n FROM items ORDER BY CHAR(n USING latin1)", "ORDER BY CHAR(n USING latin1) compares text of character set latin1"},
		{"SELECT DISTINCT CHAR(n, 65 USING ascii) FROM items", "character set ascii"},
		// The message says what is supported and what runs it.
		{"SELECT l FROM items ORDER BY l", "support utf8mb4 and utf8mb3 general_ci and _bin collations; a WHERE on the shard key that picks one shard runs it"},
		// Derived tables and UNIONs.
		{"SELECT x FROM (SELECT l AS x FROM items) AS d ORDER BY x", "ORDER BY x compares text of collation latin1_swedish_ci"},
		{"SELECT DISTINCT * FROM (SELECT n, u FROM items) AS d", "collation utf8mb4_unicode_ci"},
		{"SELECT l FROM users UNION SELECT l FROM orders ORDER BY 1", "collation latin1_swedish_ci"},
		{"SELECT n, l FROM users UNION ALL SELECT n, l FROM orders ORDER BY 2", "column l compares"},
		{"SELECT n, s FROM users UNION ALL SELECT n, u FROM orders ORDER BY 2", "collation utf8mb4_unicode_ci"},
		// A USING column is in both tables: their collation decides.
		{"SELECT l, COUNT(*) FROM users JOIN orders USING (user_id, l) GROUP BY l", "GROUP BY l compares text of collation latin1_swedish_ci"},

		// Planned: merged collations, numbers, text that only passes through.
		{"SELECT s, COUNT(*) FROM items GROUP BY s ORDER BY s", ""},
		{"SELECT sb, s3, MAX(s), MIN(sb), COUNT(DISTINCT s3) FROM items GROUP BY sb, s3", ""},
		{"SELECT DISTINCT s, sb, b, d, n FROM items", ""},
		{"SELECT l, u, lb FROM items ORDER BY n", ""},
		{"SELECT l, u FROM items ORDER BY id", ""},
		{"SELECT l FROM items", ""}, // the scan key id is a number
		{"SELECT LENGTH(l) AS x, COUNT(*) FROM items GROUP BY x ORDER BY x", ""},
		{"SELECT MAX(CHAR_LENGTH(u)), SUM(LENGTH(l)), COUNT(l), COUNT(DISTINCT n) FROM items", ""},
		{"SELECT n FROM items ORDER BY l = 'a', LOCATE('a', u), HEX(l)", ""},
		{"SELECT l FROM items ORDER BY CONVERT(l USING utf8mb4)", ""},
		{"SELECT l FROM items ORDER BY CAST(l AS CHAR CHARACTER SET utf8mb4), CAST(l AS BINARY), CAST(l AS UNSIGNED)", ""},
		{"SELECT u FROM items ORDER BY u COLLATE utf8mb4_bin", ""},
		{"SELECT n FROM items ORDER BY CHAR(n USING utf8mb4), CHAR(n), CONCAT(CHAR(n), s)", ""},
		{"SELECT n, l, s FROM items GROUP BY n HAVING SUM(l = 'a') > 0 AND s = 'a' AND n > 1", ""},
		{"SELECT id, l FROM items GROUP BY id HAVING l = 'a'", ""}, // the shards compute it
		{"SELECT n, e FROM items ORDER BY e", ""},                  // by position
		{"SELECT e, COUNT(*) FROM items GROUP BY e", ""},           // by value, distinct under the collation
		{"SELECT DISTINCT e FROM items ORDER BY e", ""},
		{"SELECT COUNT(DISTINCT e) FROM items", "COUNT(DISTINCT e) compares"},
		{"SELECT MIN(e) FROM items", "MIN(e) compares"}, // as text
		{"SELECT GROUP_CONCAT(DISTINCT s ORDER BY s) FROM items", ""},
		{"SELECT x FROM (SELECT LENGTH(l) AS x, s FROM items) AS d ORDER BY x, s", ""},
		{"SELECT n, l FROM users UNION ALL SELECT n, l FROM orders ORDER BY 1", ""},
		{"SELECT n, s FROM users UNION SELECT n, sb FROM orders ORDER BY 1", ""},
		// After the shard key column a merge sort compares nothing across
		// shards: rows of one key value come from one shard.
		{"SELECT id, l, COUNT(*) FROM items GROUP BY id, l", ""},
		{"SELECT l FROM items ORDER BY id, l", ""},
		{"SELECT l FROM items ORDER BY id DESC, u, s COLLATE utf8mb4_unicode_ci", ""},
		{"SELECT a.l FROM items a JOIN items b ON a.id = b.id ORDER BY b.id, a.l", ""},
		// An unknown table stays as it was.
		{"SELECT x, COUNT(*) FROM countries GROUP BY x ORDER BY x", ""},
		// One shard runs the statement whole: MariaDB computes it.
		{"SELECT l, COUNT(*) FROM items WHERE id = 3 GROUP BY l ORDER BY l", ""},
		{"SELECT COUNT(DISTINCT l), MAX(l) FROM items WHERE id = 4", ""},
		{"SELECT x FROM (SELECT l AS x FROM items WHERE id = 3) AS d ORDER BY x", ""},
		{"SELECT l FROM users WHERE user_id = 1 UNION SELECT l FROM orders WHERE user_id = 1 ORDER BY 1", ""},
	} {
		e, err := execFor(t, r, c.sql)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%s: %v, want it planned", c.sql, err)
		case c.refused == "":
			if len(e.Parts) > 1 && e.Merge == nil {
				t.Errorf("%s: %d parts without a merge", c.sql, len(e.Parts))
			}
		case err == nil:
			t.Errorf("%s: planned over %d shards, want refused with %q", c.sql, len(e.Parts), c.refused)
		default:
			me, ok := err.(*mysql.MyError)
			if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(strings.ReplaceAll(me.Message, "`", ""), c.refused) {
				t.Errorf("%s: %v, want 1235 saying %q", c.sql, err, c.refused)
			}
		}
	}
}

// TestMergedTextOneShard: a refused merge still runs as written where
// the shard key picks one shard, and is refused at a bind that reaches
// several.
func TestMergedTextOneShard(t *testing.T) {
	r := collationRouter(t)
	p, err := planFor(t, r, "SELECT l, COUNT(*) FROM items WHERE id IN (?, ?) GROUP BY l")
	if err != nil {
		t.Fatal(err)
	}
	one, err := p.Bind([]Param{intParam(3), intParam(6)})
	if err != nil || len(one.Parts) != 1 || one.Parts[0].SQL != "" {
		t.Fatalf("one shard: %+v, %v; want the statement as written on one shard", one, err)
	}
	if _, err := p.Bind([]Param{intParam(3), intParam(4)}); err == nil || !strings.Contains(err.Error(), "latin1_swedish_ci") {
		t.Fatalf("two shards: %v, want the collation refused", err)
	}
}

// TestMergedConnectionText: a merge key of the connection's text
// (literals, CAST AS CHAR, numbers and dates turned text) is marked in
// the plan, and refused for a session whose collation_connection the
// merge does not compare; a column's or COLLATE's collation decides over
// a literal's, and a constant key compares nothing.
func TestMergedConnectionText(t *testing.T) {
	r := collationRouter(t)
	for _, c := range []struct{ sql, conn string }{
		{"SELECT n FROM items ORDER BY IF(n % 2 = 0, '_', 'a'), n", "ORDER BY IF("},
		{"SELECT n FROM items ORDER BY CAST(n AS CHAR)", "ORDER BY CAST(n AS CHAR)"},
		{"SELECT CONCAT(n) AS x, COUNT(*) FROM items GROUP BY x", "GROUP BY x"},
		{"SELECT DISTINCT HEX(n) FROM items", "SELECT DISTINCT HEX(n)"},
		{"SELECT MAX(DATE_FORMAT(d, '%b')) FROM items", "MAX(DATE_FORMAT(d, '%b'))"},
		{"SELECT n FROM items ORDER BY COALESCE(n, 'x')", "ORDER BY COALESCE(n, 'x')"},
		{"SELECT n FROM users UNION SELECT 'a' FROM orders ORDER BY 1", "column 'a'"},
		{"SELECT n FROM items GROUP BY n HAVING IF(n > 1, 'x', 'y') = 'X'", "HAVING IF("},
		// A column or COLLATE decides; numbers are no text; constants.
		{"SELECT n FROM items ORDER BY CONCAT(s, 'x'), IF(n > 1, s, 'a'), n", ""},
		{"SELECT n FROM items ORDER BY 'a' COLLATE utf8mb4_bin, CAST(n AS SIGNED), IF(n > 1, 1, 2)", ""},
		{"SELECT n, s FROM items GROUP BY n HAVING s = 'a'", ""},
		{"SELECT DISTINCT 'kind' AS k, n FROM items", ""},
		{"SELECT n, s FROM users UNION SELECT 1, 'a' FROM orders ORDER BY 2", ""},
		{"SELECT n FROM items ORDER BY DATABASE(), n", ""},
	} {
		e, err := execFor(t, r, c.sql)
		if err != nil || e.Merge == nil {
			t.Errorf("%s: %v, want a merge", c.sql, err)
			continue
		}
		if got := e.Merge.ConnText; !strings.Contains(strings.ReplaceAll(got, "`", ""), c.conn) || (c.conn == "") != (got == "") {
			t.Errorf("%s: ConnText %q, want %q", c.sql, got, c.conn)
		}
		for coll, refused := range map[string]bool{"utf8mb4_unicode_ci": c.conn != "", "utf8mb4_general_ci": false,
			"UTF8MB3_BIN": false, "latin1_swedish_ci": c.conn != "", "": false} {
			err := e.Merge.ConnTextError(coll)
			if (err != nil) != refused {
				t.Errorf("%s under %q: %v, want refused %v", c.sql, coll, err, refused)
			}
		}
	}
	e, _ := execFor(t, r, "SELECT n FROM items ORDER BY CAST(n AS CHAR)")
	err := e.Merge.ConnTextError("utf8mb4_unicode_ci")
	if me, ok := err.(*mysql.MyError); !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, "collation_connection utf8mb4_unicode_ci") ||
		!strings.Contains(me.Message, "SET NAMES utf8mb4") {
		t.Errorf("refusal %v, want 1235 naming collation_connection and SET NAMES utf8mb4", err)
	}
}

// TestDistinctRepOrderLoose: without ORDER BY, SELECT DISTINCT's groups
// come in the order of their lowest primary key, which stands for a scan
// order no SQL promises: text of it in latin1 results (SET NAMES latin1)
// is ordered as best the merge can, as a plain merge's scan key, not
// refused.
func TestDistinctRepOrderLoose(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{"shop.items": {"id int", "p varchar(10) collate=latin1_swedish_ci", "n int", "KEY PRIMARY p"}})
	e, err := execFor(t, r, "SELECT DISTINCT n FROM items")
	if err != nil || e.Merge == nil || e.Merge.Agg == nil {
		t.Fatalf("%+v, %v; want a DISTINCT merge", e, err)
	}
	latin1 := func(name string) *mysql.Field {
		return &mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: 8}
	}
	cols := []*mysql.Field{{Name: []byte("__xa_g0"), Type: mysql.MYSQL_TYPE_LONG, Charset: 63}, latin1("MIN(p)")}
	var inputs []engine.Rows
	for _, rows := range [][]engine.Row{{{[]byte("1"), []byte("b")}}, {{[]byte("2"), []byte("a")}}} {
		inputs = append(inputs, engine.FromSlice(cols, rows))
	}
	out, err := e.Merge.Pipeline(inputs, &engine.Warnings{})
	if err == nil {
		err = engine.BuildError(out)
	}
	if err != nil {
		t.Fatalf("DISTINCT n in latin1 results: %v, want it merged", err)
	}
	got, err := engine.Collect(out)
	if err != nil || len(got) != 2 || string(got[0][0]) != "2" {
		t.Fatalf("rows %q, %v; want n 2 (p 'a') first", got, err)
	}
}

// TestMergedTextShardsDisagree: where the home shards give a column
// different collations, a merge that compares it is refused whichever
// the first shard's is.
func TestMergedTextShardsDisagree(t *testing.T) {
	r := bareShardedRouter(t)
	var snaps []catalog.Snapshot
	for i, shard := range r.rules.Shards() {
		coll := "utf8mb4_general_ci"
		if i > 0 {
			coll = "latin1_swedish_ci"
		}
		def := &catalog.Table{Schema: "shop", Name: "items", Columns: []catalog.Column{
			{Name: "id", Type: "int"}, {Name: "s", Type: "varchar(10)", Nullable: true, Collation: coll}}}
		snaps = append(snaps, catalog.Snapshot{Shard: shard, Schemas: []string{"shop"}, Tables: []*catalog.Table{def}})
	}
	all := r.rules.Shards()
	r.SetCatalog(catalog.Build(r.Catalog().Gen()+1, snaps, func(string, string) []string { return all }))
	_, err := execFor(t, r, "SELECT s, COUNT(*) FROM items GROUP BY s")
	if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), "`", ""), "GROUP BY s compares text of collations that differ between shards") {
		t.Fatalf("%v, want the merge refused for collations that differ between shards", err)
	}
}

// TestMergedTextUnknownFirstSelect: a UNION whose first SELECT's wildcard
// the catalog cannot expand still checks the others' keys; and a HAVING
// comparison with a number compares numbers, whatever the session's
// collation_connection.
func TestMergedTextUnknownFirstSelect(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{"shop.users": {"user_id int", "n int", "l varchar(10) collate=latin1_swedish_ci", "KEY PRIMARY user_id"}})
	if _, err := execFor(t, r, "SELECT * FROM orders UNION ALL SELECT n, l FROM users ORDER BY 2"); err == nil || !strings.Contains(err.Error(), "latin1_swedish_ci") {
		t.Errorf("UNION after an unknown wildcard: %v, want refused for latin1_swedish_ci", err)
	}
	r = collationRouter(t)
	for _, q := range []string{
		"SELECT n, COUNT(*) FROM items GROUP BY n HAVING COUNT(*) > '1'",
		"SELECT n, SUM(id) FROM items GROUP BY n HAVING SUM(id) + 1 = '3'",
	} {
		e, err := execFor(t, r, q)
		if err != nil || e.Merge == nil {
			t.Errorf("%s: %v, want a merge", q, err)
		} else if e.Merge.ConnText != "" {
			t.Errorf("%s: ConnText %q, want none", q, e.Merge.ConnText)
		}
	}
}
