package router

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/sharding"
)

// viewDefs are view definitions as information_schema.VIEWS gives them.
var viewDefs = map[string]string{
	"v_orders": "select `shop`.`orders`.`id` AS `id`,`shop`.`orders`.`user_id` AS `uid`,`shop`.`orders`.`total` AS `total` from `shop`.`orders`",
	"v_nokey":  "select `shop`.`orders`.`id` AS `id`,`shop`.`orders`.`total` + 1 AS `t` from `shop`.`orders`",
	"v_join": "select `o`.`id` AS `id`,`u`.`user_id` AS `user_id`,`c`.`name` AS `cname` from ((`shop`.`orders` `o` join `shop`.`users` `u` on(`o`.`user_id` = `u`.`user_id`))" +
		" join `shop`.`countries` `c` on(`c`.`id` = `u`.`country`))",
	"v_group_key": "select `shop`.`orders`.`user_id` AS `user_id`,count(0) AS `n` from `shop`.`orders` group by `shop`.`orders`.`user_id`",
	"v_group":     "select `shop`.`orders`.`total` AS `total`,count(0) AS `n` from `shop`.`orders` group by `shop`.`orders`.`total`",
	"v_limit":     "select `shop`.`orders`.`user_id` AS `user_id`,`shop`.`orders`.`id` AS `id` from `shop`.`orders` limit 5",
	"v_count":     "select count(0) AS `n` from `shop`.`orders`",
	"v_distinct":  "select distinct `shop`.`orders`.`user_id` AS `u` from `shop`.`orders`",
	"v_bc":        "select `shop`.`countries`.`id` AS `id` from `shop`.`countries`",
	"v_mixed":     "select `shop`.`orders`.`id` AS `id` from (`shop`.`orders` join `shop`.`plain` on(`shop`.`plain`.`id` = `shop`.`orders`.`id`))",
	"v_v":         "select `shop`.`v_orders`.`uid` AS `uid`,`shop`.`v_orders`.`total` AS `total` from `shop`.`v_orders`",
	"v_plain":     "select `shop`.`plain`.`id` AS `id` from `shop`.`plain`",
	// MariaDB syntax the TiDB parser does not know.
	"v_odd_plain":   "select `shop`.`plain`.`id` AS `id`,`shop`.`plain`.`id` MOD 2 ** 3 AS `x` from `shop`.`plain`",
	"v_odd_sharded": "select `shop`.`orders`.`id` AS `id`,`shop`.`orders`.`id` MOD 2 ** 3 AS `x` from `shop`.`orders`",
	"v_apart":       "select `o`.`id` AS `id` from (`shop`.`orders` `o` join `shop`.`items` `i` on(`o`.`id` = `i`.`id`))",
}

// viewRouter is bareShardedRouter with a catalog of its tables, an
// unsharded table plain, and the views of viewDefs.
func viewRouter(t *testing.T) *Router {
	t.Helper()
	r := bareShardedRouter(t)
	tables := map[string][]string{
		"orders": {"id", "user_id", "total"}, "users": {"user_id", "country"}, "items": {"id", "qty"},
		"countries": {"id", "name"}, "plain": {"id"},
	}
	var snaps []catalog.Snapshot
	for _, shard := range r.rules.Shards() {
		snap := catalog.Snapshot{Shard: shard, Schemas: []string{"shop"}}
		for name, cols := range tables {
			def := &catalog.Table{Schema: "shop", Name: name}
			for _, c := range cols {
				def.Columns = append(def.Columns, catalog.Column{Name: c, Type: "int", Nullable: true})
			}
			snap.Tables = append(snap.Tables, def)
		}
		for name, def := range viewDefs {
			snap.Tables = append(snap.Tables, &catalog.Table{Schema: "shop", Name: name, View: true, Definition: def})
		}
		snaps = append(snaps, snap)
	}
	all := r.rules.Shards()
	r.SetCatalog(catalog.Build(r.Catalog().Gen()+1, snaps, func(string, string) []string { return all }))
	return r
}

func TestViewRouting(t *testing.T) {
	r := viewRouter(t)
	tbl := r.rules.Schema("shop").Table("orders")
	k5, _ := tbl.Normalize(sharding.IntValue(5))
	home5, _ := tbl.Locate(k5)
	all := "s0,s1,s2"
	tests := []struct {
		sql string
		// shards the bound statement runs on ("any" for a broadcast read),
		// or the start of the refusal's message.
		shards, planErr, bindErr string
	}{
		{sql: "SELECT * FROM v_orders WHERE uid = 5", shards: home5},
		{sql: "SELECT * FROM v_orders WHERE uid IN (5)", shards: home5},
		{sql: "SELECT * FROM v_orders ORDER BY id LIMIT 3", shards: all},
		{sql: "SELECT count(*), sum(total) FROM v_orders", shards: all},
		{sql: "SELECT * FROM v_nokey WHERE id = 5", shards: all},
		{sql: "SELECT * FROM v_join WHERE user_id = 5", shards: home5},
		{sql: "SELECT * FROM v_orders v JOIN users u ON v.uid = u.user_id WHERE u.user_id = 5", shards: home5},
		{sql: "SELECT uid FROM v_v WHERE uid = 5", shards: home5},
		{sql: "SELECT * FROM v_group_key ORDER BY n DESC", shards: all},
		{sql: "SELECT * FROM v_distinct", shards: all},
		{sql: "SELECT * FROM v_group", planErr: "reading view shop.v_group is not supported: it has GROUP BY without the shard key"},
		{sql: "SELECT * FROM v_count", planErr: "reading view shop.v_count is not supported: it has aggregate functions"},
		{sql: "SELECT * FROM v_limit", planErr: "reading view shop.v_limit is not supported: it has LIMIT, which each shard's copy"},
		// One shard's copy applies the LIMIT to that shard's rows only.
		{sql: "SELECT * FROM v_limit WHERE user_id = 5", planErr: "reading view shop.v_limit is not supported"},
		{sql: "SELECT * FROM orders WHERE user_id IN (SELECT user_id FROM v_limit)", planErr: "reading view shop.v_limit is not supported"},
		{sql: "CREATE VIEW x AS SELECT * FROM orders LIMIT 3", shards: all},
		{sql: "CREATE VIEW x AS SELECT o.id FROM orders o LEFT JOIN countries c ON c.id = o.total", shards: all},
		{sql: "CREATE VIEW x AS SELECT o.id FROM countries c LEFT JOIN orders o ON c.id = o.total", planErr: "view shop.x over sharded table shop.orders is not supported: an outer join keeps rows of shop.countries"},
		{sql: "CREATE VIEW x AS SELECT o.id FROM orders o RIGHT JOIN countries c ON c.id = o.total", planErr: "view shop.x over sharded table shop.orders is not supported: an outer join keeps rows of shop.countries"},
		{sql: "CREATE VIEW x AS SELECT o.id FROM orders o LEFT JOIN users u USING (user_id)", shards: all},
		{sql: "SELECT * FROM v_bc", shards: "any"},
		{sql: "SELECT * FROM v_plain", shards: "s0"},
		{sql: "SELECT * FROM v_odd_plain", shards: "s0"},
		{sql: "SELECT * FROM v_odd_sharded", planErr: "view shop.v_odd_sharded cannot be used through xaproxy: its definition could not be parsed"},
		{sql: "SELECT * FROM v_mixed", planErr: "view shop.v_mixed over unsharded table shop.plain and sharded table shop.orders is not supported"},
		{sql: "SELECT * FROM v_apart", planErr: "view shop.v_apart over sharded table shop.orders is not supported: join of shop.orders and shop.items is not supported"},
		{sql: "INSERT INTO v_orders VALUES (1, 5, 3)", planErr: "writes naming view shop.v_orders are not supported: it reads sharded table shop.orders"},
		{sql: "UPDATE v_orders SET total = 1 WHERE uid = 5", planErr: "writes naming view shop.v_orders are not supported"},
		{sql: "DELETE FROM v_bc", planErr: "writes naming view shop.v_bc are not supported: it reads broadcast table shop.countries"},
		{sql: "TRUNCATE TABLE v_orders", planErr: "this statement on view shop.v_orders"},
		{sql: "SHOW CREATE VIEW v_orders", shards: "s0"},
		// DESCRIBE goes where SHOW COLUMNS goes, whatever the view reads.
		{sql: "SHOW COLUMNS FROM v_mixed", shards: "s0"},
		{sql: "DESCRIBE v_mixed", shards: "s0"},
		{sql: "DESC v_odd_sharded", shards: "s0"},
		{sql: "DESC v_apart id", shards: "s0"},
		{sql: "SHOW CREATE VIEW orders", shards: "s0"}, // the shard answers 1347, as MariaDB
		{sql: "DROP VIEW v_orders", shards: all},
		{sql: "DROP VIEW v_mixed", shards: "s0"},
		{sql: "DROP TABLE v_orders", shards: all},
		{sql: "CREATE VIEW x AS SELECT * FROM orders", shards: all},
		{sql: "CREATE OR REPLACE VIEW x (a, b) AS SELECT o.id, u.country FROM orders o JOIN users u USING (user_id) JOIN countries c ON c.id = u.country", shards: all},
		{sql: "CREATE VIEW x AS SELECT user_id, count(*) FROM orders GROUP BY user_id", shards: all},
		{sql: "CREATE VIEW x AS SELECT * FROM countries", shards: all},
		{sql: "CREATE VIEW x AS SELECT * FROM plain", shards: "s0"},
		{sql: "CREATE VIEW x AS SELECT * FROM v_orders WHERE uid > 3", shards: all},
		{sql: "ALTER VIEW v_orders AS SELECT id, user_id AS uid FROM orders", shards: all},
		{sql: "CREATE VIEW IF NOT EXISTS x AS SELECT * FROM orders", shards: all},
		{sql: "CREATE VIEW x AS SELECT * FROM orders o JOIN users u ON o.id = u.user_id", planErr: "view shop.x over sharded table shop.orders is not supported: its join of shop.orders and shop.users is not on their shard keys"},
		{sql: "CREATE VIEW x AS SELECT * FROM orders JOIN plain USING (id)", planErr: "view shop.x over unsharded table shop.plain and sharded table shop.orders is not supported"},
		{sql: "CREATE VIEW x AS SELECT id FROM orders UNION SELECT user_id FROM users", planErr: "view shop.x over sharded table shop.orders is not supported: UNION"},
		{sql: "CREATE VIEW x AS SELECT * FROM orders WHERE id IN (SELECT id FROM users)", planErr: "view shop.x over sharded table shop.orders is not supported: a subquery"},
		{sql: "CREATE VIEW users AS SELECT * FROM orders", planErr: "CREATE VIEW shop.users is not supported: the name is configured in xaproxy as a sharded table"},
		{sql: "CREATE OR REPLACE VIEW v_bc AS SELECT * FROM orders", shards: all},
		{sql: "CREATE OR REPLACE VIEW v_orders AS SELECT * FROM plain", planErr: "replacing view shop.v_orders, which lives on shards s0, s1, s2, by one over tables on shards s0 is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			p, err := planFor(t, r, tc.sql)
			if tc.planErr != "" {
				wantRefusal(t, err, tc.planErr)
				return
			}
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			e, err := p.Bind(nil)
			if tc.bindErr != "" {
				wantRefusal(t, err, tc.bindErr)
				return
			}
			if err != nil {
				t.Fatalf("bind: %v", err)
			}
			got := strings.Join(shardsOf(e), ",")
			if tc.shards == "any" {
				if len(e.Parts) != 1 || len(e.AnyOf) != 3 {
					t.Fatalf("parts %v any of %v, want one part on any shard", got, e.AnyOf)
				}
				return
			}
			if got != tc.shards {
				t.Fatalf("runs on %s, want %s", got, tc.shards)
			}
		})
	}
}

func wantRefusal(t *testing.T, err error, msg string) {
	t.Helper()
	var me *mysql.MyError
	if !errors.As(err, &me) || me.Code != mysql.ER_NOT_SUPPORTED_YET {
		t.Fatalf("err = %v, want 1235 %q", err, msg)
	}
	if !strings.HasPrefix(me.Message, msg) {
		t.Fatalf("message %q, want it to start with %q", me.Message, msg)
	}
}

func TestViewAsCreate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ALTER VIEW v AS SELECT 1", "CREATE OR REPLACE VIEW v AS SELECT 1"},
		{"alter algorithm = merge definer=`a`@`%` sql security invoker view v as select 1", "CREATE OR REPLACE algorithm = merge definer=`a`@`%` sql security invoker view v as select 1"},
		{"CREATE VIEW IF NOT EXISTS v AS SELECT 1", "CREATE VIEW  v AS SELECT 1"},
		{"CREATE OR REPLACE DEFINER=CURRENT_USER VIEW if not exists v AS SELECT 1", "CREATE OR REPLACE DEFINER=CURRENT_USER VIEW  v AS SELECT 1"},
		{"ALTER TABLE v ADD c INT", ""},
		{"CREATE VIEW v AS SELECT 1", ""},
	}
	for _, tc := range tests {
		got, ok := viewAsCreate(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("viewAsCreate(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// TestViewErrorNamesEachUser: the view cache is shared by all sessions, so
// a refusal that names the user (a view over a schema xaproxy hides) must
// name the user who asks, not the first one who did.
func TestViewErrorNamesEachUser(t *testing.T) {
	viewDefs["v_hidden"] = "select `mysql`.`user`.`User` AS `u` from `mysql`.`user`"
	defer delete(viewDefs, "v_hidden")
	r := viewRouter(t)
	for _, user := range []string{"alice", "bob", "alice"} {
		st, err := NewParser().Parse("SELECT * FROM v_hidden")
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Plan(st, user, "shop")
		var me *mysql.MyError
		if !errors.As(err, &me) || me.Code != mysql.ER_DBACCESS_DENIED_ERROR {
			t.Fatalf("%s: err = %v, want 1044", user, err)
		}
		if want := "Access denied for user '" + user + "' to database 'mysql'"; !strings.HasPrefix(me.Message, want) {
			t.Fatalf("message %q, want it to start with %q", me.Message, want)
		}
	}
}

// TestViewDepthNotCached: the view cache is keyed by view alone, so a
// refusal for nesting too deep, which depends on how deep the view was
// met, must not stay for a query that names the view directly. v_chain0
// over v_chain1 ... over v_chain16 over plain is one level too deep from
// the top, while v_chain1 itself is not.
func TestViewDepthNotCached(t *testing.T) {
	names := make([]string, maxViewDepth+1)
	for i := range names {
		names[i] = "v_chain" + strconv.Itoa(i)
	}
	for i, name := range names {
		under := "plain"
		if i+1 < len(names) {
			under = names[i+1]
		}
		viewDefs[name] = "select `shop`.`" + under + "`.`id` AS `id` from `shop`.`" + under + "`"
	}
	defer func() {
		for _, name := range names {
			delete(viewDefs, name)
		}
	}()
	r := viewRouter(t)
	plan := func(sql string) error {
		st, err := NewParser().Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Plan(st, "alice", "shop")
		return err
	}
	if err := plan("SELECT id FROM v_chain0"); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("v_chain0: err = %v, want the nesting refusal", err)
	}
	for _, name := range names[1:] {
		if err := plan("SELECT id FROM " + name); err != nil {
			t.Fatalf("%s after v_chain0: %v", name, err)
		}
	}
}
