package catalog

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Snapshot is what one shard said about the served schemas.
type Snapshot struct {
	Shard string
	// Err, when set, is why the shard could not be read; the rest is
	// then ignored.
	Err       error
	Schemas   []string // served databases that exist on the shard
	Tables    []*Table // their tables and views
	Functions []Named  // their stored routines that may leave state
	// Triggered are their tables with a trigger that may leave state in
	// the connection (a user variable, ...).
	Triggered []Named
	// SQLMode is the shard's global sql_mode (QuerySQLMode); nil if it
	// could not be read.
	SQLMode *string
	// Routines and Triggers are all routines, and all triggers (Named by
	// their table), with their bodies: one that calls a stateful routine
	// is stateful too (calls.go); what they reach is kept (reach.go).
	Routines, Triggers []Body
}

// Body is a routine's or a trigger's text.
type Body struct {
	Named
	Text    string
	Trigger string // a trigger's own name (Named is its table)
	Event   string // a trigger's event: INSERT, UPDATE or DELETE
	// Procedure: a stored procedure (else a function, for routines).
	Procedure bool
	// Params are a routine's parameter names.
	Params []string
	// Unreadable: the backend account may not read the body (NULL).
	Unreadable bool
}

// Named is a schema's object: a stored routine, or a table with a trigger.
type Named struct{ Schema, Name string }

// Placement returns the shards that hold a logical table: for a sharded or
// broadcast table the shards of its rule, for any other the schema's
// default shard. The first shard that has the table gives its definition;
// the others must agree.
type Placement func(schema, table string) []string

// Build makes the catalog of generation gen from the shards' snapshots.
func Build(gen uint64, snaps []Snapshot, place Placement) *Catalog {
	c := &Catalog{gen: gen, schemas: map[string]*schemaInfo{}, failed: map[string]string{}}
	byShard := map[string]map[string]*Table{}
	for _, s := range snaps {
		if s.Err != nil {
			c.failed[s.Shard] = s.Err.Error()
			continue
		}
		if s.SQLMode != nil && c.sqlMode == nil {
			c.sqlMode = s.SQLMode // the first shard's, in configuration order
		}
		for _, name := range s.Schemas {
			si := c.schema(name)
			si.shards = append(si.shards, s.Shard)
		}
		for _, f := range s.Functions {
			c.schema(f.Schema).functions[strings.ToLower(f.Name)] = true
		}
		for _, t := range s.Triggered {
			c.schema(t.Schema).triggered[strings.ToLower(t.Name)] = true
		}

		m := map[string]*Table{}
		for _, t := range s.Tables {
			m[tableKey(t.Schema, t.Name)] = t
		}
		byShard[s.Shard] = m
	}
	c.markCallers(snaps)
	c.markTimed(snaps)
	seen := map[string]bool{}
	for _, s := range snaps {
		for _, t := range s.Tables {
			k := tableKey(t.Schema, t.Name)
			if s.Err != nil || seen[k] {
				continue
			}
			seen[k] = true
			c.place(t.Schema, t.Name, byShard, place(t.Schema, t.Name))
		}
	}
	c.markTimedTables()
	c.markReach(snaps)
	sort.Slice(c.diffs, func(i, j int) bool {
		a, b := c.diffs[i], c.diffs[j]
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.Shard < b.Shard
	})
	return c
}

func (c *Catalog) schema(name string) *schemaInfo {
	k := strings.ToLower(name)
	si := c.schemas[k]
	if si == nil {
		si = &schemaInfo{name: name, tables: map[string]*Table{}, functions: map[string]bool{}, triggered: map[string]bool{}, timed: map[string]bool{}, timedFunc: map[string]bool{}, timedView: map[string]bool{},
			routineReach: map[string]*Reach{}, writeReach: map[string]*Reach{}, viewReach: map[string]*Reach{},
			procedureReach: map[string]*Reach{}, seqDefaults: map[string][]string{},
			randDefaults: map[string][]string{},
			triggerTable: map[string]string{}}
		c.schemas[k] = si
	}
	return si
}

// place records a table's definition from the first of its home shards
// that has it, and how the other homes differ.
func (c *Catalog) place(schema, name string, byShard map[string]map[string]*Table, homes []string) {
	k := tableKey(schema, name)
	var ref *Table
	var refShard string
	for _, h := range homes {
		if t := byShard[h][k]; t != nil {
			ref, refShard = t, h
			break
		}
	}
	if ref == nil {
		return // only on shards that do not hold it: not a logical table
	}
	stored := ref
	for _, h := range homes {
		if h == refShard {
			continue
		}
		m, read := byShard[h]
		if !read {
			continue // the shard could not be read: Failed says so
		}
		d := Difference{Schema: ref.Schema, Table: ref.Name, Shard: h, Reference: refShard, Detail: "missing"}
		if t := m[k]; t != nil {
			d.Detail = differs(ref, t)
			rest := differs(withoutCollations(ref), withoutCollations(t))
			d.Collations = rest == ""
			d.IndexesOnly = strings.HasPrefix(rest, indexesDiffer+" ")
			stored = mixCollations(stored, ref, t)
		}
		if d.Detail != "" {
			c.diffs = append(c.diffs, d)
		}
	}
	c.schema(schema).tables[strings.ToLower(name)] = stored
}

// mixCollations is stored (ref's definition, or a copy already made)
// with MixedCollation for each of ref's text columns whose collation t,
// another home's definition, gives otherwise; ref itself is left as the
// shard read it.
func mixCollations(stored, ref, t *Table) *Table {
	for i, col := range ref.Columns {
		j := t.ColumnIndex(col.Name)
		if j < 0 || t.Columns[j].Collation == col.Collation {
			continue
		}
		if stored == ref {
			cp := *ref
			cp.Columns = append([]Column(nil), ref.Columns...)
			stored = &cp
		}
		stored.Columns[i].Collation = MixedCollation
	}
	return stored
}

// withoutCollations is a copy of t whose columns have no collation.
func withoutCollations(t *Table) *Table {
	cp := *t
	cp.Columns = slices.Clone(t.Columns)
	for i := range cp.Columns {
		cp.Columns[i].Collation = ""
	}
	return &cp
}

func tableKey(schema, name string) string {
	return strings.ToLower(schema) + "." + strings.ToLower(name)
}

// differs describes the first difference between two definitions of a
// table ("" when they agree).
func differs(a, b *Table) string {
	if a.View != b.View {
		return "a view on one shard, a table on the other"
	}
	if len(a.Columns) != len(b.Columns) {
		return fmt.Sprintf("%d columns vs %d", len(a.Columns), len(b.Columns))
	}
	for i := range a.Columns {
		if a.Columns[i] != b.Columns[i] {
			return fmt.Sprintf("column %d: %s vs %s", i+1, a.Columns[i].describe(), b.Columns[i].describe())
		}
	}
	if !slices.EqualFunc(a.Unique, b.Unique, func(x, y Index) bool {
		return x.Name == y.Name && slices.Equal(x.Columns, y.Columns)
	}) {
		return fmt.Sprintf("unique keys %s vs %s", describeKeys(a.Unique), describeKeys(b.Unique))
	}
	if !slices.EqualFunc(a.Indexes, b.Indexes, func(x, y Index) bool {
		return x.Name == y.Name && slices.Equal(x.Columns, y.Columns)
	}) {
		return fmt.Sprintf("%s %s vs %s", indexesDiffer, describeKeys(a.Indexes), describeKeys(b.Indexes))
	}
	return ""
}

// indexesDiffer begins the detail of tables whose other keys only differ.
const indexesDiffer = "indexes"

func (c Column) describe() string {
	var b strings.Builder
	b.WriteString(c.Name + " " + c.Type)
	if c.Collation != "" {
		b.WriteString(" COLLATE " + c.Collation)
	}
	if !c.Nullable {
		b.WriteString(" NOT NULL")
	}
	if c.HasDefault {
		b.WriteString(" DEFAULT " + c.Default)
	}
	if c.AutoIncrement {
		b.WriteString(" AUTO_INCREMENT")
	}
	if c.Generated {
		b.WriteString(" GENERATED")
	}
	if c.OnUpdateNow {
		b.WriteString(" ON UPDATE CURRENT_TIMESTAMP")
	}
	if c.Invisible {
		b.WriteString(" INVISIBLE")
	}
	return b.String()
}

func describeKeys(keys []Index) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Name + "(" + strings.Join(k.Columns, ",") + ")"
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sortTables(ts []*Table) {
	sort.Slice(ts, func(i, j int) bool { return strings.ToLower(ts[i].Name) < strings.ToLower(ts[j].Name) })
}
