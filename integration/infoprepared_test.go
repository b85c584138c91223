package integration

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestInfoSchemaPreparedOverShards: prepared statements over
// information_schema (an ORM's introspection: GORM prepares its
// information_schema queries with the schema and table as parameters) and
// prepared SHOW TABLE STATUS and SHOW INDEX answer, in the binary
// protocol, what the text statements answer: a sharded table's counts
// over all its shards, as one MariaDB holding all the rows gives them,
// not its part on one shard. Values and column definitions are compared
// with one MariaDB's binary answers.
func TestInfoSchemaPreparedOverShards(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t,
		"CREATE TABLE gitems (k INT PRIMARY KEY, n INT NOT NULL DEFAULT 3, s VARCHAR(20), KEY ix_n (n))",
		"INSERT INTO gitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd'), (5, 5, 'e'), (6, 6, 'f')",
		"ANALYZE TABLE gitems",
		"CREATE TABLE `a\\b` (id INT)",
	)
	type query struct {
		sql     string
		args    func(schema string) []any
		cols    []int  // the columns compared (nil: all)
		setup   string // run first on the connection
		refused bool   // through the proxy: 1235
	}
	none := func(string) []any { return nil }
	queries := []query{
		{"SHOW TABLE STATUS LIKE 'gitems'", none, []int{0, 1, 4, 10, 14}, "", false},
		{"SHOW INDEX FROM gitems", none, nil, "", false},
		{"SELECT TABLE_ROWS, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'gitems'", none, nil, "", false},
		{"SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", func(s string) []any { return []any{s, "gitems"} }, nil, "", false},
		{"SELECT INDEX_NAME, CARDINALITY FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY 1", func(s string) []any { return []any{s, "gitems"} }, nil, "", false},
		{"SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ? AND table_type = ?", func(s string) []any { return []any{s, "gitems", "BASE TABLE"} }, nil, "", false},
		{"SELECT column_name, column_default, is_nullable = 'YES', data_type, character_maximum_length, column_type, column_key, extra, column_comment, numeric_precision, numeric_scale, datetime_precision FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ORDINAL_POSITION", func(s string) []any { return []any{s, "gitems"} }, nil, "", false},
		{"SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_ROWS > ?", func(string) []any { return []any{int64(4)} }, nil, "", false},
		// A backslash in a parameter: the shard must read it once.
		{"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", func(s string) []any { return []any{s, `a\b`} }, nil, "", false},
		// Parameters other than strings and integers beside a sharded
		// table's counts: gathered from every shard too, never one shard's
		// part of them (which they were).
		{"SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_ROWS BETWEEN ? AND ?", func(s string) []any { return []any{s, 0.5, 100.25} }, nil, "", false},
		{"SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ? AND TABLE_ROWS > ?", func(s string) []any { return []any{s, "x", 1.5} }, nil, "", false},
		// Under NO_BACKSLASH_ESCAPES a backslash-escaped parameter cannot be
		// written into the gathered statement: refused, where one shard's
		// rows answered (3 of gitems' 6 rows).
		{"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", func(s string) []any { return []any{s, `a\b`} }, nil, "SET sql_mode = 'NO_BACKSLASH_ESCAPES'", true},
		{"SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> ? AND TABLE_ROWS > ?", func(s string) []any { return []any{s, `a\b`, 1} }, nil, "SET sql_mode = 'NO_BACKSLASH_ESCAPES'", true},
		{"SELECT TABLE_NAME, TABLE_ROWS, ? FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'gitems'", func(s string) []any { return []any{"line\n", s} }, nil, "SET sql_mode = 'NO_BACKSLASH_ESCAPES'", true},
	}
	run := func(addr, user, pass, schema string, q query) string {
		c, err := client.Connect(addr, user, pass, schema)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if q.setup != "" {
			if _, err := c.Execute(q.setup); err != nil {
				t.Fatal(err)
			}
		}
		stmt, err := c.Prepare(q.sql)
		if err != nil {
			return "prepare: " + err.Error()
		}
		defer stmt.Close()
		r, err := stmt.Execute(q.args(schema)...)
		if err != nil {
			return "execute: " + err.Error()
		}
		var b strings.Builder
		for i, fl := range r.Fields {
			if q.cols == nil || slices.Contains(q.cols, i) {
				fmt.Fprintf(&b, "[%s type %d len %d dec %d flags %#x cs %d] ", fl.Name, fl.Type, fl.ColumnLength, fl.Decimal, fl.Flag, fl.Charset)
			}
		}
		for i := range r.Values {
			b.WriteString("|")
			for j := range r.Values[i] {
				if q.cols != nil && !slices.Contains(q.cols, j) {
					continue
				}
				if r.Values[i][j].Type == mysql.FieldValueTypeNull {
					b.WriteString(" NULL")
					continue
				}
				v, _ := r.GetString(i, j)
				b.WriteString(" " + v)
			}
		}
		return b.String()
	}
	for _, q := range queries {
		got := run(f.p.Addr(), appUser, appPass, "shop", q)
		if q.refused {
			if !strings.HasPrefix(got, "execute: ERROR 1235 (42000)") {
				t.Errorf("prepared %s under %q: %s, want 1235", q.sql, q.setup, got)
			}
			continue
		}
		want := run(f.s0.Addr(), "root", "", "direct", q)
		if got != strings.ReplaceAll(want, "direct", "shop") {
			t.Errorf("prepared %s:\n  proxy:   %s\n  MariaDB: %s", q.sql, got, want)
		}
	}
}
