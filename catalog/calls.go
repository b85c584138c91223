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

// callsAny tells whether body calls one of names (lower-cased): a name
// followed by '(', or named by CALL, outside string literals and comments.
func callsAny(body string, names map[string]bool) bool {
	if len(names) == 0 {
		return false
	}
	for _, toks := range readings(body) {
		funcs, procs := calledIn(toks)
		for _, c := range append(funcs, procs...) {
			if names[c] {
				return true
			}
		}
	}
	return false
}
