package router

import (
	"fmt"
	"testing"
)

// A merged ORDER BY over one table breaks ties by the table's primary
// key, in the last ORDER BY item's direction, on each shard and in the
// merge: one server reading an index on the ORDER BY columns meets a
// tie's rows in key order.
func TestOrderTiesByPrimaryKey(t *testing.T) {
	r := keyedRouter(t)
	tests := []struct {
		sql, want string
		keys      []OrderKey
	}{
		{"SELECT name FROM items ORDER BY name LIMIT 2",
			"SELECT `name`, `name` AS `__xa_o0`, `id` AS `__xa_o1` FROM `items` ORDER BY `__xa_o0`, `__xa_o1` LIMIT 2",
			[]OrderKey{{Col: 0}, {Col: 1, Scan: true}}},
		{"SELECT name FROM items ORDER BY v, name DESC",
			"SELECT `name`, `v` AS `__xa_o0`, `name` AS `__xa_o1`, `id` AS `__xa_o2` FROM `items` ORDER BY `__xa_o0`, `__xa_o1` DESC, `__xa_o2` DESC",
			[]OrderKey{{Col: 0}, {Col: 1, Desc: true}, {Col: 2, Desc: true, Scan: true}}},
		// Without ORDER BY the key is the scan order, the shards sort by
		// nothing.
		{"SELECT name FROM items",
			"SELECT `name`, `id` AS `__xa_o0` FROM `items`",
			[]OrderKey{{Col: 0, Scan: true}}},
	}
	for _, tt := range tests {
		p, err := planFor(t, r, tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		e, err := p.Bind(nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if got := e.Parts[0].SQL; got != tt.want {
			t.Errorf("%s:\n  shard SQL %s\n  want      %s", tt.sql, got, tt.want)
		}
		if got := e.Merge.OrderBy; fmt.Sprint(got) != fmt.Sprint(tt.keys) {
			t.Errorf("%s: merge keys %v, want %v", tt.sql, got, tt.keys)
		}
	}
}
