package router

import (
	"slices"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/mysql"
)

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1;", []string{"SELECT 1;"}},
		{"SELECT 1; SELECT 2", []string{"SELECT 1;", " SELECT 2"}},
		{"SELECT 1; SELECT 2;  ", []string{"SELECT 1;", " SELECT 2;"}},
		{"SELECT 'a;b'; SELECT \"c;d\"; SELECT `e;f`", []string{"SELECT 'a;b';", " SELECT \"c;d\";", " SELECT `e;f`"}},
		{"SELECT 'it''s;'; SELECT 'x\\';y'", []string{"SELECT 'it''s;';", " SELECT 'x\\';y'"}},
		{"SELECT 1 /* ; */; SELECT 2 -- ;\n; SELECT 3 # ;\n", []string{"SELECT 1 /* ; */;", " SELECT 2 -- ;\n;", " SELECT 3 # ;\n"}},
		{"SELECT 1; /* only a comment */", []string{"SELECT 1;"}},
		{"/*!40101 SET NAMES utf8 */; SELECT 2", []string{"/*!40101 SET NAMES utf8 */;", " SELECT 2"}},
		{"SELECT 1-- 2; SELECT 3", []string{"SELECT 1-- 2; SELECT 3"}},
		{"SELECT 1--2; SELECT 3", []string{"SELECT 1--2;", " SELECT 3"}},
		// -- and any control character start a comment in MariaDB: the
		// ; after it is not a statement's end.
		{"SELECT 1; --\x01; DROP TABLE t", []string{"SELECT 1;"}},
		{"SELECT 1 --\f; SELECT 2\n; SELECT 3", []string{"SELECT 1 --\f; SELECT 2\n;", " SELECT 3"}},
		{"", []string{""}},
		{"--", []string{"--"}},
		{"DROP PROCEDURE IF EXISTS p; CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
			[]string{"DROP PROCEDURE IF EXISTS p;", " CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END"}},
		{"CREATE DEFINER=`a`@`%` FUNCTION f() RETURNS INT BEGIN RETURN 1; END; SELECT f()",
			[]string{"CREATE DEFINER=`a`@`%` FUNCTION f() RETURNS INT BEGIN RETURN 1; END; SELECT f()"}},
		{"CREATE TABLE proc (id INT); SELECT 1", []string{"CREATE TABLE proc (id INT);", " SELECT 1"}},
		{"BEGIN NOT ATOMIC SELECT 1; END", []string{"BEGIN NOT ATOMIC SELECT 1; END"}},
		{"BEGIN; SELECT 1", []string{"BEGIN;", " SELECT 1"}},
		{"SELECT 'unterminated; SELECT 2", []string{"SELECT 'unterminated; SELECT 2"}},
	} {
		if got := SplitStatements(tc.sql, 0); !slices.Equal(got, tc.want) {
			t.Errorf("SplitStatements(%q) = %q, want %q", tc.sql, got, tc.want)
		}
	}
	// Under NO_BACKSLASH_ESCAPES 'x\' is a whole string.
	nbe := `SELECT 'x\'; SELECT 2`
	if got, want := SplitStatements(nbe, mysql.ModeNoBackslashEscapes), []string{`SELECT 'x\';`, " SELECT 2"}; !slices.Equal(got, want) {
		t.Errorf("SplitStatements(%q) under NO_BACKSLASH_ESCAPES = %q, want %q", nbe, got, want)
	}
	if got, want := SplitStatements(nbe, 0), []string{nbe}; !slices.Equal(got, want) {
		t.Errorf("SplitStatements(%q) = %q, want %q", nbe, got, want)
	}
}

// RowsText renders a split INSERT holding only some of its rows, with the
// parts' own text; other statements have none.
func TestRowsText(t *testing.T) {
	r := shardedRouter(t)
	e, err := execFor(t, r, "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c') RETURNING id")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range e.Parts {
		txt, ok, err := e.RowsText(p.ValuesRows)
		if !ok || err != nil || txt != p.SQL {
			t.Errorf("RowsText(%v) = %q, %v, %v; the part's text is %q", p.ValuesRows, txt, ok, err, p.SQL)
		}
	}
	if txt, _, _ := e.RowsText([]int{2}); !strings.Contains(txt, "(3,'c')") || strings.Contains(txt, "(1,'a')") || !strings.Contains(txt, "RETURNING") {
		t.Errorf("RowsText([2]) = %q", txt)
	}
	if e, err = execFor(t, r, "UPDATE items SET name = 'x'"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.RowsText([]int{0}); ok {
		t.Error("an UPDATE has rows to render")
	}
}
