package backend

import (
	"context"
	"sort"
	"strings"
)

// Var is one session-scoped assignment as the client wrote it, kept so that
// any pooled connection can be brought to the session's state.
// Name is canonical: "NAMES", "@@session.<name>" or "@<user var>".
type Var struct {
	Name  string
	Value string // SQL text of the value
}

// State is an immutable set of session assignments; Key makes comparison cheap.
type State struct {
	vars []Var
	key  string
}

// Key identifies the state; equal keys mean equal assignments.
func (s State) Key() string { return s.key }

// Vars lists the assignments sorted by name.
func (s State) Vars() []Var { return s.vars }

// With returns the state plus (or with a new value for) the given assignments.
func (s State) With(vs ...Var) State {
	m := make(map[string]string, len(s.vars)+len(vs))
	for _, v := range s.vars {
		m[v.Name] = v.Value
	}
	for _, v := range vs {
		m[v.Name] = v.Value
	}
	return newState(m)
}

// Without returns the state without the named assignment.
func (s State) Without(name string) State {
	m := make(map[string]string, len(s.vars))
	for _, v := range s.vars {
		if v.Name != name {
			m[v.Name] = v.Value
		}
	}
	return newState(m)
}

// Get returns the value of an assignment.
func (s State) Get(name string) (string, bool) {
	for _, v := range s.vars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

func newState(m map[string]string) State {
	vars := make([]Var, 0, len(m))
	for n, v := range m {
		vars = append(vars, Var{Name: n, Value: v})
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
	var b strings.Builder
	for _, v := range vars {
		b.WriteString(v.Name)
		b.WriteByte('=')
		b.WriteString(v.Value)
		b.WriteByte(0)
	}
	return State{vars: vars, key: b.String()}
}

// defaultCharset is what every backend connection starts with.
const defaultCharset = "utf8mb4"

// resetValue is how an assignment is undone on a connection that another
// session used; resetting avoids COM_RESET_CONNECTION, which would also drop
// the connection's cached prepared statements.
func resetValue(name string) string {
	switch {
	case name == "NAMES":
		return defaultCharset
	case strings.HasPrefix(name, "@@"):
		return "DEFAULT"
	default:
		return "NULL"
	}
}

// SetStatement returns the single SET statement that turns state from into
// state to, or "" when they are equal.
func SetStatement(from, to State) string {
	if from.key == to.key {
		return ""
	}
	var parts []string
	add := func(name, value string) {
		if name == "NAMES" {
			parts = append(parts, "NAMES "+value)
			return
		}
		parts = append(parts, name+" = "+value)
	}
	// NAMES first: it resets character_set_* and collation_connection, which
	// explicit assignments after it may override again.
	if v, ok := to.Get("NAMES"); ok {
		if old, had := from.Get("NAMES"); !had || old != v {
			add("NAMES", v)
		}
	} else if _, had := from.Get("NAMES"); had {
		add("NAMES", resetValue("NAMES"))
	}
	for _, v := range from.vars {
		if v.Name == "NAMES" {
			continue
		}
		if _, ok := to.Get(v.Name); !ok {
			add(v.Name, resetValue(v.Name))
		}
	}
	for _, v := range to.vars {
		if v.Name == "NAMES" {
			continue
		}
		if old, ok := from.Get(v.Name); !ok || old != v.Value {
			add(v.Name, v.Value)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "SET " + strings.Join(parts, ", ")
}

// Sync brings the connection to the session's database and variables.
func (b *Conn) Sync(ctx context.Context, db string, st State) error {
	if db != "" && db != b.db {
		if err := b.UseDB(ctx, db); err != nil {
			return err
		}
	}
	if q := SetStatement(b.vars, st); q != "" {
		if _, err := b.Exec(ctx, q); err != nil {
			// The connection may now hold part of the assignments.
			b.broken = true
			return err
		}
	}
	b.vars = st
	return nil
}

// AppliedState is the state last applied on the connection.
func (b *Conn) AppliedState() State { return b.vars }

// NoteState records a state the connection reached by running the client's
// own SET statement.
func (b *Conn) NoteState(st State) { b.vars = st }

// NoteDB records a database the connection switched to by itself.
func (b *Conn) NoteDB(db string) { b.db = db }
