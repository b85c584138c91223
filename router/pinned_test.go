package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/sharding"
)

// tpccRouter shards TPC-C-like tables alike by warehouse, each under its
// own key name, next to a table sharded by mod.
func tpccRouter(t *testing.T) *Router {
	t.Helper()
	return routerWith(t, 3, `
  - name: shop
    default_shard: s0
    tables:
      - {name: order_line, shard_key: ol_w_id, algorithm: hash}
      - {name: stock, shard_key: s_w_id, algorithm: hash}
      - {name: customer, shard_key: c_w_id, algorithm: hash}
      - {name: warehouse, shard_key: w_id, algorithm: hash}
      - {name: items, shard_key: id, algorithm: mod}
      - {name: item, broadcast: true}
`)
}

// homes maps warehouse ids 1..40 to their shards, and picks two ids on the
// same shard and one on another.
func homes(t *testing.T, r *Router) (home func(int64) string, a, b, other int64) {
	t.Helper()
	tbl := r.rules.Schema("shop").Table("stock")
	home = func(v int64) string {
		k, err := tbl.Normalize(sharding.IntValue(v))
		if err != nil {
			t.Fatal(err)
		}
		s, err := tbl.Locate(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a = 1
	for v := int64(2); v < 40; v++ {
		if home(v) == home(a) && b == 0 {
			b = v
		}
		if home(v) != home(a) && other == 0 {
			other = v
		}
	}
	if b == 0 || other == 0 {
		t.Fatal("no two warehouses on one shard among 1..40")
	}
	return home, a, b, other
}

func bindSQL(t *testing.T, r *Router, sql string, params ...Param) (*Exec, error) {
	t.Helper()
	p, err := planFor(t, r, sql)
	if err != nil {
		return nil, err
	}
	return p.Bind(params)
}

func wantRefused(t *testing.T, err error, want string) {
	t.Helper()
	me, ok := backend.ServerError(err)
	if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET {
		t.Fatalf("err = %v, want 1235", err)
	}
	if !strings.Contains(me.Message, want) {
		t.Errorf("message %q does not mention %q", me.Message, want)
	}
}

func TestPinnedJoins(t *testing.T) {
	r := tpccRouter(t)
	home, a, b, other := homes(t, r)
	const stockLevel = "SELECT COUNT(DISTINCT s_i_id) FROM order_line, stock WHERE ol_w_id = ? AND s_w_id = ? AND s_i_id = ol_i_id AND s_quantity < 10"
	tests := []struct {
		name   string
		sql    string
		params []Param
		shards []string // nil: refused
		merge  bool
		refuse string
	}{
		{name: "same parameter value", sql: stockLevel, params: []Param{intParam(a), intParam(a)}, shards: []string{home(a)}},
		{name: "different values, one shard", sql: stockLevel, params: []Param{intParam(a), intParam(b)}, shards: []string{home(a)}},
		{name: "values on different shards", sql: stockLevel, params: []Param{intParam(a), intParam(other)}, refuse: "different shards"},
		{name: "one key NULL: empty join", sql: stockLevel, params: []Param{intParam(other), {Null: true, Literal: "NULL", Key: sharding.NullValue()}}, shards: []string{home(other)}},
		{name: "literals", sql: "SELECT ol_i_id FROM order_line ol, stock s WHERE ol.ol_w_id = 1 AND s.s_w_id = '1' AND s.s_i_id = ol.ol_i_id", shards: []string{home(1)}},
		{name: "tuple IN pins", sql: "SELECT * FROM order_line, stock WHERE (ol_w_id, ol_d_id) IN ((1, 2), (1, 3)) AND s_w_id = 1", shards: []string{home(1)}},
		{name: "inner ON pins", sql: "SELECT * FROM order_line ol JOIN stock s ON s.s_w_id = 1 AND s.s_i_id = ol.ol_i_id WHERE ol.ol_w_id = 1", shards: []string{home(1)}},
		{name: "IN over several shards", sql: "SELECT * FROM order_line, stock WHERE ol_w_id = 1 AND s_w_id IN (1, 2, 3, 4, 5, 6)", refuse: "allow shards"},
		{name: "one table unrestricted", sql: "SELECT * FROM order_line, stock WHERE ol_w_id = 1 AND s_i_id = ol_i_id", refuse: "not on their shard keys"},
		{name: "outer ON does not pin", sql: "SELECT * FROM order_line ol LEFT JOIN stock s ON s.s_w_id = 1 WHERE ol.ol_w_id = 1", refuse: "not on their shard keys"},
		{name: "unqualified key equality and value", sql: "SELECT c_discount, w_tax FROM customer, warehouse WHERE w_id = ? AND c_w_id = w_id AND c_id = 5", params: []Param{intParam(a)}, shards: []string{home(a)}},
		{name: "unqualified key equality scatters", sql: "SELECT c_discount, w_tax FROM customer, warehouse WHERE c_w_id = w_id", shards: []string{"s0", "s1", "s2"}, merge: true},
		{name: "unqualified key with a broadcast table", sql: "SELECT * FROM stock JOIN item ON i_id = s_i_id WHERE s_w_id = 1", shards: []string{home(1)}},
		{name: "qualified by another table is not the key", sql: "SELECT * FROM customer c, warehouse w WHERE c.c_w_id = w.w_id AND w.c_w_id = 1", shards: []string{"s0", "s1", "s2"}, merge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := bindSQL(t, r, tt.sql, tt.params...)
			if tt.refuse != "" {
				wantRefused(t, err, tt.refuse)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(shardsOf(e), ","); got != strings.Join(tt.shards, ",") {
				t.Errorf("shards = %s, want %v", got, tt.shards)
			}
			if (e.Merge != nil) != tt.merge {
				t.Errorf("merge = %v, want %v", e.Merge != nil, tt.merge)
			}
			if !tt.merge && !e.Single() {
				t.Errorf("one shard should run the client's statement untouched: %+v", e.Parts)
			}
		})
	}
}

func TestTupleKeyConditions(t *testing.T) {
	r := shardedRouter(t) // items: id mod 3
	tests := []struct {
		sql    string
		params []Param
		shards []string
		in     map[string]string // per-shard SQL must contain
	}{
		{sql: "SELECT * FROM items WHERE (id, v) IN ((1, 'a'), (4, 'b'))", shards: []string{"s1"}},
		{sql: "SELECT * FROM items WHERE (v, id) IN (('a', 2), ('b', 5))", shards: []string{"s2"}},
		{sql: "SELECT * FROM items WHERE (id, v) = (2, 'b')", shards: []string{"s2"}},
		{sql: "SELECT * FROM items WHERE ROW('b', 3) = ROW(v, id)", shards: []string{"s0"}},
		{sql: "SELECT * FROM items WHERE (id, v) <=> (?, ?)", params: []Param{intParam(4), intParam(1)}, shards: []string{"s1"}},
		{sql: "SELECT * FROM items WHERE (id, v) IN ((?, 'a'), (?, 'b'))", params: []Param{intParam(4), intParam(7)}, shards: []string{"s1"}},
		{sql: "SELECT * FROM items WHERE ((id, v) IN ((1, 'a'), (2, 'b'), (4, 'c'))) ORDER BY id", shards: []string{"s1", "s2"},
			in: map[string]string{"s1": "IN (ROW(1,'a'),ROW(2,'b'),ROW(4,'c'))", "s2": "IN (ROW(1,'a'),ROW(2,'b'),ROW(4,'c'))"}},
		// The whole list on each shard: ('gold' = 'silver') is true where
		// the column's items mix strings and numbers.
		{sql: "SELECT * FROM items WHERE (v, id) IN (('silver', 1), (83869, 2))", shards: []string{"s1", "s2"},
			in: map[string]string{"s1": "IN (ROW('silver',1),ROW(83869,2))", "s2": "IN (ROW('silver',1),ROW(83869,2))"}},
		{sql: "SELECT * FROM items WHERE (id, v) IN ((NULL, 'a'))", shards: []string{"s0"}},
		// Not a restriction of the key: every shard.
		{sql: "SELECT * FROM items WHERE (id, v) NOT IN ((1, 'a'))", shards: []string{"s0", "s1", "s2"}},
		{sql: "SELECT * FROM items WHERE (id + 0, v) IN ((1, 'a'))", shards: []string{"s0", "s1", "s2"}},
		{sql: "SELECT * FROM items WHERE (id, v) > (1, 'a')", shards: []string{"s0", "s1", "s2"}},
		{sql: "UPDATE items SET w = 1 WHERE (id, v) IN ((1, 'a'), (4, 'b'))", shards: []string{"s1"}},
		{sql: "DELETE FROM items WHERE (v, id) = ('x', ?)", params: []Param{intParam(5)}, shards: []string{"s2"}},
		{sql: "DELETE FROM items WHERE (id, v) IN ((1, 'a'), (2, 'b'))", shards: []string{"s1", "s2"}},
		// <=> NULL holds where the key is NULL: any shard (= NULL: none).
		{sql: "SELECT * FROM items WHERE id <=> 4", shards: []string{"s1"}},
		{sql: "SELECT * FROM items WHERE id <=> NULL", shards: []string{"s0", "s1", "s2"}},
		{sql: "SELECT * FROM items WHERE id <=> ?", params: []Param{{Null: true, Literal: "NULL", Key: sharding.NullValue()}}, shards: []string{"s0", "s1", "s2"}},
		{sql: "SELECT * FROM items WHERE (id, v) <=> (NULL, 'a')", shards: []string{"s0", "s1", "s2"}},
		{sql: "SELECT * FROM items WHERE id <=> NULL OR id = 1", shards: []string{"s0", "s1", "s2"}},
		{sql: "SELECT * FROM items WHERE id = 2 OR id <=> 4", shards: []string{"s1", "s2"}},
		{sql: "SELECT * FROM items WHERE id = ?", params: []Param{{Null: true, Literal: "NULL", Key: sharding.NullValue()}}, shards: []string{"s0"}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			e, err := bindSQL(t, r, tt.sql, tt.params...)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(shardsOf(e), ","); got != strings.Join(tt.shards, ",") {
				t.Errorf("shards = %s, want %v", got, tt.shards)
			}
			for _, part := range e.Parts {
				if w, ok := tt.in[part.Shard]; ok && !strings.Contains(part.SQL, w) {
					t.Errorf("%s: %s does not contain %s", part.Shard, part.SQL, w)
				}
			}
		})
	}
}

// A broadcast table kept by an outer join against a sharded one: every
// shard would add its own copy of the broadcast rows, so only one shard may
// answer.
func TestOuterJoinKeepingBroadcastRows(t *testing.T) {
	r := shardedRouter(t)
	tests := []struct {
		sql    string
		single bool // runs on one shard; otherwise refused with 1235
	}{
		{"SELECT * FROM countries c LEFT JOIN orders o ON o.user_id = c.code", false},
		{"SELECT * FROM orders o RIGHT JOIN countries c ON o.user_id = c.code", false},
		{"SELECT * FROM countries c LEFT JOIN orders o ON o.user_id = c.code WHERE o.user_id = 5", true},
		{"SELECT * FROM countries c LEFT JOIN orders o ON o.user_id = c.code AND o.user_id = 5", false},
		{"SELECT * FROM countries c LEFT JOIN orders o ON o.user_id = c.code WHERE o.user_id <=> NULL", false},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			e, err := execFor(t, r, tt.sql)
			if tt.single {
				if err != nil || len(e.Parts) != 1 {
					t.Fatalf("want one shard: %v %+v", err, e)
				}
				return
			}
			me, ok := backend.ServerError(err)
			if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, "broadcast table shop.countries") {
				t.Fatalf("err = %v, want 1235 naming countries", err)
			}
		})
	}
	// Kept sharded rows against a broadcast table are exact on every shard.
	p, err := planFor(t, r, "SELECT * FROM orders o LEFT JOIN countries c ON o.user_id = c.code")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := p.Bind(nil); err != nil || len(e.Parts) != 3 {
		t.Fatalf("sharded LEFT JOIN broadcast: %v %+v", err, e)
	}
	// A preserved side holding a sharded table is split among the shards
	// like that table's rows, broadcast partner or not.
	p, err = planFor(t, r, "SELECT * FROM orders o JOIN countries c ON o.user_id = c.code LEFT JOIN orders o2 ON o2.user_id = o.user_id")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := p.Bind(nil); err != nil || len(e.Parts) != 3 {
		t.Fatalf("(sharded JOIN broadcast) LEFT JOIN sharded: %v %+v", err, e)
	}
}
