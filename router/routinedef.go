package router

import (
	"strings"
)

// The parser reads no CREATE, ALTER or DROP of a stored function or
// trigger, and reads CREATE PROCEDURE only in part. Their heads are read
// here (routineplan.go routes them): a function must be on every shard
// where a statement may call it, a trigger on every shard that holds its
// table.

// RoutineDef is such a statement, as far as routing needs it.
type RoutineDef struct {
	Verb   string // "create", "alter" or "drop"
	Object string // "function", "procedure" or "trigger"
	Schema string // as written, "" when unqualified
	Name   string
	// Table is a CREATE TRIGGER's table.
	Table TableRef
	// Body is the text after the head: a routine's parameters and body, a
	// trigger's body.
	Body string
	// Library: CREATE FUNCTION ... SONAME, which loads a shared library
	// into the server (a UDF), not a stored function.
	Library bool
}

// defToken is a token of a definition's head: a word lower-cased, a name
// as written (backquoted, or a string), or one punctuation byte.
type defToken struct {
	word string // lower-cased; "" for names in quotes and punctuation
	name string // the identifier or string as written, unquoted
	end  int    // the offset after it
}

// readRoutineDef reads the head of sql (comments skipped: executable ones,
// which mariadb-dump writes around trigger heads, are opened before
// parsing); nil when sql is no such definition.
func readRoutineDef(sql string) *RoutineDef {
	if !isKeyword(sql, "CREATE") && !isKeyword(sql, "ALTER") && !isKeyword(sql, "DROP") && !isKeyword(sql, "SHOW") {
		return nil // most statements: no tokens read
	}
	toks := defTokens(sql, 24)
	at := 0
	word := func(ws ...string) bool {
		if at < len(toks) {
			for _, w := range ws {
				if toks[at].word == w {
					at++
					return true
				}
			}
		}
		return false
	}
	d := &RoutineDef{}
	switch {
	case word("create"):
		d.Verb = "create"
		if word("or") && !word("replace") {
			return nil
		}
		if word("definer") && !skipDefiner(toks, &at) {
			return nil
		}
		word("aggregate")
	case word("alter"):
		d.Verb = "alter"
	case word("show"):
		if !word("create") {
			return nil
		}
		d.Verb = "show"
	case word("drop"):
		d.Verb = "drop"
	default:
		return nil
	}
	if !word("function", "procedure", "trigger") {
		return nil
	}
	d.Object = toks[at-1].word
	if word("if") && (d.Verb == "create" && !word("not") || !word("exists")) {
		return nil
	}
	var ok bool
	if d.Schema, d.Name, ok = qualifiedName(toks, &at); !ok {
		return nil
	}
	if d.Object == "trigger" && d.Verb == "create" {
		if !word("before", "after") || !word("insert", "update", "delete") || !word("on") {
			return nil
		}
		if d.Table.Schema, d.Table.Name, ok = qualifiedName(toks, &at); !ok {
			return nil
		}
		if !word("for") || !word("each") || !word("row") {
			return nil
		}
		if word("follows", "precedes") {
			if _, _, ok = qualifiedName(toks, &at); !ok {
				return nil
			}
		}
	}
	if d.Object == "function" && d.Verb == "create" && at < len(toks) && toks[at].word == "returns" {
		d.Library = true // a stored function has a parameter list first
	}
	if at > 0 {
		d.Body = sql[toks[at-1].end:]
	}
	return d
}

// skipDefiner reads "= account" after DEFINER: CURRENT_USER[()],
// CURRENT_ROLE, a role, or user@host.
func skipDefiner(toks []defToken, at *int) bool {
	i := *at
	if i >= len(toks) || toks[i].name != "=" {
		return false
	}
	i++
	if i >= len(toks) || toks[i].word == "" && toks[i].name == "" {
		return false
	}
	i++
	if i+1 < len(toks) && toks[i].name == "(" && toks[i+1].name == ")" {
		i += 2 // CURRENT_USER()
	}
	if i+1 < len(toks) && toks[i].name == "@" {
		i += 2
	}
	*at = i
	return true
}

// qualifiedName reads name or schema.name.
func qualifiedName(toks []defToken, at *int) (schema, name string, ok bool) {
	i := *at
	if i >= len(toks) || toks[i].name == "" || isPunct(toks[i]) {
		return "", "", false
	}
	name = toks[i].name
	i++
	if i+1 < len(toks) && toks[i].name == "." && !isPunct(toks[i+1]) {
		schema, name = name, toks[i+1].name
		i += 2
	}
	*at = i
	return schema, name, true
}

func isPunct(t defToken) bool { return t.word == "" && len(t.name) == 1 && !isWordByte(t.name[0]) }

// defTokens reads up to max tokens of s.
func defTokens(s string, max int) []defToken {
	var toks []defToken
	for i := 0; i < len(s) && len(toks) < max; {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n':
			i++
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
		case ch == '#' || isDashComment(s[i:]):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return toks
			}
			i += end + 1
		case isQuote(ch):
			end := skipQuoted(s, i) + 1
			if end > len(s) {
				return toks // unterminated
			}
			toks = append(toks, defToken{name: strings.ReplaceAll(s[i+1:end-1], string(ch)+string(ch), string(ch)), end: end})
			i = end
		case isWordByte(ch):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, defToken{word: strings.ToLower(s[i:j]), name: s[i:j], end: j})
			i = j
		default:
			toks = append(toks, defToken{name: s[i : i+1], end: i + 1})
			i++
		}
	}
	return toks
}
