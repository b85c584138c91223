package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestOnceWarnings: a merged SELECT is marked as raising only warnings of
// constants converted once per statement where its WHERE compares columns
// with constants only, and no index holds a numeric column compared with
// a string; anything evaluated per row, or a LIMIT, leaves it unmarked.
func TestOnceWarnings(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{"shop.items": {"id int(11)", "n int(11)", "d decimal(5,2)",
		"f double", "s varchar(10) collate=utf8mb4_general_ci", "b varbinary(10)", "e enum('a','b') collate=utf8mb4_general_ci",
		"dt date", "i int(11)", "KEY PRIMARY id", "INDEX ix i"}})
	for _, c := range []struct {
		sql    string
		once   bool
		params []Param
	}{
		{"SELECT id FROM items WHERE n > 'x' ORDER BY id", true, nil},
		{"SELECT * FROM items WHERE 'x' < n", true, nil},
		{"SELECT id, s FROM items WHERE n > 'x1' OR n < 'y2' ORDER BY 1", true, nil},
		{"SELECT COUNT(*) FROM items WHERE d = 'x'", true, nil},
		{"SELECT id FROM items WHERE NOT (f <=> 'x') AND s IS NOT NULL", true, nil},
		{"SELECT id FROM items WHERE s = 'x' AND n > 2 AND d < 3.5", true, nil},
		{"SELECT id FROM items WHERE n > ? AND f = 2 AND n IS NULL", true, []Param{textParam("x")}},
		{"SELECT id FROM items WHERE n > ?", true, []Param{intParam(2)}},
		// A date compares as dates: every row's n converted.
		{"SELECT id FROM items WHERE n > ?", false, []Param{{Literal: "DATE'2020-01-02'", Type: mysql.MYSQL_TYPE_DATE}}},
		{"SELECT items.id FROM items WHERE items.n = x'78'", true, nil},

		{"SELECT id FROM items WHERE n > ? OR n < ?", true, []Param{intParam(1), textParam("y")}},
		{"SELECT id FROM items WHERE n > ? OR n < ?", true, []Param{textParam("x"), textParam("y")}},
		{"SELECT id FROM items WHERE n > ? AND n < 'z'", true, []Param{textParam("x")}},
		{"SELECT id FROM items WHERE (s = ? AND n > ?) OR n > ?", true, []Param{textParam("c"), textParam("p"), textParam("q")}},
		{"SELECT id FROM items WHERE s = ? AND n > 'p'", true, []Param{{Null: true, Literal: "NULL", Type: mysql.MYSQL_TYPE_NULL}}},
		{"SELECT id FROM items WHERE n > ? AND n < 'z'", true, []Param{{Literal: "3", Type: mysql.MYSQL_TYPE_LONGLONG}}},
		{"SELECT id FROM items WHERE n > ? AND n < 'z'", true, []Param{{Null: true, Literal: "NULL", Type: mysql.MYSQL_TYPE_NULL}}},
		{"SELECT id FROM items WHERE n > 'x' AND d < 'y'", true, nil},

		{"SELECT id FROM items WHERE n > CAST('9z' AS SIGNED) AND d < 'x'", true, nil},
		{"SELECT id FROM items WHERE n > '1x' + 0", true, nil},
		{"SELECT id FROM items WHERE n > 1/0 OR f < -('1x' + 0.5)", false, nil}, // two expressions
		{"SELECT id FROM items WHERE f < -('1x' + 0.5) OR n = 3 DIV 0", false, nil},
		{"SELECT id FROM items WHERE f < -('1x' + 0.5) OR n = 'y'", true, nil},
		{"SELECT id FROM items WHERE d <=> CAST(? AS DECIMAL(5,2)) OR n = 'y'", true, []Param{textParam("x")}},
		{"SELECT id FROM items WHERE d <=> CAST(? AS DECIMAL(5,2)) OR n = 'y'", false, []Param{textParam("y")}},
		{"SELECT id FROM items WHERE n > CAST('9z' AS DATE)", false, nil},
		{"SELECT id FROM items WHERE s = CAST(1 AS CHAR)", false, nil},
		{"SELECT id FROM items WHERE n > ABS('x')", false, nil},
		{"SELECT id FROM items WHERE n > 'x' + n", false, nil},
		{"SELECT id FROM items WHERE DATE('2020-13-01') IS NULL", true, nil},
		{"SELECT id FROM items WHERE n > 0 OR CAST('z' AS SIGNED) = 0", true, nil},
		{"SELECT id FROM items WHERE n > 'x' AND DATE(?) IS NOT NULL", true, []Param{textParam("2020-13-01")}},
		{"SELECT id FROM items WHERE DATE('2020-13-01') IS NULL AND 1/0 IS NULL", false, nil},
		{"SELECT id FROM items WHERE DATE('2020-13-01') IS NULL AND n < 1/0", false, nil},
		{"SELECT id FROM items WHERE NOW() IS NULL", false, nil},
		{"SELECT id FROM items WHERE DATE(n) IS NULL", false, nil},
		// Two constants of one text: one shard's 'x' and another's may be
		// two, which one server lists twice.
		{"SELECT id FROM items WHERE n > 'x' AND n > 'x'", false, nil},
		{"SELECT id FROM items WHERE (s = 'a' AND n > 'x') OR (s = 'b' AND d < 'x')", false, nil},
		{"SELECT id FROM items WHERE n > 'x' OR n < x'78'", false, nil},
		{"SELECT id FROM items WHERE n > '" + strings.Repeat("y", 65) + "'", false, nil},
		{"SELECT id FROM items WHERE n > ? OR n < ?", false, []Param{textParam("x"), textParam("x")}},
		{"SELECT id FROM items WHERE n > ? AND n < 'z'", false, []Param{textParam("z")}},
		{"SELECT id FROM items WHERE n > ? AND n < 'z'", false, []Param{bytesParam(mysql.MYSQL_TYPE_BLOB, []byte("z"))}},
		{"SELECT id FROM items WHERE n > ?", false, []Param{textParam(strings.Repeat("y", 65))}},
		// A number compared with text reads every row's as a number.
		{"SELECT id FROM items WHERE s = ? AND n > 'p'", false, []Param{intParam(1)}},
		{"SELECT id FROM items WHERE dt = ?", false, []Param{textParam("x")}},
		// An index may skip rows, by each shard's own plan.
		{"SELECT id FROM items WHERE id > 'x'", false, nil},
		{"SELECT id FROM items WHERE i = 'x'", false, nil},
		{"SELECT id FROM items WHERE i = ?", false, []Param{intParam(2)}},
		{"SELECT id FROM items WHERE n > 'x' AND id < 3", false, nil},
		{"SELECT id FROM items WHERE n > 'x' AND i IS NULL", false, nil},
		// Per row: a column converted, IN and BETWEEN.
		{"SELECT id FROM items WHERE s = 1", false, nil},
		{"SELECT id FROM items WHERE b = 'x'", false, nil},
		{"SELECT id FROM items WHERE e = 'x'", false, nil},
		{"SELECT id FROM items WHERE dt = 'x'", false, nil},
		{"SELECT id FROM items WHERE n IN ('x', 'y')", false, nil},
		{"SELECT id FROM items WHERE n BETWEEN 'x' AND 'y'", false, nil},
		{"SELECT id FROM items WHERE n = s", false, nil},
		{"SELECT id, 1/0 FROM items WHERE n > 'x'", false, nil},
		{"SELECT MAX(n) FROM items WHERE n > 'x'", false, nil},
		{"SELECT id FROM items WHERE n > 'x' ORDER BY n + 0", false, nil},
		// Fewer rows read: which constants they need is the rows'.
		{"SELECT id FROM items WHERE n > 'x' LIMIT 2", false, nil},
		{"SELECT n FROM items WHERE n > 'x' GROUP BY n", false, nil},
		{"SELECT DISTINCT n FROM items WHERE n > 'x'", false, nil},
		{"SELECT id FROM items", false, nil},
	} {
		p, err := planFor(t, r, c.sql)
		var e *Exec
		if err == nil {
			e, err = p.Bind(c.params)
		}
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if e.Merge == nil {
			t.Errorf("%s: not merged", c.sql)
			continue
		}
		if e.Merge.OnceWarnings != c.once {
			t.Errorf("%s: OnceWarnings %v, want %v", c.sql, e.Merge.OnceWarnings, c.once)
		}
	}
}

// TestOnceWriteWarnings: an UPDATE or DELETE over several shards is marked
// under the same WHERE when what it stores cannot warn; one shard's is
// not marked (its own list is the answer).
func TestOnceWriteWarnings(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{"shop.items": {"id int(11)", "n int(11)", "t tinyint(3) unsigned",
		"d decimal(5,2)", "s varchar(3) collate=utf8mb4_general_ci", "i int(11)", "KEY PRIMARY id", "INDEX ix i"}})
	for _, c := range []struct {
		sql  string
		once bool
	}{
		// An UPDATE never: a CHECK constraint, which the catalog does not
		// read, warns per row it writes.
		{"UPDATE items SET n = n WHERE n = 'q'", false},
		{"UPDATE items SET t = 127, s = 'abc', d = NULL WHERE n > 'q' OR d < 'r'", false},
		{"DELETE FROM items WHERE n = 'q'", true},
		{"DELETE FROM items WHERE s = 'a' AND n <> 'x'", true},
		{"DELETE FROM items WHERE i = 2 AND n <> 'x'", false},

		{"UPDATE items SET n = n WHERE n = 'q' AND id = 1", false}, // one shard
		{"UPDATE items SET t = 128 WHERE n = 'q'", false},
		{"UPDATE items SET t = -1 WHERE n = 'q'", false},
		{"UPDATE items SET d = 1 WHERE n = 'q'", false},
		{"UPDATE items SET s = 'abcd' WHERE n = 'q'", false},
		{"UPDATE items SET s = 'é' WHERE n = 'q'", false},
		{"UPDATE items SET n = n + 0 WHERE n = 'q'", false},
		{"UPDATE items SET n = i WHERE n = 'q'", false},
		{"UPDATE IGNORE items SET n = n WHERE n = 'q'", false},
		{"DELETE FROM items WHERE i = 'q'", false},
		{"DELETE FROM items WHERE s = 1", false},
		{"DELETE IGNORE FROM items WHERE n = 'q'", false},
		{"DELETE FROM items", false},
	} {
		e, err := execFor(t, r, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if e.OnceWarnings != c.once {
			t.Errorf("%s: OnceWarnings %v, want %v", c.sql, e.OnceWarnings, c.once)
		}
	}
}

// textParam is a parameter bound as VARCHAR text.
func textParam(s string) Param {
	return bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte(s))
}

// TestOnceWarningsGeneratedColumns: a table with a generated column never
// qualifies: reading a VIRTUAL column, or writing the source of any,
// computes it per row, and its conversions warn per row with the same
// text on every shard.
func TestOnceWarningsGeneratedColumns(t *testing.T) {
	for _, generated := range []bool{false, true} {
		r := bareShardedRouter(t)
		cols := []string{"id int(11)", "n int(11)", "v varchar(20) collate=utf8mb4_general_ci", "KEY PRIMARY id"}
		if generated {
			cols = append(cols, "g double generated")
		}
		withCatalog(t, r, map[string][]string{"shop.items": cols})
		for _, sql := range []string{"SELECT id FROM items WHERE n > 'x'", "DELETE FROM items WHERE n = 'q'"} {
			e, err := execFor(t, r, sql)
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			once := e.OnceWarnings || e.Merge != nil && e.Merge.OnceWarnings
			if once == generated {
				t.Errorf("%s, generated column %v: OnceWarnings %v", sql, generated, once)
			}
		}
	}
}
