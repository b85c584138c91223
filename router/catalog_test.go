package router

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/catalog"
)

// withCatalog gives r a catalog of the named tables ("schema.table"), each
// with its columns written "name type [auto_increment|invisible|collate=x]"; every shard of r
// has them all.
func withCatalog(t testing.TB, r *Router, tables map[string][]string) {
	t.Helper()
	var snaps []catalog.Snapshot
	for _, shard := range r.rules.Shards() {
		snap := catalog.Snapshot{Shard: shard}
		for name, cols := range tables {
			schema, table, _ := strings.Cut(name, ".")
			def := &catalog.Table{Schema: schema, Name: table}
			for _, c := range cols {
				f := strings.Fields(c)
				if f[0] == "KEY" { // "KEY name col,col": a PRIMARY or UNIQUE key
					def.Unique = append(def.Unique, catalog.Index{Name: f[1], Columns: strings.Split(f[2], ",")})
					continue
				}
				if f[0] == "INDEX" { // "INDEX name col,col": a key that is not unique
					def.Indexes = append(def.Indexes, catalog.Index{Name: f[1], Columns: strings.Split(f[2], ",")})
					continue
				}
				col := catalog.Column{Name: f[0], Type: f[1], Nullable: true,
					AutoIncrement: len(f) > 2 && f[2] == "auto_increment", Invisible: len(f) > 2 && f[2] == "invisible",
					Generated: len(f) > 2 && f[2] == "generated"}
				if len(f) > 2 && strings.HasPrefix(f[2], "collate=") { // "name type collate=x"
					col.Collation = strings.TrimPrefix(f[2], "collate=")
				}
				def.Columns = append(def.Columns, col)
			}
			snap.Tables = append(snap.Tables, def)
			if !contains(snap.Schemas, schema) {
				snap.Schemas = append(snap.Schemas, schema)
			}
		}
		snaps = append(snaps, snap)
	}
	all := r.rules.Shards()
	r.SetCatalog(catalog.Build(r.Catalog().Gen()+1, snaps, func(string, string) []string { return all }))
}

func TestColumnlessInsert(t *testing.T) {
	r := bareShardedRouter(t)
	sql := "INSERT INTO orders VALUES (10, 1, 5), (11, 2, 6), (12, 1, 7)"
	_, err := planFor(t, r, sql)
	var unknown *UnknownTableError
	if !errors.As(err, &unknown) || unknown.Table != "orders" {
		t.Fatalf("without a catalog: %v, want an UnknownTableError for orders", err)
	}
	if me, ok := backend.ServerError(err); !ok || me.Code != mysql.ER_NO_SUCH_TABLE {
		t.Fatalf("without a catalog the client would get %v, want 1146", err)
	}
	withCatalog(t, r, map[string][]string{"shop.orders": {"id bigint", "user_id int", "total int"}})
	p, err := planFor(t, r, sql)
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Rows are split by user_id, the second value: the same split as with a
	// column list.
	q, err := planFor(t, r, "INSERT INTO orders (id, user_id, total) VALUES (10, 1, 5), (11, 2, 6), (12, 1, 7)")
	if err != nil {
		t.Fatal(err)
	}
	want, err := q.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Parts) != len(want.Parts) {
		t.Fatalf("%d parts, want %d", len(e.Parts), len(want.Parts))
	}
	for i := range e.Parts {
		if e.Parts[i].Shard != want.Parts[i].Shard || !slices.Equal(e.Parts[i].ValuesRows, want.Parts[i].ValuesRows) {
			t.Errorf("part %d: %+v, want %+v", i, e.Parts[i], want.Parts[i])
		}
	}
	for _, bad := range []string{"INSERT INTO orders VALUES (10, 1)", "INSERT INTO orders (id, user_id) VALUES (10, 1, 2)"} {
		_, err := planFor(t, r, bad)
		if me, ok := backend.ServerError(err); !ok || me.Code != mysql.ER_WRONG_VALUE_COUNT_ON_ROW || me.Message != "Column count doesn't match value count at row 1" {
			t.Errorf("%s: %v, want MariaDB's 1136", bad, err)
		}
	}
	// A stale plan is made again after the catalog changes.
	if r.Stale(p) {
		t.Error("fresh plan reported stale")
	}
	withCatalog(t, r, map[string][]string{"shop.orders": {"user_id int", "id bigint", "total int"}})
	if !r.Stale(p) {
		t.Error("plan made with the old catalog not reported stale")
	}
}

func catalogTPCCRouter(t *testing.T) *Router {
	t.Helper()
	r := routerWith(t, 3, `
  - name: shop
    default_shard: s0
    tables:
      - {name: customer, shard_key: c_w_id, algorithm: mod}
      - {name: warehouse, shard_key: w_id, algorithm: mod}
      - {name: item, broadcast: true}
`)
	withCatalog(t, r, map[string][]string{
		"shop.customer":  {"c_id int", "c_w_id int", "c_discount decimal", "i_id int"},
		"shop.warehouse": {"w_id int", "w_tax decimal"},
		"shop.item":      {"i_id int", "i_name varchar"},
	})
	return r
}

// Unqualified column names of a statement over several tables are resolved
// to their tables with the catalog, so routing sees c_w_id = w_id.
func TestUnqualifiedColumns(t *testing.T) {
	r := catalogTPCCRouter(t)
	tests := []struct {
		sql    string
		shards []string // nil: refused with 1235
		code   uint16   // refused with this code instead
	}{
		{"SELECT c_discount, w_tax FROM customer, warehouse WHERE w_id = 4 AND c_w_id = w_id AND c_id = 7", []string{"s1"}, 0},
		{"SELECT c_discount, w_tax FROM customer JOIN warehouse ON c_w_id = w_id WHERE c_w_id = 5", []string{"s2"}, 0},
		{"SELECT c_discount, w_tax FROM customer c, warehouse w WHERE w.w_id = 4 AND c.c_w_id = w.w_id", []string{"s1"}, 0},
		// Unqualified w_id = 1 in a two-table WHERE restricts warehouse's key.
		{"SELECT c_discount FROM customer, warehouse WHERE c_w_id = w_id AND w_id = 1", []string{"s1"}, 0},
		// i_id is in customer and item: ambiguous, so not a key; item is broadcast.
		{"SELECT i_name FROM customer JOIN item USING (i_id) WHERE c_w_id = 2", []string{"s2"}, 0},
		// Not joined on the keys: refused.
		{"SELECT c_discount FROM customer, warehouse WHERE c_id = w_id", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			e, err := execFor(t, r, tt.sql)
			if tt.shards == nil {
				want := uint16(mysql.ER_NOT_SUPPORTED_YET)
				if tt.code != 0 {
					want = tt.code
				}
				if me, ok := backend.ServerError(err); !ok || me.Code != want {
					t.Fatalf("err = %v, want %d", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := shardsOf(e); strings.Join(got, ",") != strings.Join(tt.shards, ",") {
				t.Errorf("shards %v, want %v", got, tt.shards)
			}
		})
	}
}
