package router

import (
	"strings"
	"testing"
)

// TestGroupByOrderByNull: GROUP BY ... ORDER BY NULL over several shards
// is planned where the merge knows the order one MariaDB makes its groups
// in (by the primary key; by expressions, in the order of first reading,
// the primary key's where the table has no other index) and refused by
// other columns, which an index may hold, and where another index may be
// read instead of the primary key (orders has KEY(n)); so are the groups
// of a shard key that is not the primary key (orders by user_id).
func TestGroupByOrderByNull(t *testing.T) {
	r := collationRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.items":  {"id int", "n int", "s varchar(10)", "KEY PRIMARY id"},
		"shop.orders": {"id int", "user_id int", "n int", "s varchar(10)", "KEY PRIMARY id", "INDEX n n"},
	})
	for _, c := range []struct {
		sql     string
		refused bool
	}{
		{"SELECT n % 3, COUNT(*) FROM orders GROUP BY n % 3 ORDER BY NULL", true},
		{"SELECT s, COUNT(*) FROM orders GROUP BY LEFT(s, 1) ORDER BY NULL", true},
		{"SELECT id, COUNT(*) FROM orders WHERE n > 0 GROUP BY id ORDER BY NULL", true},
		{"SELECT id, COUNT(*) FROM orders GROUP BY id ORDER BY NULL", false},
		{"SELECT n % 3, COUNT(*) FROM orders GROUP BY n % 3", false},
		{"SELECT n % 3 AS m, COUNT(*) FROM orders GROUP BY m ORDER BY m", false},
		{"SELECT n % 3, COUNT(*) FROM items WHERE n > 0 GROUP BY n % 3 ORDER BY NULL", false},
		{"SELECT id, COUNT(*) FROM items WHERE n > 0 GROUP BY id ORDER BY NULL", false},
		{"SELECT id, n, COUNT(*) FROM orders GROUP BY id, n ORDER BY NULL", true},
		{"SELECT id, n, COUNT(*) FROM items GROUP BY id, n ORDER BY NULL", false},
		{"SELECT user_id, COUNT(*) FROM orders GROUP BY user_id ORDER BY NULL", true},
		{"SELECT user_id, COUNT(*) FROM orders GROUP BY user_id", false},
		{"SELECT n % 3 AS m, COUNT(*) FROM items GROUP BY m ORDER BY NULL", false},
		{"SELECT id, COUNT(*) FROM items GROUP BY id ORDER BY NULL", false},
		{"SELECT n, COUNT(*) FROM items GROUP BY n", false},
		{"SELECT n, COUNT(*) FROM items GROUP BY n ORDER BY NULL", true},
		{"SELECT n % 3, s, COUNT(*) FROM items GROUP BY n % 3, s ORDER BY NULL", true},
	} {
		_, err := execFor(t, r, c.sql)
		switch {
		case c.refused && (err == nil || !strings.Contains(err.Error(), "ORDER BY NULL")):
			t.Errorf("%s: %v, want refused", c.sql, err)
		case !c.refused && err != nil:
			t.Errorf("%s: %v, want it planned", c.sql, err)
		}
	}
}
