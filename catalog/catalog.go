// Package catalog holds what the shards say about the logical tables: their
// columns in order, types, nullability, defaults, AUTO_INCREMENT, primary
// and unique keys. The router resolves what MariaDB resolves with table
// definitions (column-less INSERT, unqualified column names, generated ids)
// against it.
//
// A Catalog is immutable: it is built from shard snapshots (Build) by the
// proxy, which swaps in a new one after DDL and when a shard says a table
// or column is unknown. The package does no I/O.
package catalog

import (
	"slices"
	"strings"
)

// Column is one column of a table.
type Column struct {
	Name     string
	Type     string // COLUMN_TYPE as information_schema gives it, e.g. "int(11) unsigned"
	Nullable bool
	// Default is COLUMN_DEFAULT as MariaDB 10.2+ reports it: an expression
	// ('text' quoted, NULL as "NULL"); HasDefault is false where the column
	// has none.
	Default       string
	HasDefault    bool
	AutoIncrement bool
	Generated     bool // VIRTUAL or PERSISTENT/STORED: no value may be inserted
	Virtual       bool // VIRTUAL: computed when read, not stored
	OnUpdateNow   bool // ON UPDATE CURRENT_TIMESTAMP
	// Invisible: INVISIBLE, left out of SELECT * and of an INSERT or LOAD
	// DATA without a column list.
	Invisible bool
	// Collation is COLLATION_NAME in lower case: "" for a column that is
	// not text (numbers, dates, binary strings) or when not read;
	// MixedCollation where the table's home shards disagree.
	Collation string
}

// MixedCollation is the Collation of a column whose home shards give it
// different collations: each shard compares its text in its own, so no
// one collation describes it (a merge over them must not assume the
// first shard's).
const MixedCollation = "(differs between shards)"

// Index is a key of a table: its name and columns.
type Index struct {
	Name    string // "PRIMARY" for the primary key
	Columns []string
}

// Table is a logical table's definition.
type Table struct {
	Schema string
	Name   string
	View   bool
	// Definition is a view's SELECT as information_schema.VIEWS gives
	// it (names fully qualified, columns aliased); "" for tables.
	Definition string
	// Engine is the table's storage engine as the shard names it
	// ("InnoDB", "Aria"); "" for views and where unread.
	Engine  string
	Columns []Column
	Unique  []Index // PRIMARY first, then the unique keys by name
	// Indexes are the other keys, by name: only compared between shards
	// (SHOW CREATE TABLE, SHOW INDEX and index hints name them).
	Indexes []Index
}

// ColumnIndex returns the position of the named column (case-insensitive,
// as MariaDB compares column names), or -1.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Positional returns the columns SELECT *, and an INSERT or LOAD DATA
// without a column list, give or take, in order: all but the INVISIBLE.
func (t *Table) Positional() []Column {
	out := make([]Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if !c.Invisible {
			out = append(out, c)
		}
	}
	return out
}

// PositionOf returns the named column's position among Positional(), or
// -1 (no such column, or an INVISIBLE one).
func (t *Table) PositionOf(name string) int {
	return slices.IndexFunc(t.Positional(), func(c Column) bool { return strings.EqualFold(c.Name, name) })
}

// HasColumn reports whether the table has the named column.
func (t *Table) HasColumn(name string) bool { return t.ColumnIndex(name) >= 0 }

// AutoIncrement returns the position of the AUTO_INCREMENT column, or -1.
func (t *Table) AutoIncrement() int {
	for i, c := range t.Columns {
		if c.AutoIncrement {
			return i
		}
	}
	return -1
}

// PrimaryKey returns the primary key's columns (nil if there is none).
func (t *Table) PrimaryKey() []string {
	if len(t.Unique) > 0 && t.Unique[0].Name == "PRIMARY" {
		return t.Unique[0].Columns
	}
	return nil
}

// Difference is a table whose definition differs between the shards that
// should hold it alike, or is missing on one of them.
type Difference struct {
	Schema, Table string
	Shard         string // the shard that differs from the reference
	Reference     string // the shard whose definition the catalog keeps
	Detail        string // what differs, e.g. "column 3: c varchar(10) vs c varchar(20)"
	// Collations: only text columns' collations differ, which merges
	// allow for (MixedCollation); any other difference changes answers.
	Collations bool
	// IndexesOnly: only keys that are not unique differ, which changes
	// the answers of statements that show or name them (Diverged), not
	// the rows.
	IndexesOnly bool
}

// Catalog is the immutable set of logical tables of the served schemas.
type Catalog struct {
	gen     uint64
	schemas map[string]*schemaInfo // by lower-cased name
	diffs   []Difference
	failed  map[string]string // shards that could not be read: why
	sqlMode *string           // the shards' global sql_mode; nil: not read
	// reaching: some routine, trigger, default or view reaches beyond its
	// row (reach.go); false spares every statement the lookups.
	reaching bool
}

type schemaInfo struct {
	name      string
	shards    []string          // shards where the database exists
	tables    map[string]*Table // by lower-cased name
	functions map[string]bool   // stateful routines, by lower-cased name (on any shard)
	triggered map[string]bool   // tables with a trigger that may leave state, lower-cased
	timed     map[string]bool   // tables whose defaults, ON UPDATE columns or triggers may read the statement's time, lower-cased
	timedFunc map[string]bool   // routines that may read it, lower-cased
	timedView map[string]bool   // views whose definitions read it, lower-cased
	// routineReach and writeReach: what routines (by name) and writes to
	// tables (their triggers and defaults, by table) reach beyond their
	// row (reach.go).
	routineReach, writeReach map[string]*Reach
	viewReach                map[string]*Reach   // what reading a view runs: the routines it calls
	procedureReach           map[string]*Reach   // procedures, apart from functions (routineReach)
	seqDefaults              map[string][]string // a table's columns whose defaults call a sequence function
	randDefaults             map[string][]string // a table's columns whose defaults call UUID(), RAND(), ...
	triggerTable             map[string]string   // a trigger's table, by trigger name lower-cased
}

// Gen is the catalog's generation: each Build gets a larger one, so that
// plans made against an older catalog can be recognised.
func (c *Catalog) Gen() uint64 {
	if c == nil {
		return 0
	}
	return c.gen
}

// Table returns the named table, or nil when the catalog does not know it
// (or is nil: not loaded yet).
func (c *Catalog) Table(schema, name string) *Table {
	if c == nil {
		return nil
	}
	s := c.schemas[strings.ToLower(schema)]
	if s == nil {
		return nil
	}
	return s.tables[strings.ToLower(name)]
}

// StatefulRoutine tells whether the schema has, on some shard, a stored
// function or procedure of that name whose body may leave state in its
// connection (catalog/read.go).
func (c *Catalog) StatefulRoutine(schema, name string) bool {
	return c.marked(schema, name, func(s *schemaInfo) map[string]bool { return s.functions })
}

// StatefulTrigger tells whether a write to the table runs a trigger that
// may leave state in its connection (on some shard).
func (c *Catalog) StatefulTrigger(schema, table string) bool {
	return c.marked(schema, table, func(s *schemaInfo) map[string]bool { return s.triggered })
}

// WritesStatementTime tells whether a write to the table may store the
// statement's time without naming it: a column whose default is the
// current time (or an expression of it) or that ON UPDATE CURRENT_TIMESTAMP
// sets, or a trigger that may read it (statementtime.go).
func (c *Catalog) WritesStatementTime(schema, table string) bool {
	return c.marked(schema, table, func(s *schemaInfo) map[string]bool { return s.timed })
}

// ViewReadsStatementTime tells whether the named view's definition names a
// function of the statement's time (statementtime.go).
func (c *Catalog) ViewReadsStatementTime(schema, view string) bool {
	return c.marked(schema, view, func(s *schemaInfo) map[string]bool { return s.timedView })
}

// ReadsStatementTime tells whether the schema has, on some shard, a stored
// routine of that name that may read the statement's time
// (statementtime.go).
func (c *Catalog) ReadsStatementTime(schema, routine string) bool {
	return c.marked(schema, routine, func(s *schemaInfo) map[string]bool { return s.timedFunc })
}

// marked tells whether name (case-insensitive) is in the schema's set;
// false in a nil catalog (not loaded yet) or for a schema it does not know.
func (c *Catalog) marked(schema, name string, set func(*schemaInfo) map[string]bool) bool {
	if c == nil {
		return false
	}
	s := c.schemas[strings.ToLower(schema)]
	return s != nil && set(s)[strings.ToLower(name)]
}

// SchemaShards returns the shards where the schema's database exists, and
// whether the catalog read the schema at all.
func (c *Catalog) SchemaShards(schema string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	s, ok := c.schemas[strings.ToLower(schema)]
	if !ok {
		return nil, false
	}
	return s.shards, true
}

// Tables lists the tables of a schema in name order.
func (c *Catalog) Tables(schema string) []*Table {
	if c == nil {
		return nil
	}
	s := c.schemas[strings.ToLower(schema)]
	if s == nil {
		return nil
	}
	out := make([]*Table, 0, len(s.tables))
	for _, t := range s.tables {
		out = append(out, t)
	}
	sortTables(out)
	return out
}

// SQLMode is the global sql_mode of the shards (the first one read, in
// configuration order): what a session's sql_mode is until it sets one.
// false: no shard's could be read.
func (c *Catalog) SQLMode() (string, bool) {
	if c == nil || c.sqlMode == nil {
		return "", false
	}
	return *c.sqlMode, true
}

// Differences lists the tables whose shards disagree, by schema and table.
func (c *Catalog) Differences() []Difference {
	if c == nil {
		return nil
	}
	return c.diffs
}

// Diverged returns how the shards of a table differ in more than
// collations (a DDL through the proxy that failed on some of them, or a
// change made on the shards directly): statements on it would answer
// from one shard's definition. ok is false where they agree.
// One of more than IndexesOnly comes first.
func (c *Catalog) Diverged(schema, table string) (d Difference, ok bool) {
	if c == nil {
		return Difference{}, false
	}
	for _, x := range c.diffs {
		if x.Collations || !strings.EqualFold(x.Schema, schema) || !strings.EqualFold(x.Table, table) {
			continue
		}
		if !ok || d.IndexesOnly {
			d, ok = x, true
		}
	}
	return d, ok
}

// Failed lists the shards that could not be read when the catalog was
// built, with the reason.
func (c *Catalog) Failed() map[string]string {
	if c == nil {
		return nil
	}
	return c.failed
}
