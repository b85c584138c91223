package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// The parser reads no CREATE, ALTER or DROP of a stored function or
// trigger, and reads CREATE PROCEDURE only in part. Their heads are read
// here (routineplan.go routes them): a function must be on every shard
// where a statement may call it, a trigger on every shard that holds its
// table.

// RoutineDef is such a statement, as far as routing needs it.
type RoutineDef struct {
	Verb   string // "create", "alter", "drop" or "show" (SHOW CREATE)
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
	// Aggregate: CREATE AGGREGATE FUNCTION.
	Aggregate bool
	// Definer is the DEFINER clause's account, "" when there is none or
	// it names the current user.
	Definer string
}

// readRoutineDef reads the head of sql (comments skipped: executable ones,
// which mariadb-dump writes around trigger heads, are opened before
// parsing); nil when sql is no such definition.
func readRoutineDef(sql string, m sqllex.Mode) *RoutineDef {
	if !isKeyword(sql, "CREATE") && !isKeyword(sql, "ALTER") && !isKeyword(sql, "DROP") && !isKeyword(sql, "SHOW") {
		return nil // most statements: no tokens read
	}
	if second := sqllex.Tokens(sql, m, 2); len(second) < 2 || second[1].Kind != sqllex.Word || !definitionWords[strings.ToLower(second[1].Text)] {
		return nil // SHOW WARNINGS, CREATE TABLE, ...: no more tokens read
	}
	h := &headReader{toks: sqllex.Tokens(sql, m, 40)}
	d := &RoutineDef{}
	switch {
	case h.word("create"):
		d.Verb = "create"
		if h.word("or") && !h.word("replace") {
			return nil
		}
		if h.word("definer") {
			var ok bool
			if d.Definer, ok = h.account(); !ok {
				return nil
			}
		}
		d.Aggregate = h.word("aggregate")
	case h.word("alter"):
		d.Verb = "alter"
	case h.word("show"):
		if !h.word("create") {
			return nil
		}
		d.Verb = "show"
	case h.word("drop"):
		d.Verb = "drop"
	default:
		return nil
	}
	if !h.word("function", "procedure", "trigger") {
		return nil
	}
	d.Object = strings.ToLower(h.toks[h.at-1].Text)
	if h.word("if") && (d.Verb == "create" && !h.word("not") || !h.word("exists")) {
		return nil
	}
	var ok bool
	if d.Schema, d.Name, ok = h.qualified(); !ok {
		return nil
	}
	if d.Object == "trigger" && d.Verb == "create" && !h.triggerHead(d) {
		return nil
	}
	if d.Object == "function" && d.Verb == "create" && h.at < len(h.toks) && h.toks[h.at].Is("returns") {
		d.Library = true // a stored function has a parameter list first
	}
	d.Body = sql[h.toks[h.at-1].End:]
	return d
}

// definitionWords may follow the first word of a definition's head.
var definitionWords = map[string]bool{
	"or": true, "definer": true, "aggregate": true, "function": true, "procedure": true, "trigger": true, "create": true,
}

// headReader walks the tokens of a definition's head.
type headReader struct {
	toks []sqllex.Token
	at   int
}

// word takes the next token if it is one of the words ws.
func (h *headReader) word(ws ...string) bool {
	if h.at < len(h.toks) {
		for _, w := range ws {
			if h.toks[h.at].Is(w) {
				h.at++
				return true
			}
		}
	}
	return false
}

// punct tells whether the token at i is the punctuation p.
func (h *headReader) punct(i int, p string) bool {
	return i < len(h.toks) && h.toks[i].Kind == sqllex.Punct && h.toks[i].Text == p
}

// triggerHead reads BEFORE|AFTER INSERT|UPDATE|DELETE ON table FOR EACH
// ROW [FOLLOWS|PRECEDES other].
func (h *headReader) triggerHead(d *RoutineDef) bool {
	if !h.word("before", "after") || !h.word("insert", "update", "delete") || !h.word("on") {
		return false
	}
	var ok bool
	if d.Table.Schema, d.Table.Name, ok = h.qualified(); !ok {
		return false
	}
	if !h.word("for") || !h.word("each") || !h.word("row") {
		return false
	}
	if h.word("follows", "precedes") {
		_, _, ok = h.qualified()
	}
	return ok
}

// account reads "= account" after DEFINER: CURRENT_USER[()] and
// CURRENT_ROLE give "", a role or user@host its text.
func (h *headReader) account() (string, bool) {
	if !h.punct(h.at, "=") || h.at+1 >= len(h.toks) || h.toks[h.at+1].Kind == sqllex.Punct {
		return "", false
	}
	h.at++
	who := h.toks[h.at]
	h.at++
	if h.punct(h.at, "(") && h.punct(h.at+1, ")") {
		h.at += 2 // CURRENT_USER()
	}
	if who.Kind == sqllex.Word && (who.Is("current_user") || who.Is("current_role")) {
		return "", true
	}
	account := who.Text
	if h.punct(h.at, "@") && h.at+1 < len(h.toks) {
		// The host: a quoted text, or words and dots (127.0.0.1).
		account += "@" + h.toks[h.at+1].Text
		h.at += 2
		for h.punct(h.at, ".") && h.at+1 < len(h.toks) && h.toks[h.at+1].Kind == sqllex.Word {
			account += "." + h.toks[h.at+1].Text
			h.at += 2
		}
	}
	return account, true
}

// qualified reads name or schema.name.
func (h *headReader) qualified() (schema, name string, ok bool) {
	if h.at >= len(h.toks) || !h.toks[h.at].Ident() {
		return "", "", false
	}
	name = h.toks[h.at].Text
	h.at++
	if h.punct(h.at, ".") && h.at+1 < len(h.toks) && h.toks[h.at+1].Ident() {
		schema, name = name, h.toks[h.at+1].Text
		h.at += 2
	}
	return schema, name, true
}
