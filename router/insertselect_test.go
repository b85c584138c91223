package router

import (
	"strings"
	"testing"

	"github.com/xaproxy/xaproxy/catalog"
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
			// "": the client's own statement, as it came.
			if p.SQL != "" && !strings.HasPrefix(p.SQL, "INSERT") {
				t.Errorf("%s: part %s runs %q", tc.sql, p.Shard, p.SQL)
			}
			if p.SQL != "" {
				t.Errorf("%s: part %s runs %q, want the statement as written", tc.sql, p.Shard, p.SQL)
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
	if _, err := execFor(t, r, "INSERT INTO orders SELECT users.*, 1 FROM users"); err == nil || !strings.Contains(err.Error(), "not given by the shard key column") {
		t.Error("INSERT INTO orders SELECT users.*, 1: accepted, want a refusal (the key would come from name)")
	}
	if _, err := execFor(t, r, "INSERT INTO orders SELECT 1, users.* FROM users"); err != nil {
		t.Errorf("INSERT INTO orders SELECT 1, users.*: %v", err)
	}
}

// An INVISIBLE AUTO_INCREMENT column and an INSERT without a column list:
// the proxy would have to name the row's columns beside the id; refused
// with a clear message (naming the columns runs).
func TestInvisibleAutoIncrement(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.orders": {"id bigint auto_increment", "user_id int", "total int"},
	})
	r.Catalog().Table("shop", "orders").Columns[0].Invisible = true // withCatalog marks one or the other
	if _, err := planFor(t, r, "INSERT INTO orders VALUES (5, 7)"); err == nil || !strings.Contains(err.Error(), "INVISIBLE") {
		t.Errorf("column-less INSERT: %v, want a refusal naming INVISIBLE", err)
	}
	if _, err := planFor(t, r, "INSERT INTO orders (user_id, total) VALUES (5, 7)"); err != nil {
		t.Errorf("INSERT naming the columns: %v", err)
	}
}

// A broadcast table whose INVISIBLE column defaults to UUID(): an INSERT
// without a column list leaves it to its default on each copy, which
// would differ.
func TestInvisibleRandomDefaultOnCopies(t *testing.T) {
	r := bareShardedRouter(t)
	var snaps []catalog.Snapshot
	for _, s := range r.rules.Shards() {
		snaps = append(snaps, catalog.Snapshot{Shard: s, Schemas: []string{"shop"}, Tables: []*catalog.Table{{Schema: "shop", Name: "countries",
			Columns: []catalog.Column{{Name: "code", Type: "char(2)", Nullable: true}, {Name: "tok", Type: "char(36)", Nullable: true, HasDefault: true, Default: "uuid()", Invisible: true}}}}})
	}
	all := r.rules.Shards()
	r.SetCatalog(catalog.Build(r.Catalog().Gen()+1, snaps, func(string, string) []string { return all }))
	check := func(sql string) error {
		st, err := NewParser().Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Plan(st, "app", "shop")
		if err != nil {
			return err
		}
		ex, err := p.Bind(nil)
		if err != nil {
			return err
		}
		return r.CheckRunsOn(st, "shop", ex)
	}
	for _, sql := range []string{"INSERT INTO countries (code) VALUES ('fr')", "INSERT INTO countries VALUES ('fr')"} {
		if check(sql) == nil {
			t.Errorf("%s: accepted; each copy would store its own UUID() in the INVISIBLE tok", sql)
		}
	}
	if err := check("INSERT INTO countries (code, tok) VALUES ('fr', 'given')"); err != nil {
		t.Errorf("an INSERT giving tok: %v", err)
	}
}

// TestInsertSelectKeysAndTargets: the refusals of INSERT ... SELECT whose
// keys may route apart or whose target gives ids, and the answer of a
// select list too short for the key.
func TestInsertSelectKeysAndTargets(t *testing.T) {
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.orders": {"id bigint auto_increment", "user_id int", "total int"},
		"shop.users":  {"user_id bigint", "name varchar(20)"},
		"shop.items":  {"id int", "name varchar(20)"},
	})
	if _, err := execFor(t, r, "INSERT INTO orders (user_id) SELECT user_id FROM orders"); err == nil || !strings.Contains(err.Error(), "it has an AUTO_INCREMENT column") {
		t.Errorf("into a table with AUTO_INCREMENT: %v, want a refusal naming it", err)
	}
	r2 := routerWith(t, 3, `
  - name: shop
    default_shard: s0
    tables:
      - {name: a, shard_key: k, algorithm: hash}
      - {name: b, shard_key: k, algorithm: hash}
      - {name: c, shard_key: k, algorithm: hash}
      - {name: d, shard_key: k, algorithm: hash}
`)
	withCatalog(t, r2, map[string][]string{
		"shop.a": {"k int", "v int"},
		"shop.b": {"k bigint", "v int"},
		"shop.c": {"k varchar(10)", "v int"},
		"shop.d": {"k varchar(10)", "v int"},
	})
	for sql, why := range map[string]string{
		"INSERT INTO a SELECT * FROM b": "different types",
		"INSERT INTO c SELECT * FROM d": "not an integer column",
	} {
		if _, err := execFor(t, r2, sql); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v, want a refusal naming %q", sql, err, why)
		}
	}
	// Too short for the key: one shard answers MariaDB's 1136.
	ex, err := execFor(t, r2, "INSERT INTO a (v, k) SELECT v FROM a")
	if err != nil || len(ex.Parts) != 1 {
		t.Errorf("a select list without the key's position: %v, %+v; want one shard", err, ex)
	}
}
