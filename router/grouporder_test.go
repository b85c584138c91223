package router

import (
	"strings"
	"testing"
)

// TestGroupByOrderByNull: GROUP BY ... ORDER BY NULL over several shards
// is planned where the merge knows the order one MariaDB makes its groups
// in (by the primary key; by expressions, in the order of first reading)
// and refused by other columns, which an index the catalog does not know
// may hold.
func TestGroupByOrderByNull(t *testing.T) {
	r := collationRouter(t)
	for _, c := range []struct {
		sql     string
		refused bool
	}{
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
