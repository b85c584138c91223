package router

import (
	"slices"
	"strings"
	"testing"
)

// TestCTENamesScoped: a CTE's name hides a table only inside the statement
// whose WITH defines it (and its later CTEs, its own body when RECURSIVE);
// the same name beside that statement is the table, which routing must see.
func TestCTENamesScoped(t *testing.T) {
	tests := []struct {
		sql  string
		want []string // tables, in order of appearance
	}{
		{"WITH c AS (SELECT 1) SELECT * FROM c JOIN t", []string{"t"}},
		{"SELECT * FROM (WITH t AS (SELECT 1 AS n) SELECT n FROM t) d JOIN t", []string{"t"}},
		{"SELECT (WITH t AS (SELECT 1 AS n) SELECT n FROM t) AS x, w.n FROM t AS w", []string{"t"}},
		{"SELECT * FROM u WHERE EXISTS (WITH u AS (SELECT 1) SELECT * FROM u)", []string{"u"}},
		// The WITH's query and nested subqueries see it.
		{"WITH t AS (SELECT 1 AS n) SELECT * FROM t WHERE n IN (SELECT n FROM t)", nil},
		// A later CTE sees an earlier one; a CTE's own body does not see
		// itself unless RECURSIVE.
		{"WITH a AS (SELECT 1 AS n), b AS (SELECT n FROM a) SELECT * FROM b", nil},
		{"WITH a AS (SELECT n FROM a) SELECT * FROM a", []string{"a"}},
		{"WITH RECURSIVE a AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM a WHERE n < 3) SELECT * FROM a", nil},
		{"WITH RECURSIVE a AS (SELECT n FROM b), b AS (SELECT 1 AS n) SELECT * FROM a", nil},
		{"WITH a AS (SELECT 1 AS n) SELECT * FROM a UNION SELECT n FROM t", []string{"t"}},
		// Qualified names are tables.
		{"WITH t AS (SELECT 1 AS n) SELECT * FROM t JOIN shop.t", []string{"shop.t"}},
	}
	for _, tt := range tests {
		st, err := NewParser().Parse(tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		var got []string
		for _, tb := range st.Tables {
			name := tb.Name
			if tb.Schema != "" {
				name = tb.Schema + "." + name
			}
			got = append(got, strings.ToLower(name))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: tables %v, want %v", tt.sql, got, tt.want)
		}
	}
}
