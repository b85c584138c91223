package router

import "testing"

// TestDDLLockProbe: DDL over several shards of an existing table is
// preceded by a LOCK TABLES of it with the DDL's own lock wait option;
// DDL on one shard, or making something new, is not.
func TestDDLLockProbe(t *testing.T) {
	r := loadRouter(t)
	p := NewParser()
	tests := []struct{ sql, want string }{
		{"ALTER TABLE orders ADD COLUMN w INT", "LOCK TABLES `shop`.`orders` WRITE"},
		{"ALTER ONLINE TABLE orders NOWAIT ADD COLUMN w INT", "LOCK TABLES `shop`.`orders` WRITE NOWAIT"},
		{"CREATE INDEX i ON countries (v) WAIT 3", "LOCK TABLES `shop`.`countries` WRITE WAIT 3"},
		{"DROP INDEX i ON shop.orders", "LOCK TABLES `shop`.`orders` WRITE"},
		{"TRUNCATE TABLE orders", "LOCK TABLES `shop`.`orders` WRITE"},
		{"DROP TABLE IF EXISTS orders, names", "LOCK TABLES `shop`.`orders` WRITE, `shop`.`names` WRITE"},
		{"ALTER TABLE logs ADD COLUMN w INT", ""},  // one shard: MariaDB's own wait
		{"ALTER TABLE notes ADD COLUMN w INT", ""}, // unsharded
		{"CREATE TABLE orders2 (id INT)", ""},
	}
	for _, tc := range tests {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := r.Plan(st, "app", "shop")
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		ex, err := plan.Bind(nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if ex.LockProbe != tc.want {
			t.Errorf("%s: probe %q, want %q", tc.sql, ex.LockProbe, tc.want)
		}
	}
}
