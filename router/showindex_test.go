package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestShowIndexPlan(t *testing.T) {
	r := gatherRouter(t)
	withCatalog(t, r, map[string][]string{"shop.orders": {"id int"}, "shop.regions": {"code int"}})
	p := NewParser()
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	statsCols := []InfoColumn{
		{Name: "TABLE_SCHEMA", Type: mysql.MYSQL_TYPE_VAR_STRING, Collation: "utf8mb3_general_ci"},
		{Name: "TABLE_NAME", Type: mysql.MYSQL_TYPE_VAR_STRING, Collation: "utf8mb3_general_ci"},
		{Name: "INDEX_NAME", Type: mysql.MYSQL_TYPE_VAR_STRING, Collation: "utf8mb3_general_ci"},
		{Name: "SEQ_IN_INDEX", Type: mysql.MYSQL_TYPE_LONGLONG, Unsigned: true},
		{Name: "CARDINALITY", Type: mysql.MYSQL_TYPE_LONGLONG},
	}
	for _, tc := range []struct {
		sql, db string
		gather  bool
		want    string // substring of the query
		code    uint16
	}{
		{sql: "SHOW INDEX FROM orders", db: "shop", gather: true, want: "WHERE TABLE_SCHEMA = _utf8mb3 X'73686f70' AND TABLE_NAME = _utf8mb3 X'6f7264657273') AS `STATISTICS`"},
		{sql: "SHOW KEYS IN orders FROM shop WHERE Key_name = 'k'", db: "crm", gather: true, want: "AS `STATISTICS` WHERE `Key_name`='k'"},
		{sql: "SHOW INDEX FROM shop.orders", db: "crm", gather: true, want: "CARDINALITY AS `Cardinality`"},
		{sql: "SHOW INDEX FROM regions", db: "shop"}, // broadcast: a copy counts all rows
		{sql: "SHOW INDEX FROM notes", db: "shop"},   // unsharded
		{sql: "SHOW INDEX FROM ORDERS", db: "shop"},  // not the configured name: the shard says
		{sql: "SHOW INDEX FROM information_schema.TABLES", db: "shop"},
		{sql: "SHOW TABLE STATUS", db: "shop"},
		{sql: "SHOW INDEX FROM mysql.user", db: "shop", code: 1044},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		g, err := r.PlanShowIndex(st, "app", tc.db, view)
		switch {
		case tc.code != 0:
			if me, ok := err.(*mysql.MyError); !ok || me.Code != tc.code {
				t.Errorf("%s: err %v, want %d", tc.sql, err, tc.code)
			}
			continue
		case err != nil:
			t.Fatalf("%s: %v", tc.sql, err)
		case (g != nil) != tc.gather:
			t.Fatalf("%s: gathered %v, want %v", tc.sql, g != nil, tc.gather)
		case g == nil:
			continue
		}
		if len(g.Reads) != 3 || g.DefsSQL() == "" {
			t.Errorf("%s: reads %v, definitions from %q", tc.sql, g.Reads, g.DefsSQL())
		}
		q, err := g.Rewrite(map[string]map[string]*InfoResult{"statistics": {"s0": {Cols: statsCols}}}, Identity{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(q, tc.want) {
			t.Errorf("%s:\n%s\nwant %s in it", tc.sql, q, tc.want)
		}
	}
}

// A sharded table the catalog does not know (not created): its home
// shard answers, with MariaDB's 1146.
func TestShowIndexPlanUnknownTable(t *testing.T) {
	r := gatherRouter(t)
	st, err := NewParser().Parse("SHOW INDEX FROM orders")
	if err != nil {
		t.Fatal(err)
	}
	if g, err := r.PlanShowIndex(st, "app", "shop", InfoSchemaView{Schemas: []string{"shop"}, Shard: "s0"}); g != nil || err != nil {
		t.Errorf("gathered %v, %v", g, err)
	}
}
