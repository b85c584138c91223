// Package sqllex splits SQL text into tokens as MariaDB's lexer reads it,
// for what the parser cannot read: the heads of routine definitions and
// the stored bodies of routines, triggers and views. It knows quoting,
// comments and executable comments, nothing of the grammar.
package sqllex

import "strings"

// Kind is what a token is.
type Kind uint8

const (
	// Word is an unquoted identifier, keyword or number.
	Word Kind = iota
	// Name is a quoted identifier: backquoted, or double-quoted under
	// ANSI_QUOTES.
	Name
	// String is a string literal.
	String
	// Punct is one byte of anything else.
	Punct
)

// Token is one token of a text.
type Token struct {
	Kind Kind
	// Text is a word as written, a name's or a string's content without
	// its quotes (doubled quotes undone), or the punctuation byte.
	Text string
	// End is the offset in the text just after the token.
	End int
}

// Is tells whether t is the word kw (case-insensitive), or the
// punctuation kw.
func (t Token) Is(kw string) bool {
	return (t.Kind == Word || t.Kind == Punct) && strings.EqualFold(t.Text, kw)
}

// Ident tells whether t can name an object: a word or a quoted name.
func (t Token) Ident() bool { return t.Kind == Word || t.Kind == Name }

// Mode is what of the session's sql_mode changes the reading.
type Mode struct {
	ANSIQuotes         bool // "x" is a name, not a string
	NoBackslashEscapes bool // a backslash in a string is a plain byte
}

// allModes are the four readings a text may have, for a stored text whose
// sql_mode is not known: what any of them finds may be there.
func allModes() [4]Mode {
	return [4]Mode{{}, {ANSIQuotes: true}, {NoBackslashEscapes: true}, {ANSIQuotes: true, NoBackslashEscapes: true}}
}

// Readings tokenizes s in each of allModes.
func Readings(s string) [][]Token {
	var out [][]Token
	for _, m := range allModes() {
		out = append(out, Tokens(s, m, 0))
	}
	return out
}

// Tokens reads the tokens of s, at most max of them (0: all). Spaces and
// comments are skipped; an executable comment's markers (/*!50003 and
// /*M!100100 ... */) are skipped and its text read as code, whatever its
// version. An unterminated quote ends the reading.
func Tokens(s string, m Mode, max int) []Token {
	var toks []Token
	open := 0 // executable comments open
	for i := 0; i < len(s) && (max == 0 || len(toks) < max); {
		ch := s[i]
		switch {
		case ch <= ' ':
			i++
		case strings.HasPrefix(s[i:], "/*!") || strings.HasPrefix(s[i:], "/*M!"):
			i += strings.IndexByte(s[i:], '!') + 1
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			open++
		case open > 0 && strings.HasPrefix(s[i:], "*/"):
			i += 2
			open--
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
		case ch == '#' || IsDashComment(s[i:]):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return toks
			}
			i += end + 1
		case ch == '`' || ch == '"' || ch == '\'':
			kind := String
			if ch == '`' || ch == '"' && m.ANSIQuotes {
				kind = Name
			}
			// A backslash escapes in strings only, never in names.
			end, ok := QuoteEnd(s, i, kind == String && !m.NoBackslashEscapes)
			if !ok {
				return toks
			}
			text := strings.ReplaceAll(s[i+1:end-1], string([]byte{ch, ch}), string(ch))
			toks = append(toks, Token{Kind: kind, Text: text, End: end})
			i = end
		case IsWordByte(ch):
			j := i
			for j < len(s) && IsWordByte(s[j]) {
				j++
			}
			toks = append(toks, Token{Kind: Word, Text: s[i:j], End: j})
			i = j
		default:
			toks = append(toks, Token{Kind: Punct, Text: s[i : i+1], End: i + 1})
			i++
		}
	}
	return toks
}

// QuoteEnd returns the offset after the quoted text opening at i (a
// doubled quote stays inside; with escapes a backslash escapes the next
// byte), and false when it is not closed.
func QuoteEnd(s string, i int, escapes bool) (int, bool) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case escapes && s[j] == '\\':
			j++
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(s), false
}

// IsDashComment: "--" starts a comment when white space or a control
// character (or the end of the text) follows it, MariaDB's rule ("1--2"
// is arithmetic; checked on 10.11: --\x01, --\x0c and --\x7f start
// comments). "--" before a byte above 0x7F, read apart by character set,
// is refused (router.CheckLexable).
func IsDashComment(s string) bool {
	return strings.HasPrefix(s, "--") && (len(s) == 2 || s[2] <= ' ' || s[2] == 0x7f)
}

// IsWordByte: bytes of unquoted identifiers, keywords and numbers.
func IsWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
