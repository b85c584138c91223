package catalog

import "strings"

// A routine or a trigger that only calls a stateful routine leaves the
// same state as that routine does: f() { RETURN fx(); } where fx() sets a
// user variable. The catalog lists the callers as stateful too, to the
// fixed point (a caller of a caller). Calls are found by name, whatever
// the schema that qualifies them, so an unrelated routine of the same
// name in another schema only keeps more connections than needed.

// markCallers marks the routines and triggers of the readable snapshots
// that call a stateful routine.
func (c *Catalog) markCallers(snaps []Snapshot) {
	stateful := map[string]bool{}
	for _, si := range c.schemas {
		for name := range si.functions {
			stateful[name] = true
		}
	}
	var routines, triggers []Body
	for _, s := range snaps {
		if s.Err == nil {
			routines = append(routines, s.Routines...)
			triggers = append(triggers, s.Triggers...)
		}
	}
	for changed := len(stateful) > 0; changed; {
		changed = false
		for _, r := range routines {
			name := strings.ToLower(r.Name)
			if !stateful[name] && callsAny(r.Text, stateful) {
				stateful[name] = true
				c.schema(r.Schema).functions[name] = true
				changed = true
			}
		}
	}
	for _, t := range triggers {
		if callsAny(t.Text, stateful) {
			c.schema(t.Schema).triggered[strings.ToLower(t.Name)] = true
		}
	}
}

// callsAny tells whether body calls one of names (lower-cased): a word
// followed by '(', or named by CALL, outside string literals.
func callsAny(body string, names map[string]bool) bool {
	if len(names) == 0 {
		return false
	}
	prev := ""
	for i := 0; i < len(body); {
		ch := body[i]
		switch {
		case ch == '\'' || ch == '"':
			i = skipString(body, i)
			prev = ""
			continue
		case ch == '`' || isWordByte(ch):
			word, end := readName(body, i)
			next := strings.TrimLeft(body[end:], " \t\r\n")
			if names[word] && (strings.HasPrefix(next, "(") || prev == "call") {
				return true
			}
			if prev != "call" || !strings.HasPrefix(next, ".") {
				prev = word // CALL db.p keeps "call" past the schema
			}
			i = end
			continue
		}
		if ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' && ch != '.' {
			prev = ""
		}
		i++
	}
	return false
}

// readName reads the identifier at i (backquoted or not), lower-cased.
func readName(s string, i int) (string, int) {
	if s[i] == '`' {
		end := strings.IndexByte(s[i+1:], '`')
		if end < 0 {
			return strings.ToLower(s[i+1:]), len(s)
		}
		return strings.ToLower(s[i+1 : i+1+end]), i + end + 2
	}
	j := i
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	return strings.ToLower(s[i:j]), j
}

// skipString returns the index after the literal opening at i.
func skipString(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\':
			j++
		case s[j] == q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
