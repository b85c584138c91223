package sqllex

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	show := func(toks []Token) string {
		var b []string
		for _, tk := range toks {
			b = append(b, [...]string{"w", "n", "s", "p"}[tk.Kind]+":"+tk.Text)
		}
		return strings.Join(b, " ")
	}
	for _, tc := range []struct {
		sql  string
		mode Mode
		max  int
		want string
	}{
		{sql: "SELECT a.b FROM `t``x`", want: "w:SELECT w:a p:. w:b w:FROM n:t`x"},
		{sql: `SELECT 'it''s', "q", 'a\'b'`, want: `w:SELECT s:it's p:, s:q p:, s:a\'b`},
		{sql: `SELECT "q" FROM "t"`, mode: Mode{ANSIQuotes: true}, want: "w:SELECT n:q w:FROM n:t"},
		{sql: `SELECT 'a\'b' AS "x\", k`, mode: Mode{ANSIQuotes: true}, want: `w:SELECT s:a\'b w:AS n:x\ p:, w:k`},
		{sql: `SELECT CONCAT('\', x, '\') FROM t`, mode: Mode{NoBackslashEscapes: true}, want: `w:SELECT w:CONCAT p:( s:\ p:, w:x p:, s:\ p:) w:FROM w:t`},
		{sql: "a -- c\nb #d\nc /* e */ d 1--2", want: "w:a w:b w:c w:d w:1 p:- p:- w:2"},
		{sql: "/*!50003 CREATE*/ /*!50017 DEFINER=x*/ /*M!100100 TRIGGER */ t", want: "w:CREATE w:DEFINER p:= w:x w:TRIGGER w:t"},
		{sql: "a */ b", want: "w:a p:* p:/ w:b"},
		{sql: "a 'open", want: "w:a"},
		{sql: "a /* open", want: "w:a"},
		{sql: "a b c d", max: 2, want: "w:a w:b"},
	} {
		if got := show(Tokens(tc.sql, tc.mode, tc.max)); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.sql, got, tc.want)
		}
	}
	toks := Tokens("ab  'c'", Mode{}, 0)
	if toks[0].End != 2 || toks[1].End != 7 || !toks[0].Is("AB") || toks[1].Is("c") || !toks[0].Ident() || toks[1].Ident() {
		t.Errorf("ends and kinds: %+v", toks)
	}
}
