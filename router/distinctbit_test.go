package router

import (
	"strings"
	"testing"
)

// TestDistinctOrderedByBit: SELECT DISTINCT ordered by a BIT column of
// its list is refused over several shards (one MariaDB sends the BIT as
// an integer then); ordered otherwise, or over one shard, it is planned.
func TestDistinctOrderedByBit(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{"shop.items": {"id int", "n int", "b bit(8)", "KEY PRIMARY id"}})
	for _, c := range []struct {
		sql     string
		refused bool
	}{
		{"SELECT DISTINCT b FROM items ORDER BY b", true},
		{"SELECT DISTINCT b, n FROM items ORDER BY n, 1 DESC", true},
		{"SELECT DISTINCT b AS x FROM items ORDER BY x", true},
		{"SELECT DISTINCT b FROM items", false},
		{"SELECT DISTINCT b + 0 FROM items ORDER BY 1", false},
		{"SELECT DISTINCT b, n FROM items ORDER BY n", false},
		{"SELECT b FROM items ORDER BY b", false},
		{"SELECT DISTINCT b FROM items WHERE id = 3 ORDER BY b", false},
	} {
		_, err := execFor(t, r, c.sql)
		switch {
		case c.refused && (err == nil || !strings.Contains(err.Error(), "BIT column")):
			t.Errorf("%s: %v, want refused", c.sql, err)
		case !c.refused && err != nil:
			t.Errorf("%s: %v, want it planned", c.sql, err)
		}
	}
}
