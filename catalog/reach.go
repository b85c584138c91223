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

// Reach is what a routine's or a trigger's body may reach beyond its own
// row, with the routines it calls (to the fixed point, by name whatever
// the schema, as markCallers does).
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
}

// writeWords begin or mark the statements that may write a table.
var writeWords = map[string]bool{
	"insert": true, "update": true, "delete": true, "replace": true, "truncate": true,
	"alter": true, "drop": true, "create": true, "rename": true, "load": true,
}

// RoutineReach returns what a stored function or procedure of the schema
// reaches (the union over the shards' routines of that name).
func (c *Catalog) RoutineReach(schema, name string) Reach {
	return c.reachOf(schema, name, func(s *schemaInfo) map[string]*Reach { return s.routineReach })
}

// WriteReach returns what a write to a table runs beyond its row: its
// triggers, and its column defaults (which name no table, but may call a
// sequence function).
func (c *Catalog) WriteReach(schema, table string) Reach {
	return c.reachOf(schema, table, func(s *schemaInfo) map[string]*Reach { return s.writeReach })
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
// CREATE through the proxy) would reach, with the routines it calls.
func (c *Catalog) BodyReach(schema, body string) Reach {
	if c == nil {
		return Reach{}
	}
	b := c.scanBody(schema, body)
	for _, callee := range b.calls {
		for _, s := range c.schemas {
			if r := s.routineReach[callee]; r != nil {
				b.absorb(*r)
			}
		}
	}
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

// bodyScan is what one body says directly.
type bodyScan struct {
	Reach
	calls []string // the routines it calls, lower-cased
}

// markReach records what every routine and trigger body reaches; after
// the tables are placed, so that names resolve.
func (c *Catalog) markReach(snaps []Snapshot) {
	type routine struct {
		schema, name string
		scan         *bodyScan
	}
	var routines []routine
	byName := map[string][]*bodyScan{}
	var triggers []routine
	for _, s := range snaps {
		if s.Err != nil {
			continue
		}
		for _, r := range s.Routines {
			b := c.scanBody(r.Schema, r.Text)
			routines = append(routines, routine{r.Schema, strings.ToLower(r.Name), b})
			byName[strings.ToLower(r.Name)] = append(byName[strings.ToLower(r.Name)], b)
		}
		for _, t := range s.Triggers {
			triggers = append(triggers, routine{t.Schema, strings.ToLower(t.Name), c.scanBody(t.Schema, t.Text)})
			if t.Trigger != "" {
				c.schema(t.Schema).triggerTable[strings.ToLower(t.Trigger)] = t.Name
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, r := range routines {
			for _, callee := range r.scan.calls {
				for _, b := range byName[callee] {
					changed = r.scan.absorb(b.Reach) || changed
				}
			}
		}
	}
	for _, r := range routines {
		addReach(c.schema(r.schema).routineReach, r.name, r.scan.Reach)
	}
	for _, t := range triggers {
		for _, callee := range t.scan.calls {
			for _, b := range byName[callee] {
				t.scan.absorb(b.Reach)
			}
		}
		addReach(c.schema(t.schema).writeReach, t.name, t.scan.Reach)
	}
	for _, si := range c.schemas {
		for name, t := range si.tables {
			for _, col := range t.Columns {
				if col.HasDefault && scanWords(bodyTokens(col.Default)).Sequences {
					addReach(si.writeReach, name, Reach{Sequences: true})
				}
			}
		}
	}
}

// addReach merges r into the set's entry for name; an empty reach is not
// kept.
func addReach(set map[string]*Reach, name string, r Reach) {
	if len(r.Tables) == 0 && !r.Writes && !r.Sequences {
		return
	}
	if set[name] == nil {
		set[name] = &Reach{}
	}
	b := bodyScan{Reach: *set[name]}
	b.absorb(r)
	*set[name] = b.Reach
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
	if o.Writes && !b.Writes || o.Sequences && !b.Sequences {
		grew = true
	}
	b.Writes = b.Writes || o.Writes
	b.Sequences = b.Sequences || o.Sequences
	return grew
}

// scanBody reads a body of schema: the tables it names that the catalog
// knows (a name qualified or not; a column or variable spelt like a table
// counts too, which only refuses more than needed), its writes, sequence
// functions and calls.
func (c *Catalog) scanBody(schema, body string) *bodyScan {
	toks := bodyTokens(body)
	b := scanWords(toks)
	for i, w := range toks {
		if !isWordToken(w) || tokenAt(toks, i-1) == "." {
			continue // a name after its qualifier is read with it
		}
		if q := tokenAt(toks, i+2); tokenAt(toks, i+1) == "." && isWordToken(q) {
			c.addNamed(b, unquote(w), unquote(q), 0)
		} else {
			c.addNamed(b, schema, unquote(w), 0)
		}
	}
	return b
}

// scanWords finds the writes, the sequence functions and the calls of a
// body's tokens.
func scanWords(toks []string) *bodyScan {
	b := &bodyScan{}
	for i, w := range toks {
		if !isWordToken(w) {
			continue
		}
		next, prev := tokenAt(toks, i+1), tokenAt(toks, i-1)
		switch {
		case writeWords[w]:
			b.Writes = true
		case (w == "uuid_short" || w == "nextval" || w == "setval") && next == "(",
			w == "value" && prev == "next",
			w == "rand" && next == "(" && tokenAt(toks, i+2) != ")":
			b.Sequences = true
		}
		switch {
		case next == "(" || prev == "call" && next != ".":
			b.calls = append(b.calls, unquote(w))
		case prev == "." && tokenAt(toks, i-3) == "call":
			b.calls = append(b.calls, unquote(w)) // CALL db.p
		}
	}
	return b
}

// addNamed adds the table schema.name if the catalog knows it: a view by
// the tables its definition reads.
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
}

// scanView reads a view's definition (names fully qualified there).
func (c *Catalog) scanView(t *Table, depth int) *bodyScan {
	toks := bodyTokens(t.Definition)
	b := &bodyScan{}
	b.Sequences = scanWords(toks).Sequences
	for i, w := range toks {
		if q := tokenAt(toks, i+2); isWordToken(w) && tokenAt(toks, i-1) != "." && tokenAt(toks, i+1) == "." && isWordToken(q) {
			c.addNamed(b, unquote(w), unquote(q), depth+1)
		}
	}
	return b
}

// bodyTokens splits SQL text into lower-cased words (backquoted names
// included) and single punctuation bytes; string literals become one "'"
// token, comments and spaces nothing.
func bodyTokens(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == '\'' || ch == '"':
			i = skipString(s, i)
			toks = append(toks, "'")
		case ch == '`' || isWordByte(ch):
			w, end := readName(s, i)
			if ch == '`' {
				w = "`" + w // a name, never a keyword
			}
			toks = append(toks, w)
			i = end
		case ch == '#' || ch == '-' && strings.HasPrefix(s[i:], "-- "):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return toks
			}
			i += end + 1
		case ch == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return toks
			}
			i += end + 4
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n':
			i++
		default:
			toks = append(toks, s[i:i+1])
			i++
		}
	}
	return toks
}

// isWordToken tells a word token from punctuation and strings.
func isWordToken(t string) bool { return t != "" && (t[0] == '`' || isWordByte(t[0])) }

// tokenAt returns toks[i], "" outside.
func tokenAt(toks []string, i int) string {
	if i < 0 || i >= len(toks) {
		return ""
	}
	return toks[i]
}

// unquote drops the mark of a backquoted name token.
func unquote(t string) string { return strings.TrimPrefix(t, "`") }
