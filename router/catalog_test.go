package router

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/catalog"
)

// withCatalog gives r a catalog of the named tables ("schema.table"), each
// with its columns written "name type [auto_increment]"; every shard of r
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
				def.Columns = append(def.Columns, catalog.Column{Name: f[0], Type: f[1], Nullable: true,
					AutoIncrement: len(f) > 2 && f[2] == "auto_increment"})
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
	r := shardedRouter(t)
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
		if e.Parts[i].Shard != want.Parts[i].Shard || e.Parts[i].Rows != want.Parts[i].Rows {
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
