package router

import (
	"slices"
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
