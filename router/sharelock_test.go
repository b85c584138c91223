package router

import "testing"

func TestShareLocked(t *testing.T) {
	const lock = " LOCK IN SHARE MODE"
	for _, c := range []struct {
		sql  string
		want string // "" when not ok
	}{
		{"SELECT k, f / 3 FROM t WHERE k = ?", "SELECT k, f / 3 FROM t WHERE k = ?" + lock},
		{"SELECT 1 ;  \n", "SELECT 1" + lock},
		{"SELECT 1;;", "SELECT 1" + lock},
		{"SELECT a FROM t -- the end", "SELECT a FROM t" + lock},
		{"SELECT a FROM t # the end\n", "SELECT a FROM t" + lock},
		{"SELECT a FROM t /* ; */", "SELECT a FROM t" + lock},
		{"SELECT a FROM t; -- after", "SELECT a FROM t" + lock},
		{"SELECT a FROM t /*!100000 LIMIT 1 */", "SELECT a FROM t /*!100000 LIMIT 1 */" + lock},
		{"SELECT a FROM t /*M! LIMIT 1 */ -- c", "SELECT a FROM t /*M! LIMIT 1 */" + lock},
		{"SELECT ';' FROM t WHERE s = 'it''s'", "SELECT ';' FROM t WHERE s = 'it''s'" + lock},
		{"SELECT `a;b` FROM t", "SELECT `a;b` FROM t" + lock},
		{"SELECT '--' FROM t", "SELECT '--' FROM t" + lock},
		{"SELECT a-- 1\nFROM t", "SELECT a-- 1\nFROM t" + lock},
		{"SELECT a --1 FROM t", "SELECT a --1 FROM t" + lock},   // --1 is minus minus one
		{"SELECT a FROM t --\f note", "SELECT a FROM t" + lock}, // -- and a form feed: a comment
		// Not ok: another statement, unclosed text, a string whose end
		// depends on NO_BACKSLASH_ESCAPES.
		{"SELECT 1; SELECT 2", ""},
		{"SELECT 1; /*!SELECT 2 */", ""},
		{"SELECT 'a", ""},
		{"SELECT a FROM t /* open", ""},
		{`SELECT 'a\' FROM t WHERE b = ''`, ""},
		{"", ""},
		{" -- only a comment", ""},
	} {
		got, ok := ShareLocked(c.sql)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("ShareLocked(%q) = %q, %v; want %q", c.sql, got, ok, c.want)
		}
	}
}
