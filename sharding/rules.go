// Package sharding holds the shard rules from the configuration: which
// tables are sharded, by which column and algorithm, and where unsharded
// and broadcast tables live. Pure code, no I/O.
package sharding

import (
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

// Table is a sharded or broadcast table.
type Table struct {
	Name      string
	Broadcast bool
	ShardKey  string
	Algorithm string
	Shards    []string
}

// New builds the rules from a validated configuration.
func New(c *conf.Config) *Rules {
	r := &Rules{schemas: map[string]*Schema{}}
	for _, sh := range c.Shards {
		r.shards = append(r.shards, sh.Name)
	}
	for _, s := range c.Schemas {
		sc := &Schema{Name: s.Name, DefaultShard: s.DefaultShard, Tables: map[string]*Table{}}
		for _, t := range s.Tables {
			sc.Tables[strings.ToLower(t.Name)] = &Table{
				Name: t.Name, Broadcast: t.Broadcast, ShardKey: t.ShardKey,
				Algorithm: t.Algorithm, Shards: append([]string(nil), t.Shards...),
			}
		}
		r.schemas[strings.ToLower(s.Name)] = sc
	}
	return r
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

// Table returns the rule for a listed table, or nil for an unsharded one.
func (s *Schema) Table(name string) *Table { return s.Tables[strings.ToLower(name)] }
