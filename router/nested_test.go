package router

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/sharding"
)

// homeOf is the shard of a key value of a table of shardedRouter.
func homeOf(t *testing.T, r *Router, table string, v int64) string {
	t.Helper()
	tbl := r.rules.Schema("shop").Table(table)
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

// keyOn is a key value of table that lives on shard s (other than avoid).
func keyOn(t *testing.T, r *Router, table, s string, avoid int64) int64 {
	t.Helper()
	for v := int64(1); v < 1000; v++ {
		if v != avoid && homeOf(t, r, table, v) == s {
			return v
		}
	}
	t.Fatalf("no key of %s on %s", table, s)
	return 0
}

// otherShard is a shard other than s.
func otherShard(s string) string {
	if s == "s1" {
		return "s2"
	}
	return "s1"
}

func TestPlanNestedRoutes(t *testing.T) {
	r := shardedRouter(t)
	home5 := homeOf(t, r, "orders", 5)
	item5 := keyOn(t, r, "items", home5, 0)
	far := keyOn(t, r, "orders", otherShard(home5), 0)
	onS0 := keyOn(t, r, "orders", "s0", 0)
	tests := []struct {
		name   string
		sql    string
		params []Param
		parts  int
		single bool // the client's own statement on one shard
		shards []string
		agg    bool // merged with aggregation in the proxy
		code   uint16
		want   string // in the refusal message
	}{
		// Every SELECT restricted to one shard: the statement runs there.
		{name: "scalar subquery, same key", sql: "SELECT * FROM orders WHERE user_id = 5 AND total > (SELECT AVG(total) FROM orders WHERE user_id = 5)", parts: 1, single: true, shards: []string{home5}},
		{name: "derived table with GROUP BY on one shard", sql: "SELECT * FROM (SELECT user_id, COUNT(*) AS n FROM orders WHERE user_id = 5 GROUP BY user_id) d", parts: 1, single: true, shards: []string{home5}},
		{name: "derived table on one shard", sql: "SELECT * FROM (SELECT * FROM orders WHERE user_id = 5) d WHERE d.total > 1", parts: 1, single: true, shards: []string{home5}},
		{name: "EXISTS, both pinned", sql: "SELECT o.* FROM orders o WHERE o.user_id = 5 AND EXISTS (SELECT 1 FROM users u WHERE u.user_id = 5 AND u.name = 'x')", parts: 1, single: true, shards: []string{home5}},
		{name: "window function on one shard", sql: "SELECT total, ROW_NUMBER() OVER (ORDER BY total) FROM (SELECT * FROM orders WHERE user_id = 5) d", parts: 1, single: true, shards: []string{home5}},
		{name: "not co-located, same shard", sql: "SELECT * FROM orders WHERE user_id = ? AND total IN (SELECT v FROM items WHERE id = ?)", params: []Param{intParam(5), intParam(item5)}, parts: 1, single: true, shards: []string{home5}},
		{name: "not co-located, other shard", sql: "SELECT * FROM orders WHERE user_id = ? AND total IN (SELECT v FROM items WHERE id = ?)", params: []Param{intParam(far), intParam(item5)}, code: mysql.ER_NOT_SUPPORTED_YET, want: "a subquery over sharded table shop.items reads shard " + home5},
		{name: "unsharded subquery on its shard", sql: "SELECT * FROM orders WHERE user_id = ? AND total IN (SELECT prio FROM notes)", params: []Param{intParam(onS0)}, parts: 1, single: true, shards: []string{"s0"}},
		{name: "unsharded subquery elsewhere", sql: "SELECT * FROM orders WHERE user_id = ? AND total IN (SELECT prio FROM notes)", params: []Param{intParam(keyOn(t, r, "orders", "s1", 0))}, code: mysql.ER_NOT_SUPPORTED_YET, want: "unsharded tables live on shard s0"},
		{name: "subquery matching nothing", sql: "SELECT * FROM orders WHERE user_id = 5 AND total IN (SELECT total FROM users WHERE user_id = NULL)", parts: 1, single: true, shards: []string{home5}},
		{name: "broadcast in the subquery", sql: "SELECT * FROM orders o WHERE o.user_id = 5 AND o.country IN (SELECT code FROM countries WHERE name LIKE 'F%')", parts: 1, single: true, shards: []string{home5}},

		{name: "UNION pinned", sql: "SELECT total FROM orders WHERE user_id = ? UNION ALL SELECT total FROM users WHERE user_id = ? ORDER BY 1", params: []Param{intParam(5), intParam(5)}, parts: 1, single: true, shards: []string{home5}},
		{name: "UNION on two shards", sql: "SELECT total FROM orders WHERE user_id = ? UNION SELECT total FROM users WHERE user_id = ?", params: []Param{intParam(5), intParam(far)}, code: mysql.ER_NOT_SUPPORTED_YET, want: "needs an ORDER BY on its result columns"},
		{name: "UNION ordered on two shards", sql: "SELECT total FROM orders WHERE user_id = ? UNION SELECT total FROM users WHERE user_id = ? ORDER BY total LIMIT ?", params: []Param{intParam(5), intParam(far), intParam(2)}, parts: 2},
		{name: "UNION ALL over every shard", sql: "SELECT total FROM orders UNION ALL SELECT total FROM users ORDER BY 1", parts: 3},
		{name: "UNION with a GROUP BY", sql: "SELECT total FROM orders UNION ALL SELECT COUNT(*) FROM users ORDER BY 1", code: mysql.ER_NOT_SUPPORTED_YET, want: "UNION, INTERSECT and EXCEPT over sharded tables run only when"},
		{name: "UNION with a broadcast table", sql: "SELECT code FROM countries UNION SELECT country FROM orders WHERE user_id = 5", parts: 1, single: true, shards: []string{home5}},
		{name: "UNION of unsharded tables", sql: "SELECT prio FROM notes UNION SELECT code FROM countries", parts: 1, single: true, shards: []string{"s0"}},

		// Over several shards, where each shard's answer is exact.
		{name: "broadcast subquery, scattered", sql: "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM countries c WHERE c.code = o.country)", parts: 3},
		{name: "co-located IN", sql: "SELECT * FROM orders WHERE user_id IN (SELECT user_id FROM users WHERE name = 'x')", parts: 3},
		{name: "co-located IN, pinned", sql: "SELECT * FROM orders WHERE user_id IN (SELECT u.user_id FROM users u WHERE u.name = 'x') AND user_id = 5", parts: 1, single: true, shards: []string{home5}},
		{name: "co-located NOT EXISTS", sql: "SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = o.user_id)", parts: 3, agg: true},
		{name: "derived table, scattered", sql: "SELECT COUNT(*), SUM(d.total) FROM (SELECT total FROM orders WHERE total > 3) d", parts: 3, agg: true},
		{name: "derived table, key IN", sql: "SELECT * FROM (SELECT * FROM orders WHERE user_id IN (5, ?)) d ORDER BY total", params: []Param{intParam(far)}, parts: 2},

		// Refused, naming the sharded table inside the construct.
		{name: "aggregating derived table", sql: "SELECT * FROM (SELECT user_id, COUNT(*) FROM orders GROUP BY user_id) d", code: mysql.ER_NOT_SUPPORTED_YET, want: "a derived table over sharded table shop.orders reads every shard"},
		{name: "subquery table named", sql: "SELECT * FROM orders o WHERE o.user_id = 5 AND o.total IN (SELECT id FROM items)", code: mysql.ER_NOT_SUPPORTED_YET, want: "a subquery over sharded table shop.items"},
		{name: "scalar subquery without FROM", sql: "SELECT (SELECT COUNT(*) FROM orders) AS n", code: mysql.ER_NOT_SUPPORTED_YET, want: "a subquery over sharded table shop.orders"},
		{name: "NOT IN", sql: "SELECT * FROM orders WHERE user_id NOT IN (SELECT user_id FROM users)", code: mysql.ER_NOT_SUPPORTED_YET, want: "reads every shard"},
		{name: "IN of another column", sql: "SELECT * FROM orders WHERE total IN (SELECT user_id FROM users)", code: mysql.ER_NOT_SUPPORTED_YET, want: "reads every shard"},
		{name: "EXISTS not on the key", sql: "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM users u WHERE u.name = o.country)", code: mysql.ER_NOT_SUPPORTED_YET, want: "reads every shard"},
		{name: "subquery in the select list", sql: "SELECT (SELECT COUNT(*) FROM countries) AS n, total FROM orders", code: mysql.ER_NOT_SUPPORTED_YET, want: "the query over sharded table shop.orders reads every shard"},
		{name: "pinned to two shards", sql: "SELECT * FROM orders WHERE user_id = ? AND total IN (SELECT total FROM users WHERE user_id = ?)", params: []Param{intParam(5), intParam(far)}, code: mysql.ER_NOT_SUPPORTED_YET, want: "but the query over shop.orders reads shard " + home5},
		{name: "derived LIMIT", sql: "SELECT COUNT(*) FROM (SELECT * FROM orders LIMIT 3) d", code: mysql.ER_NOT_SUPPORTED_YET, want: "a derived table over sharded table shop.orders"},
		{name: "WITH", sql: "WITH x AS (SELECT * FROM orders) SELECT * FROM x", code: mysql.ER_NOT_SUPPORTED_YET, want: "a WITH clause over sharded table shop.orders"},
		{name: "unsharded outer", sql: "SELECT * FROM notes WHERE prio IN (SELECT total FROM orders)", code: mysql.ER_NOT_SUPPORTED_YET, want: "a subquery over sharded table shop.orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			var e *Exec
			if err == nil {
				e, err = p.Bind(tt.params)
			}
			if tt.code != 0 {
				me, ok := backend.ServerError(err)
				if !ok || me.Code != tt.code {
					t.Fatalf("err = %v, want code %d", err, tt.code)
				}
				if !strings.Contains(me.Message, tt.want) {
					t.Fatalf("message %q does not say %q", me.Message, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Parts) != tt.parts || e.Single() != tt.single {
				t.Fatalf("parts = %+v (single %v), want %d (single %v)", e.Parts, e.Single(), tt.parts, tt.single)
			}
			if tt.shards != nil && strings.Join(shardsOf(e), ",") != strings.Join(tt.shards, ",") {
				t.Errorf("shards = %v, want %v", shardsOf(e), tt.shards)
			}
			if tt.parts > 1 && (e.Merge == nil || (e.Merge.Agg != nil) != tt.agg) {
				t.Errorf("merge = %+v, want aggregation %v", e.Merge, tt.agg)
			}
			for _, part := range e.Parts {
				if strings.Contains(part.SQL, "?") {
					t.Errorf("unbound marker in %s", part.SQL)
				}
			}
		})
	}
}

// Parameters are numbered in text order across SELECTs: each SELECT's key
// condition routes by its own parameter, in both protocols.
func TestPlanNestedParameterOrder(t *testing.T) {
	r := shardedRouter(t)
	far := keyOn(t, r, "orders", otherShard(homeOf(t, r, "orders", 5)), 0)
	sql := "SELECT (SELECT COUNT(*) FROM users WHERE user_id = ?) AS n, total FROM orders WHERE user_id = ? AND total > ?"
	p, err := planFor(t, r, sql)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Bind([]Param{intParam(5), intParam(far), intParam(7)}); err == nil {
		t.Fatal("keys on two shards: bound")
	}
	e, err := p.BindWith([]Param{intParam(far), intParam(far), intParam(7)}, BindOptions{LockReads: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := shardsOf(e); len(got) != 1 || got[0] != homeOf(t, r, "orders", far) {
		t.Fatalf("shards = %v", got)
	}
	want := fmt.Sprintf("SELECT (SELECT COUNT(1) FROM `users` WHERE `user_id`=%d) AS `n`,`total` FROM `orders` WHERE `user_id`=%d AND `total`>7 LOCK IN SHARE MODE", far, far)
	if e.Parts[0].SQL != want {
		t.Errorf("locking read\n got %s\nwant %s", e.Parts[0].SQL, want)
	}
}

// A derived table that spans shards with parameters inside and outside:
// each shard's query has the values in their places.
func TestPlanDerivedBindsParameters(t *testing.T) {
	r := shardedRouter(t)
	p, err := planFor(t, r, "SELECT COUNT(*), MAX(d.total) FROM (SELECT total, country FROM orders WHERE total > ? AND country = ?) d WHERE d.total < ?")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind([]Param{intParam(3), bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte("fr")), intParam(9)})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Parts) != 3 {
		t.Fatalf("parts = %v", e.Parts)
	}
	want := "SELECT COUNT(1), MAX(`d`.`total`) FROM (SELECT `total`,`country` FROM `orders` WHERE `total`>3 AND `country`='fr') AS `d` WHERE `d`.`total`<9"
	for _, part := range e.Parts {
		if part.SQL != want {
			t.Errorf("%s:\n got %s\nwant %s", part.Shard, part.SQL, want)
		}
	}
}

// A parameter in the ON clause of a join over several shards is bound in
// each shard's query (it was left as a ? marker).
func TestPlanJoinOnParameterBound(t *testing.T) {
	r := shardedRouter(t)
	p, err := planFor(t, r, "SELECT o.total FROM orders o JOIN users u ON o.user_id = u.user_id AND u.name = ? WHERE o.total > ?")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind([]Param{bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte("ann")), intParam(2)})
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT `o`.`total` FROM `orders` AS `o` JOIN `users` AS `u` ON `o`.`user_id`=`u`.`user_id` AND `u`.`name`='ann' WHERE `o`.`total`>2"
	if len(e.Parts) != 3 {
		t.Fatalf("parts = %v", e.Parts)
	}
	for _, part := range e.Parts {
		if part.SQL != want {
			t.Errorf("%s:\n got %s\nwant %s", part.Shard, part.SQL, want)
		}
	}
}
