package sharding

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/xaproxy/xaproxy/conf"
)

// Rules answers where a schema's tables live.
type Rules struct {
	shards  []string
	schemas map[string]*Schema // by lower-cased name
}

// Schema is one logical database.
type Schema struct {
	Name         string
	DefaultShard string
	Tables       map[string]*Table // by lower-cased name
}

// Table is a sharded or broadcast table. Build it with New (or from a
// struct literal: the algorithm is then derived on each use); the fields
// must not be changed once the table is in use.
type Table struct {
	Name      string
	Broadcast bool
	ShardKey  string
	Algorithm string
	Shards    []string
	Ranges    []conf.Range // only for algorithm range

	keyType ColType   // as set by WithKeyType; see KeyType
	textKey bool      // as set by WithTextKey; see TextKey
	keyForm KeyForm   // as set by WithKeyForm
	algo    Algorithm // nil for broadcast tables and struct literals
	algoErr error     // why algo could not be built
}

// TableKind tells where a table's rows live.
type TableKind uint8

const (
	// Unsharded: not listed in the configuration; lives on the schema's
	// DefaultShard.
	Unsharded TableKind = iota
	// Sharded: rows spread over the table's Shards by its ShardKey.
	Sharded
	// Broadcast: a full copy on each of the table's Shards.
	Broadcast
)

func (k TableKind) String() string {
	switch k {
	case Unsharded:
		return "unsharded"
	case Sharded:
		return "sharded"
	case Broadcast:
		return "broadcast"
	}
	return fmt.Sprintf("TableKind(%d)", int(k))
}

// ErrBroadcast is returned when a broadcast table is asked for the shard
// of a key.
var ErrBroadcast = errors.New("is broadcast: each of its shards holds every row, so no key picks one shard")

// New builds the rules from a validated configuration. Rules for a table
// that validation would have refused (an unknown algorithm, bad ranges) are
// kept, and every Locate on that table reports the problem.
func New(c *conf.Config) *Rules {
	r := &Rules{schemas: map[string]*Schema{}}
	for _, sh := range c.Shards {
		r.shards = append(r.shards, sh.Name)
	}
	for _, s := range c.Schemas {
		sc := &Schema{Name: s.Name, DefaultShard: s.DefaultShard, Tables: map[string]*Table{}}
		for _, t := range s.Tables {
			sc.Tables[strings.ToLower(t.Name)] = newTable(t)
		}
		r.schemas[strings.ToLower(s.Name)] = sc
	}
	return r
}

func newTable(ct conf.Table) *Table {
	t := &Table{
		Name: ct.Name, Broadcast: ct.Broadcast, ShardKey: ct.ShardKey,
		Algorithm: ct.Algorithm, Shards: slices.Clone(ct.Shards), Ranges: cloneRanges(ct.Ranges),
	}
	t.build()
	return t
}

func cloneRanges(rs []conf.Range) []conf.Range {
	if rs == nil {
		return nil
	}
	out := make([]conf.Range, len(rs))
	for i, r := range rs {
		out[i].Shard = r.Shard
		if r.Below != nil {
			b := *r.Below
			out[i].Below = &b
		}
	}
	return out
}

func (t *Table) build() {
	if !t.Broadcast {
		t.algo, t.algoErr = t.newAlgorithm()
	}
}

func (t *Table) newAlgorithm() (Algorithm, error) {
	return newAlgorithm(t.Name, t.Algorithm, t.Shards, t.Ranges, t.KeyType() == Integer)
}

// Schema returns the named schema (case-insensitive) or nil.
func (r *Rules) Schema(name string) *Schema { return r.schemas[strings.ToLower(name)] }

// SchemaNames lists the logical schemas, sorted.
func (r *Rules) SchemaNames() []string {
	out := make([]string, 0, len(r.schemas))
	for _, s := range r.schemas {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// Shards lists every shard in config order.
func (r *Rules) Shards() []string { return r.shards }

// Colocated reports whether equal shard key values of a and b always land
// on the same shard: both are sharded with the same algorithm, key type
// (for hash, any: see below) and shard list in the same order, and, for range, the same ranges. A join or
// a transaction on equal keys of co-located tables stays on one shard.
// (Broadcast tables are never co-located in this sense.)
func (r *Rules) Colocated(a, b *Table) bool {
	if a == nil || b == nil || !a.IsSharded() || !b.IsSharded() {
		return false
	}
	if _, err := a.locator(); err != nil {
		return false
	}
	if _, err := b.locator(); err != nil {
		return false
	}
	if a.Algorithm != b.Algorithm || !slices.Equal(a.Shards, b.Shards) {
		return false
	}
	// Hash tables place rows by the unknown-type rule, which the integer
	// and decimal types refine (equal Keys wherever both give one): a
	// typed and an untyped table agree on every key they both accept.
	if a.Algorithm != conf.AlgorithmHash && a.KeyType() != b.KeyType() {
		return false
	}
	if a.Algorithm != conf.AlgorithmRange {
		return true
	}
	return slices.EqualFunc(a.Ranges, b.Ranges, func(x, y conf.Range) bool {
		return x.Shard == y.Shard && (x.Below == nil) == (y.Below == nil) && (x.Below == nil || *x.Below == *y.Below)
	})
}

// Table returns the rule for a listed table, or nil for an unsharded one.
func (s *Schema) Table(name string) *Table { return s.Tables[strings.ToLower(name)] }

// Lookup tells how a table is placed: Unsharded with a nil Table (it lives
// on DefaultShard), or Sharded or Broadcast with its rule.
func (s *Schema) Lookup(table string) (TableKind, *Table) {
	t := s.Table(table)
	switch {
	case t == nil:
		return Unsharded, nil
	case t.Broadcast:
		return Broadcast, t
	}
	return Sharded, t
}

// IsSharded reports whether rows are spread over the shards by key (as
// opposed to broadcast).
func (t *Table) IsSharded() bool { return !t.Broadcast }

// AllShards returns a copy of the table's shard list: the shards a
// broadcast table is copied to, or the shards a sharded table spans.
func (t *Table) AllShards() []string { return slices.Clone(t.Shards) }

// KeyType is the column type the table's key values are normalised with:
// Integer for mod and range, and for hash Unknown unless WithKeyType said
// otherwise.
func (t *Table) KeyType() ColType {
	switch t.Algorithm {
	case conf.AlgorithmMod, conf.AlgorithmRange:
		return Integer
	}
	return t.keyType
}

// WithKeyType returns a copy of a hash table whose key column is known to
// be of type ct. Integer and Decimal refine Unknown (see the package
// documentation), so declaring them moves no row; Integer also lets
// LocateRange enumerate small intervals. String is refused because it would
// give numeric-looking strings other Keys than the Unknown rule the table's
// rows were placed by. Mod and range tables accept only Integer, their
// fixed type.
func (t *Table) WithKeyType(ct ColType) (*Table, error) {
	switch {
	case t.Broadcast:
		return nil, fmt.Errorf("table %s %w", t.Name, ErrBroadcast)
	case t.Algorithm == conf.AlgorithmHash && ct == String:
		return nil, fmt.Errorf("sharding: table %s: a hash table's keys are placed by the unknown-type rule; declaring them string would move rows whose key looks like a number", t.Name)
	case t.Algorithm == conf.AlgorithmHash && ct > String:
		return nil, fmt.Errorf("sharding: unknown column type %v", ct)
	case t.Algorithm != conf.AlgorithmHash && ct != Integer:
		return nil, fmt.Errorf("sharding: table %s: %s sharding needs an integer key column, not %v", t.Name, t.Algorithm, ct)
	}
	return t.refined(func(c *Table) { c.keyType = ct }), nil
}

// refined returns a copy of t with what set changes, its algorithm built
// again.
func (t *Table) refined(set func(*Table)) *Table {
	c := *t
	c.Shards = slices.Clone(t.Shards)
	c.Ranges = cloneRanges(t.Ranges)
	set(&c)
	c.build()
	return &c
}

// WithTextKey returns a copy of a hash table whose key column is known to
// hold text (CHAR, VARCHAR, TEXT, ENUM, SET). Its rows stay placed by the
// unknown-type rule; TextKey tells a reader that a number compared with
// the key picks no shard: MariaDB compares such a column with a number as
// numbers, so 5 also matches '5abc' and ' 5.0', whose Keys differ (and an
// ENUM's index, not its text).
func (t *Table) WithTextKey() *Table { return t.refined(func(c *Table) { c.textKey = true }) }

// TextKey tells whether the key column is known to hold text
// (WithTextKey).
func (t *Table) TextKey() bool { return t.textKey }

// WithKeyForm returns a copy of a hash table whose key column is of a
// type xaproxy does not model (KeyForm): its rows stay placed by the
// unknown-type rule, and only keys spelt in form place a row or pick a
// shard.
func (t *Table) WithKeyForm(form KeyForm) *Table {
	return t.refined(func(c *Table) { c.keyForm = form })
}

// KeyForm is the spelling a key must have to place a row or pick a shard
// (WithKeyForm); FormAny for the modelled types.
func (t *Table) KeyForm() KeyForm { return t.keyForm }

// locator returns the table's algorithm.
func (t *Table) locator() (Algorithm, error) {
	if t.Broadcast {
		return nil, fmt.Errorf("table %s %w", t.Name, ErrBroadcast)
	}
	if t.algo != nil || t.algoErr != nil {
		return t.algo, t.algoErr
	}
	return t.newAlgorithm()
}

// Locator returns the table's algorithm, or why it has none (a broadcast
// table, or a rule validation would have refused).
func (t *Table) Locator() (Algorithm, error) { return t.locator() }

// Normalize normalises a key value with the table's KeyType.
func (t *Table) Normalize(v Value) (Key, error) { return Normalize(v, t.KeyType()) }

// Locate returns the shard holding key k.
func (t *Table) Locate(k Key) (string, error) {
	a, err := t.locator()
	if err != nil {
		return "", err
	}
	i, err := a.Locate(k)
	if err != nil {
		return "", err
	}
	return t.Shards[i], nil
}

// LocateValues normalises vals with the table's KeyType and groups them by
// shard: each shard maps to the ascending indexes into vals of the values it
// holds. It is how IN lists and multi-row INSERTs are split. The first value
// that cannot be located fails the whole call.
func (t *Table) LocateValues(vals []Value) (map[string][]int, error) {
	a, err := t.locator()
	if err != nil {
		return nil, err
	}
	out := map[string][]int{}
	for i, v := range vals {
		k, err := t.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("table %s, value %d: %w", t.Name, i+1, err)
		}
		si, err := a.Locate(k)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i+1, err)
		}
		out[t.Shards[si]] = append(out[t.Shards[si]], i)
	}
	return out, nil
}

// LocateRange returns the shards, in the table's shard order, that may hold
// keys in the interval from lo to hi (see Algorithm.LocateRange). An empty,
// non-nil result means no row can match. For integer keys a bound may be a
// decimal Key (normalise bound values with Decimal, so that "id < 100.5"
// can be pruned): it is rounded inward, as the integers in the interval
// are exactly those.
func (t *Table) LocateRange(lo, hi *Key, loIncl, hiIncl bool) ([]string, error) {
	a, err := t.locator()
	if err != nil {
		return nil, err
	}
	idx, err := a.LocateRange(lo, hi, loIncl, hiIncl)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = t.Shards[j]
	}
	return out, nil
}

// HasDistributedTables tells whether any schema has a sharded or broadcast
// table.
func (r *Rules) HasDistributedTables() bool {
	for _, s := range r.schemas {
		if len(s.Tables) > 0 {
			return true
		}
	}
	return false
}
