package router

import (
	"strings"
	"testing"
)

// TestInsertSelectPlans: INSERT ... SELECT into a sharded table from a
// co-located one whose shard key gives the target's runs as written on
// the shards the SELECT's key conditions pick.
func TestInsertSelectPlans(t *testing.T) {
	r := shardedRouter(t)
	for _, tc := range []struct {
		sql    string
		shards int
	}{
		{"INSERT INTO orders (user_id, total) SELECT user_id, 1 FROM users", 3},
		{"INSERT INTO orders (total, user_id) SELECT 7, u.user_id FROM users AS u WHERE u.name <> ''", 3},
		{"INSERT INTO orders (user_id) SELECT user_id FROM users WHERE user_id = 5", 1},
		{"INSERT IGNORE INTO orders (user_id, total) SELECT user_id, 2 FROM orders WHERE user_id IN (5, 6)", 1}, // both hash to one shard
		{"INSERT INTO orders (user_id, total) SELECT user_id, 1 FROM users ON DUPLICATE KEY UPDATE total = total + 1", 3},
		{"INSERT INTO users SELECT * FROM users WHERE user_id = 9", 1},
		{"INSERT INTO users (user_id, name) SELECT `shop`.`users`.`user_id`, name FROM shop.users", 3},
	} {
		ex, err := execFor(t, r, tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if len(ex.Parts) != tc.shards || !ex.Write {
			t.Errorf("%s: %d parts (write %v), want %d", tc.sql, len(ex.Parts), ex.Write, tc.shards)
		}
		for _, p := range ex.Parts {
			if p.SQL != "" && !strings.HasPrefix(p.SQL, "INSERT") {
				t.Errorf("%s: part %s runs %q", tc.sql, p.Shard, p.SQL)
			}
		}
	}
	// users' first column is its key, orders' second: SELECT * gives
	// orders' key from users' name.
	if _, err := execFor(t, r, "INSERT INTO orders SELECT user_id, name, 1 FROM users"); err == nil || !strings.Contains(err.Error(), "not given by the shard key column") {
		t.Errorf("INSERT INTO orders SELECT user_id, name, 1: %v, want a refusal naming the key", err)
	}
}
