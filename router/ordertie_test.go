package router

import (
	"fmt"
	"testing"
)

// A merged read over one table without ORDER BY is merged by the table's
// primary key, one server's scan order; an ORDER BY gets no key after it:
// one server meets its ties in the order of the index it reads, which a
// key appended on each shard would keep it from reading (a unique key, a
// prefix of a composite one) and would not match either.
func TestScanKeyOnlyWithoutOrderBy(t *testing.T) {
	r := keyedRouter(t)
	tests := []struct {
		sql, want string
		keys      []OrderKey
	}{
		{"SELECT name FROM items ORDER BY name LIMIT 2",
			"SELECT `name`, `name` AS `__xa_o0` FROM `items` ORDER BY `__xa_o0` LIMIT 2",
			[]OrderKey{{Col: 0}}},
		{"SELECT name FROM items ORDER BY v, name DESC",
			"SELECT `name`, `v` AS `__xa_o0`, `name` AS `__xa_o1` FROM `items` ORDER BY `__xa_o0`, `__xa_o1` DESC",
			[]OrderKey{{Col: 0}, {Col: 1, Desc: true}}},
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
