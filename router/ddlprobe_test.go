package router

import (
	"testing"

	"github.com/xaproxy/xaproxy/catalog"
)

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

// TestDDLLockProbeSkipsTriggers: LOCK TABLES of a table with triggers also
// locks the tables the triggers use, which its DDL does not wait for: no
// probe then (a transaction writing those would hold the DDL up, or time
// it out, where one server runs it at once).
func TestDDLLockProbeSkipsTriggers(t *testing.T) {
	r := loadRouter(t)
	cat := r.Catalog()
	var snaps []catalog.Snapshot
	for _, shard := range r.rules.Shards() {
		snaps = append(snaps, catalog.Snapshot{Shard: shard, Schemas: []string{"shop"},
			Tables: cat.Tables("shop"),
			Triggers: []catalog.Body{{Named: catalog.Named{Schema: "shop", Name: "countries"}, Trigger: "audit_countries",
				Event: "INSERT", Text: "INSERT INTO shop.audit VALUES (NEW.id)"}}})
	}
	all := r.rules.Shards()
	r.SetCatalog(catalog.Build(cat.Gen()+1, snaps, func(string, string) []string { return all }))
	for sql, want := range map[string]string{
		"ALTER TABLE countries ADD COLUMN w INT": "",
		"ALTER TABLE orders ADD COLUMN w INT":    "LOCK TABLES `shop`.`orders` WRITE",
	} {
		st, err := NewParser().Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := r.Plan(st, "app", "shop")
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		ex, err := plan.Bind(nil)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if ex.LockProbe != want {
			t.Errorf("%s: probe %q, want %q", sql, ex.LockProbe, want)
		}
	}
}
