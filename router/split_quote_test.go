package router

import "testing"

// skipQuotedIn finds the closing quote the way MariaDB's lexer does: a
// doubled quote stays inside, a backslash escapes only in strings and only
// when escapes is on, and an unclosed literal runs to the end.
func TestSkipQuotedIn(t *testing.T) {
	for _, tt := range []struct {
		sql     string
		escapes bool
		want    int
	}{
		{`'abc' x`, true, 4},
		{`'a''b' x`, true, 5},
		{`'a\'b' x`, true, 5},
		{`'a\'b' x`, false, 3},
		{`"a\"b" x`, true, 5},
		{"`a\\`b` x", true, 3}, // no escapes in a backquoted name
		{"`a``b` x", true, 5},
		{`'abc`, true, 4},
		{`'ab\`, true, 4},
		{`''`, true, 1},
	} {
		if got := skipQuotedIn(tt.sql, 0, tt.escapes); got != tt.want {
			t.Errorf("skipQuotedIn(%q, escapes %v) = %d, want %d", tt.sql, tt.escapes, got, tt.want)
		}
	}
}
