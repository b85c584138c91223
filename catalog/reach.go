package catalog

import (
	"slices"
	"strings"
)

// A stored routine or a trigger runs on the shard of the statement that
// calls it, and sees that shard's tables only: a function that reads a
// sharded table there reads that shard's part of it, one that writes a
// broadcast table writes one copy. One MariaDB holds every row. The
// catalog records what each body reaches, so that the router can refuse
// the statements that would run such a body (router/routines.go).

// Reach is what a body may reach beyond its own row: with the routines it
// calls, the views it names and the triggers of the tables it writes, to
// the fixed point (routines by name whatever the schema, as markCallers
// does).
type Reach struct {
	// Tables are the tables the body names (views stand for the tables
	// their definitions read), in the order found.
	Tables []Named
	// Writes: the body has a statement that may write a table (INSERT,
	// UPDATE, ..., also ON DUPLICATE KEY UPDATE or FOR UPDATE, which only
	// refuses more than needed).
	Writes bool
	// Sequences: the body calls UUID_SHORT(), NEXTVAL, SETVAL, NEXT VALUE
	// FOR or RAND with an argument, which give each server's own values.
	Sequences bool
	// Aggregate: a stored aggregate function (FETCH GROUP NEXT ROW), which
	// each shard would run over its own rows.
	Aggregate bool
	// Dynamic: the body prepares statements (PREPARE, EXECUTE), which the
	// proxy never sees.
	Dynamic bool
	// Unreadable: the backend account could not read a body.
	Unreadable bool
}

// Unknown tells whether what the body does cannot be known or stood for
// by one shard, whatever tables it names.
func (r Reach) Unknown() bool { return r.Aggregate || r.Dynamic || r.Unreadable }

// writeWords begin or mark the statements that may write a table.
var writeWords = map[string]bool{
	"insert": true, "update": true, "delete": true, "replace": true, "truncate": true,
	"alter": true, "drop": true, "create": true, "rename": true, "load": true,
}

// HasReach tells whether any routine, trigger, default or view of the
// catalog reaches anything.
func (c *Catalog) HasReach() bool { return c != nil && c.reaching }

// RoutineReach returns what a stored function or procedure of the schema
// reaches (the union over the shards' routines of that name).
func (c *Catalog) RoutineReach(schema, name string) Reach {
	return c.reachOf(schema, name, func(s *schemaInfo) map[string]*Reach { return s.routineReach })
}

// WriteReach returns what a write to a table runs beyond its row: its
// triggers, and its column defaults (which name no table, but may call a
// sequence function); through a view, those of the tables it names.
func (c *Catalog) WriteReach(schema, table string) Reach {
	return c.reachOf(schema, table, func(s *schemaInfo) map[string]*Reach { return s.writeReach })
}

// ViewReach returns what reading a view runs beyond its tables (which the
// router routes itself): the routines its definition calls.
func (c *Catalog) ViewReach(schema, view string) Reach {
	return c.reachOf(schema, view, func(s *schemaInfo) map[string]*Reach { return s.viewReach })
}

// TriggerTable returns the table of the schema's trigger of that name,
// "" when the catalog knows none.
func (c *Catalog) TriggerTable(schema, trigger string) string {
	if c == nil {
		return ""
	}
	if s := c.schemas[strings.ToLower(schema)]; s != nil {
		return s.triggerTable[strings.ToLower(trigger)]
	}
	return ""
}

// BodyReach returns what a body of the schema that is not stored yet (a
// CREATE through the proxy) would reach.
func (c *Catalog) BodyReach(schema, body string) Reach {
	if c == nil {
		return Reach{}
	}
	b := c.scanBody(schema, body)
	c.absorbDeps(b, func(name string) []*Reach {
		var out []*Reach
		for _, s := range c.schemas {
			if r := s.routineReach[name]; r != nil {
				out = append(out, r)
			}
		}
		return out
	}, func(t Named) []*Reach {
		if r := c.schema(t.Schema).writeReach[strings.ToLower(t.Name)]; r != nil {
			return []*Reach{r}
		}
		return nil
	})
	return b.Reach
}

func (c *Catalog) reachOf(schema, name string, set func(*schemaInfo) map[string]*Reach) Reach {
	if c == nil {
		return Reach{}
	}
	s := c.schemas[strings.ToLower(schema)]
	if s == nil {
		return Reach{}
	}
	if r := set(s)[strings.ToLower(name)]; r != nil {
		return *r
	}
	return Reach{}
}

// bodyScan is what one body says, and what it calls.
type bodyScan struct {
	Reach
	calls []string // the routines it calls, lower-cased
}

// absorbDeps adds to b the reach of the routines it calls and, when it
// writes, of the triggers of the tables it names; it tells whether b grew.
func (c *Catalog) absorbDeps(b *bodyScan, routines func(string) []*Reach, writes func(Named) []*Reach) bool {
	grew := false
	for _, callee := range b.calls {
		for _, r := range routines(callee) {
			grew = b.absorb(*r) || grew
		}
	}
	if b.Writes {
		for i := 0; i < len(b.Tables); i++ { // absorb may add tables
			for _, r := range writes(b.Tables[i]) {
				grew = b.absorb(*r) || grew
			}
		}
	}
	return grew
}

// absorb adds o to b and tells whether b grew.
func (b *bodyScan) absorb(o Reach) bool {
	grew := false
	for _, t := range o.Tables {
		if !slices.Contains(b.Tables, t) {
			b.Tables = append(b.Tables, t)
			grew = true
		}
	}
	for _, f := range []struct {
		to   *bool
		from bool
	}{
		{&b.Writes, o.Writes}, {&b.Sequences, o.Sequences}, {&b.Aggregate, o.Aggregate},
		{&b.Dynamic, o.Dynamic}, {&b.Unreadable, o.Unreadable},
	} {
		if f.from && !*f.to {
			*f.to, grew = true, true
		}
	}
	return grew
}

// scanBody reads a body of schema: the tables it names that the catalog
// knows (a name qualified or not; a column or variable spelt like a table
// counts too, which only refuses more than needed), its writes, sequence
// functions and calls. It is read with and without backslash escapes,
// with double quotes as names: whatever the sql_mode it was stored under.
func (c *Catalog) scanBody(schema, body string) *bodyScan {
	b := &bodyScan{}
	for _, toks := range readings(body) {
		b.absorbWords(toks)
		for i, t := range toks {
			if !t.Ident() || tokenAt(toks, i-1).Is(".") {
				continue // a name after its qualifier is read with it
			}
			if q := tokenAt(toks, i+2); tokenAt(toks, i+1).Is(".") && q.Ident() {
				c.addNamed(b, t.Text, q.Text, 0)
			} else {
				c.addNamed(b, schema, t.Text, 0)
			}
		}
	}
	return b
}

// addNamed adds the table schema.name if the catalog knows it: a view by
// the tables its definition reads and the routines it calls.
func (c *Catalog) addNamed(b *bodyScan, schema, name string, depth int) {
	t := c.Table(schema, name)
	if t == nil {
		return
	}
	if !t.View {
		b.absorb(Reach{Tables: []Named{{Schema: t.Schema, Name: t.Name}}})
		return
	}
	if depth > 8 {
		return // views of views this deep: MariaDB refuses far sooner
	}
	v := c.scanView(t, depth)
	b.absorb(v.Reach)
	b.calls = append(b.calls, v.calls...)
}

// scanView reads a view's definition (names fully qualified there): the
// tables it reads, the routines it calls, its sequence functions.
func (c *Catalog) scanView(t *Table, depth int) *bodyScan {
	b := &bodyScan{}
	for _, toks := range readings(t.Definition) {
		w := scanWords(toks)
		b.Sequences, b.calls = b.Sequences || w.Sequences, append(b.calls, w.calls...)
		for i, tk := range toks {
			if q := tokenAt(toks, i+2); tk.Ident() && !tokenAt(toks, i-1).Is(".") && tokenAt(toks, i+1).Is(".") && q.Ident() {
				c.addNamed(b, tk.Text, q.Text, depth+1)
			}
		}
	}
	return b
}

// absorbWords adds what scanWords finds.
func (b *bodyScan) absorbWords(toks []token) {
	w := scanWords(toks)
	b.absorb(w.Reach)
	b.calls = append(b.calls, w.calls...)
}

// scanWords finds the writes, sequence functions, aggregate and dynamic
// statements, and the calls of a body's tokens.
func scanWords(toks []token) *bodyScan {
	b := &bodyScan{}
	for i, t := range toks {
		if t.Kind == wordToken {
			w := strings.ToLower(t.Text)
			next, prev := tokenAt(toks, i+1), tokenAt(toks, i-1)
			switch {
			case writeWords[w]:
				b.Writes = true
			case w == "prepare" || w == "execute":
				b.Dynamic = true
			case (w == "uuid_short" || w == "nextval" || w == "setval") && next.Is("("),
				w == "value" && prev.Is("next"),
				w == "rand" && next.Is("(") && !tokenAt(toks, i+2).Is(")"):
				b.Sequences = true
			case w == "fetch" && next.Is("group") && tokenAt(toks, i+2).Is("next"):
				b.Aggregate = true
			}
		}
	}
	b.calls = calledIn(toks)
	return b
}

// calledIn lists the routines toks call, lower-cased: a name followed by
// '(' (builtins too, which name no routine), or named by CALL (also CALL
// db.p).
func calledIn(toks []token) []string {
	var calls []string
	for i, t := range toks {
		if !t.Ident() {
			continue
		}
		prev := tokenAt(toks, i-1)
		if tokenAt(toks, i+1).Is("(") || prev.Is("call") && !tokenAt(toks, i+1).Is(".") ||
			prev.Is(".") && tokenAt(toks, i-3).Is("call") {
			calls = append(calls, strings.ToLower(t.Text))
		}
	}
	return calls
}
