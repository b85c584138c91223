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
	// Random: the body calls UUID(), SYS_GUID(), RAND() without a seed,
	// RANDOM_BYTES() or SYSDATE(), reads a server's own variable
	// (@@server_id, ...), or inserts rows taking a column default that
	// does: each server has its own value, so run on every copy of a
	// broadcast table, the copies would differ.
	Random bool
	// Aggregate: a stored aggregate function (FETCH GROUP NEXT ROW), which
	// each shard would run over its own rows.
	Aggregate bool
	// Dynamic: the body prepares statements (PREPARE, EXECUTE), which the
	// proxy never sees.
	Dynamic bool
	// Unreadable: the backend account could not read a body.
	Unreadable bool
	// Session: the body reads what a connection remembers of its last
	// statements or its identity (LAST_INSERT_ID(), FOUND_ROWS(),
	// ROW_COUNT(), CONNECTION_ID(), USER() ...): the proxy keeps the
	// session's, a shard connection has its own.
	Session bool
	// Admin: the body manages the server or accounts (GRANT, KILL, SET
	// GLOBAL, FLUSH, SHUTDOWN ...), touches files (LOAD_FILE, INTO
	// OUTFILE), or begins or ends transactions or table locks, which the
	// proxy runs itself.
	Admin bool
	// InfoSchema: the body reads information_schema, which on a shard
	// describes that shard's part of the tables.
	InfoSchema bool
}

// Unknown tells whether what the body does cannot be known or stood for
// by one shard, whatever tables it names.
func (r Reach) Unknown() bool {
	return r.Aggregate || r.Dynamic || r.Unreadable || r.Session || r.Admin || r.InfoSchema
}

// Empty tells whether the body reaches nothing beyond its row.
func (r Reach) Empty() bool {
	return len(r.Tables) == 0 && !r.Writes && !r.Sequences && !r.Random && !r.Unknown()
}

// HasReach tells whether any routine, trigger, default or view of the
// catalog reaches anything.
func (c *Catalog) HasReach() bool { return c != nil && c.reaching }

// RoutineReach returns what a stored function of the schema reaches (the
// union over the shards' functions of that name).
func (c *Catalog) RoutineReach(schema, name string) Reach {
	return c.reachOf(schema, name, func(s *schemaInfo) map[string]*Reach { return s.routineReach })
}

// ProcedureReach returns what a stored procedure of the schema reaches.
func (c *Catalog) ProcedureReach(schema, name string) Reach {
	return c.reachOf(schema, name, func(s *schemaInfo) map[string]*Reach { return s.procedureReach })
}

// SequenceDefaults lists the columns of a table whose defaults call a
// sequence function (UUID_SHORT(), NEXTVAL, RAND(N)): a write that uses
// them gives each shard's own values.
func (c *Catalog) SequenceDefaults(schema, table string) []string {
	return c.defaults(schema, table, func(s *schemaInfo) map[string][]string { return s.seqDefaults })
}

// RandomDefaults lists the columns of a table whose defaults call UUID(),
// RAND(), SYS_GUID(), RANDOM_BYTES(), SYSDATE() or read a server's own
// variable: a write of a broadcast table's copies that uses them gives
// each copy its own values.
func (c *Catalog) RandomDefaults(schema, table string) []string {
	return c.defaults(schema, table, func(s *schemaInfo) map[string][]string { return s.randDefaults })
}

func (c *Catalog) defaults(schema, table string, of func(*schemaInfo) map[string][]string) []string {
	if c == nil {
		return nil
	}
	if s := c.schemas[strings.ToLower(schema)]; s != nil {
		return of(s)[strings.ToLower(table)]
	}
	return nil
}

// The events that fire triggers.
const (
	EventInsert = "insert"
	EventUpdate = "update"
	EventDelete = "delete"
)

// AllEvents are the three events.
func AllEvents() []string { return []string{EventInsert, EventUpdate, EventDelete} }

// WriteReach returns what a write to a table runs beyond its row, for the
// events the write fires: the triggers of those events; through a view,
// those of the tables it names.
func (c *Catalog) WriteReach(schema, table string, events ...string) Reach {
	var b bodyScan
	for _, e := range events {
		b.absorb(c.reachOf(schema, eventKey(table, e), func(s *schemaInfo) map[string]*Reach { return s.writeReach }))
	}
	return b.Reach
}

// eventKey is writeReach's key of a table's event.
func eventKey(table, event string) string { return strings.ToLower(table) + "\x00" + event }

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

// HasTriggers tells whether the catalog knows a trigger of the table.
func (c *Catalog) HasTriggers(schema, table string) bool {
	if c == nil {
		return false
	}
	s := c.schemas[strings.ToLower(schema)]
	if s == nil {
		return false
	}
	for _, t := range s.triggerTable {
		if strings.EqualFold(t, table) {
			return true
		}
	}
	return false
}

// BodyReach returns what a body of the schema that is not stored yet (a
// CREATE through the proxy) would reach.
func (c *Catalog) BodyReach(schema, body string) Reach {
	if c == nil {
		return Reach{}
	}
	b := newScanner(c).body(schema, body)
	c.absorbDeps(b, func(name string, procedure bool) []*Reach {
		var out []*Reach
		for _, s := range c.schemas {
			set := s.routineReach
			if procedure {
				set = s.procedureReach
			}
			if r := set[name]; r != nil {
				out = append(out, r)
			}
		}
		return out
	}, func(t Named, takesDefaults bool) []*Reach {
		r := c.WriteReach(t.Schema, t.Name, AllEvents()...)
		if takesDefaults { // a row it writes may take the table's defaults
			r.Sequences = r.Sequences || len(c.SequenceDefaults(t.Schema, t.Name)) > 0
			r.Random = r.Random || len(c.RandomDefaults(t.Schema, t.Name)) > 0
		}
		return []*Reach{&r}
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
	calls     []string // the functions it calls, lower-cased
	procCalls []string // the procedures it calls
	// takesDefaults: it inserts rows (INSERT, REPLACE, LOAD DATA) or
	// writes DEFAULT, so a row it writes may take a column's default.
	takesDefaults bool
}

// absorbDeps adds to b the reach of the functions and procedures it calls
// and, when it writes, of the triggers of the tables it names; it tells
// whether b grew.
func (c *Catalog) absorbDeps(b *bodyScan, routines func(name string, procedure bool) []*Reach, writes func(t Named, takesDefaults bool) []*Reach) bool {
	grew := false
	for i, list := range [][]string{b.calls, b.procCalls} {
		for _, callee := range list {
			for _, r := range routines(callee, i == 1) {
				grew = b.absorb(*r) || grew
			}
		}
	}
	if b.Writes {
		for i := 0; i < len(b.Tables); i++ { // absorb may add tables
			for _, r := range writes(b.Tables[i], b.takesDefaults) {
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
		{&b.Writes, o.Writes}, {&b.Sequences, o.Sequences}, {&b.Random, o.Random}, {&b.Aggregate, o.Aggregate},
		{&b.Dynamic, o.Dynamic}, {&b.Unreadable, o.Unreadable}, {&b.Session, o.Session},
		{&b.Admin, o.Admin}, {&b.InfoSchema, o.InfoSchema},
	} {
		if f.from && !*f.to {
			*f.to, grew = true, true
		}
	}
	return grew
}
