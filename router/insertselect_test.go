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

// TestInsertSelectRefusals: forms whose answer over several shards would
// differ from one server's.
func TestInsertSelectRefusals(t *testing.T) {
	r := shardedRouter(t)
	for _, sql := range []string{
		// Each shard would count its own items.
		"INSERT INTO orders (user_id, total) SELECT user_id, 1 FROM users ON DUPLICATE KEY UPDATE total = (SELECT COUNT(*) FROM items)",
		// One server returns the rows in the order it inserts them.
		"INSERT INTO users (user_id, name) SELECT user_id, name FROM users ORDER BY user_id RETURNING user_id",
	} {
		if _, err := execFor(t, r, sql); err == nil || !strings.Contains(err.Error(), "INSERT ... SELECT") {
			t.Errorf("%s: %v, want a refusal", sql, err)
		}
	}
	ex, err := execFor(t, r, "INSERT INTO users (user_id, name) SELECT user_id, name FROM users WHERE user_id = 3 RETURNING user_id")
	if err != nil || len(ex.Parts) != 1 {
		t.Errorf("RETURNING on one shard: %v, %+v", err, ex)
	}
}

// TestInvisibleColumnsPositions: SELECT *, and an INSERT without a column
// list, leave INVISIBLE columns out, so the key's position is among the
// visible ones.
func TestInvisibleColumnsPositions(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.orders": {"h int invisible", "id bigint", "user_id int", "total int"},
		"shop.users":  {"h int invisible", "user_id int", "name varchar(20)"},
	})
	want, err := execFor(t, r, "SELECT * FROM orders WHERE user_id = 5")
	if err != nil {
		t.Fatal(err)
	}
	got, err := execFor(t, r, "INSERT INTO orders VALUES (1, 5, 7)")
	if err != nil || len(got.Parts) != 1 || got.Parts[0].Shard != want.Parts[0].Shard {
		t.Errorf("INSERT INTO orders VALUES (1, 5, 7): %v, %+v; want the shard of user_id 5 (%s)", err, got, want.Parts[0].Shard)
	}
	// users.* is (user_id, name): orders' key, second, would be a name.
	if _, err := execFor(t, r, "INSERT INTO orders SELECT users.*, 1 FROM users"); err == nil {
		t.Error("INSERT INTO orders SELECT users.*, 1: accepted, want a refusal (the key would come from name)")
	}
	if _, err := execFor(t, r, "INSERT INTO orders SELECT 1, users.* FROM users"); err != nil {
		t.Errorf("INSERT INTO orders SELECT 1, users.*: %v", err)
	}
}
