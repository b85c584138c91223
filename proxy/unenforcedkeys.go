package proxy

import (
	"slices"
	"strings"

	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// A UNIQUE key of a sharded table without the shard key is checked by each
// shard over its own rows only: two rows with the same value on different
// shards are both accepted, where one MariaDB refuses the second with 1062
// (README, "Known limits"). The proxy says so in its log at each catalog
// load, so that an operator sees which keys it concerns.

// unenforcedKey is such a key.
type unenforcedKey struct{ schema, table, key, shardKey string }

// unenforcedKeys lists the unique keys of the sharded tables of rules that
// lack their table's shard key.
func unenforcedKeys(rules *sharding.Rules, c *catalog.Catalog) []unenforcedKey {
	var out []unenforcedKey
	for _, name := range rules.SchemaNames() {
		sc := rules.Schema(name)
		for _, t := range c.Tables(name) {
			kind, rule := sc.Lookup(t.Name)
			if kind != sharding.Sharded || t.View {
				continue
			}
			for _, k := range t.Unique {
				if !slices.ContainsFunc(k.Columns, func(col string) bool { return strings.EqualFold(col, rule.ShardKey) }) {
					out = append(out, unenforcedKey{schema: name, table: t.Name, key: k.Name, shardKey: rule.ShardKey})
				}
			}
		}
	}
	return out
}
