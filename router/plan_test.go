package router

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/engine"
	"github.com/xaproxy/xaproxy/sharding"
)

// shardedRouter is bareShardedRouter with its tables' definitions.
func shardedRouter(t testing.TB) *Router {
	t.Helper()
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.orders":    {"id bigint", "user_id int", "total int"},
		"shop.users":     {"user_id int", "name varchar(20)"},
		"shop.items":     {"id int", "name varchar(20)", "v varchar(20)"},
		"shop.countries": {"code char(2)"},
	})
	return r
}

// keyedRouter is shardedRouter whose sharded tables have primary keys
// (orders and items by id, users by user_id).
func keyedRouter(t testing.TB) *Router {
	t.Helper()
	r := bareShardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.orders":    {"id bigint", "user_id int", "total int", "KEY PRIMARY id"},
		"shop.users":     {"user_id int", "name varchar(20)", "KEY PRIMARY user_id"},
		"shop.items":     {"id int", "name varchar(20)", "v varchar(20)", "KEY PRIMARY id"},
		"shop.countries": {"code char(2)"},
	})
	return r
}

// bareShardedRouter has three shards and a schema of sharded and broadcast
// tables, and no catalog (no table definitions).
func bareShardedRouter(t testing.TB) *Router {
	t.Helper()
	return routerWith(t, 3, `
  - name: shop
    default_shard: s0
    tables:
      - {name: orders, shard_key: user_id, algorithm: hash}
      - {name: users, shard_key: user_id, algorithm: hash}
      - {name: items, shard_key: id, algorithm: mod}
      - {name: countries, broadcast: true}
`)
}

func planFor(t *testing.T, r *Router, sql string) (*Plan, error) {
	t.Helper()
	st, err := NewParser().Parse(sql)
	if err != nil {
		t.Fatalf("parse %q: %v", sql, err)
	}
	return r.Plan(st, "app", "shop")
}

// execFor plans sql and binds it without parameters; the error is the
// first of the two steps'.
func execFor(t *testing.T, r *Router, sql string) (*Exec, error) {
	t.Helper()
	p, err := planFor(t, r, sql)
	if err != nil {
		return nil, err
	}
	return p.Bind(nil)
}

func shardsOf(e *Exec) []string {
	var out []string
	for _, p := range e.Parts {
		out = append(out, p.Shard)
	}
	sort.Strings(out)
	return out
}

func TestPlanRoutes(t *testing.T) {
	r := shardedRouter(t)
	// Where key 5 lives, to check single-shard routing.
	tbl := r.rules.Schema("shop").Table("orders")
	k5, _ := tbl.Normalize(sharding.IntValue(5))
	home5, _ := tbl.Locate(k5)
	tests := []struct {
		sql    string
		parts  int  // -1: don't check
		single bool // relayed untouched
		shards []string
		merge  bool
		write  bool
		ddl    bool
	}{
		{sql: "SELECT * FROM orders WHERE user_id = 5", parts: 1, single: true, shards: []string{home5}},
		{sql: "SELECT * FROM orders WHERE user_id = '5'", parts: 1, single: true, shards: []string{home5}},
		{sql: "SELECT * FROM orders WHERE 5 = user_id AND total > 3", parts: 1, single: true, shards: []string{home5}},
		{sql: "SELECT * FROM orders", parts: 3, merge: true},
		{sql: "SELECT * FROM orders WHERE user_id = 5 OR total > 3", parts: 3, merge: true},
		{sql: "SELECT * FROM orders o JOIN users u ON o.user_id = u.user_id WHERE o.user_id = 5", parts: 1, single: true, shards: []string{home5}},
		{sql: "SELECT * FROM orders o JOIN countries c ON o.country = c.code", parts: 3, merge: true},
		{sql: "SELECT * FROM items WHERE id IN (1, 2, 4)", parts: 2, merge: true, shards: []string{"s1", "s2"}},
		{sql: "SELECT * FROM items WHERE id BETWEEN 3 AND 4", parts: 2, merge: true, shards: []string{"s0", "s1"}},
		{sql: "SELECT * FROM items WHERE id = 1 AND id = 2", parts: 1, merge: false, single: true},
		{sql: "SELECT COUNT(*) FROM orders", parts: 3, merge: true},
		{sql: "SELECT * FROM countries", parts: 1, single: true, shards: []string{"s0"}},
		{sql: "SELECT * FROM notes", parts: 1, single: true, shards: []string{"s0"}},
		{sql: "INSERT INTO orders (user_id, total) VALUES (5, 1)", parts: 1, single: true, shards: []string{home5}, write: true},
		{sql: "INSERT INTO items (id, v) VALUES (1, 'a'), (2, 'b'), (4, 'c')", parts: 2, shards: []string{"s1", "s2"}, write: true},
		{sql: "INSERT INTO countries (code) VALUES ('fr')", parts: 3, write: true},
		{sql: "UPDATE orders SET total = 1 WHERE user_id = 5", parts: 1, single: true, shards: []string{home5}, write: true},
		{sql: "DELETE FROM orders WHERE total > 1", parts: 3, write: true},
		{sql: "UPDATE countries SET name = 'x' WHERE code = 'fr'", parts: 3, write: true},
		{sql: "CREATE TABLE orders (user_id BIGINT PRIMARY KEY)", parts: 3, ddl: true},
		{sql: "CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY)", parts: 1, single: true, shards: []string{"s0"}},
		{sql: "DROP TABLE IF EXISTS orders, notes", parts: 3, ddl: true},
		// Table maintenance runs on every shard of the table (OPTIMIZE's
		// tables are not visited by its Accept).
		{sql: "OPTIMIZE TABLE orders", parts: 3, ddl: true},
		{sql: "ANALYZE TABLE orders", parts: 3, ddl: true},
		{sql: "CHECK TABLE orders EXTENDED", parts: 3, ddl: true},
		{sql: "REPAIR TABLE orders", parts: 3, ddl: true},
		{sql: "CHECKSUM TABLE orders", parts: 3},
		{sql: "CHECKSUM TABLE countries", parts: 1, single: true},
		{sql: "SHOW CREATE TABLE orders", parts: 1, single: true, shards: []string{"s0"}},
		{sql: "DESCRIBE orders", parts: 1, single: true, shards: []string{"s0"}},
		{sql: "DESC orders user_id", parts: 1, single: true, shards: []string{"s0"}},
		{sql: "EXPLAIN SELECT * FROM countries", parts: 1, single: true},
		{sql: "UPDATE orders o JOIN countries c ON c.code = o.country SET o.total = 0", parts: 3, write: true},
		{sql: "UPDATE orders o JOIN users u ON u.user_id = o.user_id SET o.total = 0, u.name = 'x' WHERE o.user_id = 5", parts: 1, single: true, shards: []string{home5}, write: true},
		{sql: "DELETE o FROM orders o JOIN countries c ON c.code = o.country WHERE c.code = 'fr'", parts: 3, write: true},
		{sql: "DELETE FROM o, u USING orders o JOIN users u USING (user_id)", parts: 3, write: true},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			e, err := p.Bind(nil)
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if len(e.Parts) != tt.parts {
				t.Fatalf("parts = %v, want %d", e.Parts, tt.parts)
			}
			if e.Single() != tt.single {
				t.Errorf("single = %v, want %v", e.Single(), tt.single)
			}
			if (e.Merge != nil) != tt.merge {
				t.Errorf("merge = %v, want %v", e.Merge != nil, tt.merge)
			}
			if len(e.Parts) > 1 && e.Write != tt.write {
				t.Errorf("write = %v, want %v", e.Write, tt.write)
			}
			if e.DDL != tt.ddl {
				t.Errorf("ddl = %v, want %v", e.DDL, tt.ddl)
			}
			if tt.shards != nil {
				if got := shardsOf(e); strings.Join(got, ",") != strings.Join(tt.shards, ",") {
					t.Errorf("shards = %v, want %v", got, tt.shards)
				}
			}
		})
	}
}

func TestPlanSplitsInListPerShard(t *testing.T) {
	r := shardedRouter(t)
	p, err := planFor(t, r, "SELECT * FROM items WHERE id IN (1, 2, 4, 7) ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s1": "IN (1,4,7)", "s2": "IN (2)"}
	for _, part := range e.Parts {
		if !strings.Contains(part.SQL, want[part.Shard]) {
			t.Errorf("%s: %s does not contain %s", part.Shard, part.SQL, want[part.Shard])
		}
	}
}

func TestPlanSplitsTheKeyInListNotAnother(t *testing.T) {
	r := shardedRouter(t)
	// Another IN list comes first: only the shard key's list is split.
	p, err := planFor(t, r, "SELECT * FROM items WHERE v IN ('a', 'b', 'c', 'd', 'e') AND id IN (1, 2, 4, 7)")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s1": "`id` IN (1,4,7)", "s2": "`id` IN (2)"}
	for _, part := range e.Parts {
		if !strings.Contains(part.SQL, want[part.Shard]) || !strings.Contains(part.SQL, "IN ('a','b','c','d','e')") {
			t.Errorf("%s: %s", part.Shard, part.SQL)
		}
	}
}

func TestPlanBindsParameters(t *testing.T) {
	r := shardedRouter(t)
	p, err := planFor(t, r, "SELECT * FROM items WHERE id IN (?, ?) AND v = ? ORDER BY id LIMIT ?")
	if err != nil {
		t.Fatal(err)
	}
	params := []Param{intParam(1), intParam(2), bytesParam(mysql.MYSQL_TYPE_VAR_STRING, []byte("it's")), intParam(10)}
	e, err := p.Bind(params)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Parts) != 2 {
		t.Fatalf("parts = %v", e.Parts)
	}
	for _, part := range e.Parts {
		if strings.Contains(part.SQL, "?") {
			t.Errorf("unbound marker in %s", part.SQL)
		}
		if !strings.Contains(part.SQL, `'it\'s'`) && !strings.Contains(part.SQL, `'it''s'`) {
			t.Errorf("string parameter not bound in %s", part.SQL)
		}
		if !strings.HasSuffix(part.SQL, "LIMIT 10") {
			t.Errorf("per-shard limit missing in %s", part.SQL)
		}
	}
	if e.Merge.Count != 10 {
		t.Errorf("merge count = %d", e.Merge.Count)
	}
}

func TestPlanRefuses(t *testing.T) {
	r := shardedRouter(t)
	tests := []struct{ sql, want string }{
		{"SELECT * FROM orders o JOIN users u ON o.total = u.user_id", "not on their shard keys"},
		{"SELECT * FROM orders o JOIN items i ON o.user_id = i.id", "not sharded alike"},
		{"SELECT * FROM orders o JOIN notes n ON o.user_id = n.user_id", "unsharded"},
		{"SELECT * FROM orders WHERE user_id NOT IN (SELECT user_id FROM users)", "xaproxy runs subqueries and derived tables when"},
		{"SELECT user_id FROM orders UNION SELECT user_id FROM users", "needs an ORDER BY on its result columns"},
		{"SELECT user_id FROM orders INTERSECT SELECT user_id FROM users", "UNION, INTERSECT and EXCEPT over sharded tables run only when"},
		{"SELECT user_id FROM orders UNION SELECT user_id FROM users UNION ALL SELECT 1 FROM orders ORDER BY 1", "UNION, INTERSECT and EXCEPT over sharded tables run only when"},
		{"SELECT user_id FROM orders UNION ALL SELECT user_id FROM users ORDER BY user_id + 1", "positions or names of its result columns"},
		{"SELECT total, COUNT(*) FROM orders", "neither in GROUP BY"},
		{"SELECT GROUP_CONCAT(total) FROM orders", "GROUP_CONCAT over several shards without ORDER BY"},
		{"SELECT GROUP_CONCAT(total ORDER BY id) FROM orders", "GROUP_CONCAT over several shards ordered by `id`"},
		{"SELECT GROUP_CONCAT(total, id ORDER BY total) FROM orders", "leaves out argument `id`"},
		{"SELECT ROW_NUMBER() OVER () FROM orders", "window function"},
		{"EXPLAIN FOR CONNECTION 5", "EXPLAIN FOR CONNECTION is not supported"},
		{"INSERT INTO orders (total) VALUES (1)", "without its shard key"},
		{"INSERT INTO orders (user_id) VALUES (1 + 1)", "must be a literal"},
		{"UPDATE orders SET user_id = 3 WHERE user_id = 5", "UPDATE of shard key"},
		{"INSERT INTO orders (user_id) SELECT user_id + 1 FROM users", "not given by the shard key column"},
		{"INSERT INTO orders (user_id) SELECT user_id FROM users LIMIT 2", "has a LIMIT"},
		{"INSERT INTO orders (user_id, total) SELECT user_id, COUNT(*) FROM users GROUP BY user_id", "aggregates or groups"},
		{"INSERT INTO orders (user_id) SELECT DISTINCT user_id FROM users", "has DISTINCT"},
		{"INSERT INTO orders (user_id) SELECT user_id FROM users WHERE user_id IN (SELECT user_id FROM orders)", "has a subquery"},
		{"INSERT INTO orders (user_id) SELECT user_id FROM users UNION ALL SELECT user_id FROM users", "is a UNION"},
		{"INSERT INTO orders (user_id) SELECT id FROM items", "does not read exactly one sharded table"},
		{"INSERT INTO orders (user_id) SELECT u.user_id FROM users u JOIN orders o ON o.user_id = u.user_id", "does not read exactly one sharded table"},
		{"INSERT INTO orders (user_id) SELECT user_id FROM users ON DUPLICATE KEY UPDATE user_id = 7", "ON DUPLICATE KEY UPDATE of shard key"},
		{"CREATE TABLE countries (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT)", "AUTO_INCREMENT"},
		{"RENAME TABLE orders TO o2", "RENAME"},
		{"EXPLAIN SELECT * FROM orders WHERE user_id = 5", "EXPLAIN of a statement reading sharded table shop.orders"},
		{"UPDATE orders o JOIN countries c ON c.code = o.country SET c.name = 'x'", "writing broadcast table shop.countries beside sharded tables"},
		{"UPDATE orders o JOIN countries c ON c.code = o.country SET code = 'x'", "writing broadcast table shop.countries"},
		{"DELETE c FROM orders o JOIN countries c ON c.code = o.country", "writing broadcast table shop.countries"},
		{"UPDATE orders o JOIN users u ON u.user_id = o.user_id SET u.user_id = 3", "UPDATE of shard key"},
		{"UPDATE orders o JOIN users u ON u.name = o.total SET o.total = 1", "not on their shard keys"},
		{"UPDATE orders o JOIN notes n ON n.id = o.id SET o.total = 1", "unsharded"},
		{"UPDATE orders o JOIN countries c ON c.code = o.country SET nosuch = 1", "cannot tell which table of the multi-table UPDATE column nosuch belongs to"},
		{"UPDATE orders o JOIN countries c ON c.code = o.country SET o.total = 1 LIMIT 2", "ORDER BY or LIMIT"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if err == nil {
				_, err = p.Bind(nil)
			}
			me, ok := backend.ServerError(err)
			if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET {
				t.Fatalf("err = %v, want 1235", err)
			}
			if !strings.Contains(me.Message, tt.want) {
				t.Errorf("message %q does not mention %q", me.Message, tt.want)
			}
		})
	}
}

// TestJoinedWriteNames: names of a multi-table UPDATE/DELETE that match
// no table get MariaDB's errors; tables the router would take for one
// another (aliases that differ in letter case, one name in two schemas)
// are refused.
func TestJoinedWriteNames(t *testing.T) {
	r := shardedRouter(t)
	for _, tt := range []struct {
		sql  string
		code uint16
		want string
	}{
		{"DELETE orders FROM orders AS o JOIN countries c ON c.code = o.country", mysql.ER_UNKNOWN_TABLE, "Unknown table 'orders' in MULTI DELETE"},
		{"UPDATE orders o JOIN countries c ON c.code = o.country SET users.total = 1", mysql.ER_BAD_FIELD_ERROR, "Unknown column 'users.total' in 'SET'"},
		{"UPDATE orders o JOIN countries O ON O.code = o.country SET O.code = 'x'", mysql.ER_NOT_SUPPORTED_YET, "both referred to as o"},
		{"SELECT * FROM orders o JOIN users O ON O.user_id = o.user_id", mysql.ER_NOT_SUPPORTED_YET, "give them distinct aliases"},
		{"SELECT * FROM orders JOIN orders", mysql.ER_NONUNIQ_TABLE, "Not unique table/alias: 'orders'"},
		{"SELECT * FROM orders a JOIN users a", mysql.ER_NONUNIQ_TABLE, "Not unique table/alias: 'a'"},
		{"SELECT * FROM orders AS users JOIN users", mysql.ER_NONUNIQ_TABLE, "Not unique table/alias: 'users'"},
	} {
		_, err := planFor(t, r, tt.sql)
		me, ok := err.(*mysql.MyError)
		if !ok || me.Code != tt.code || !strings.Contains(me.Message, tt.want) {
			t.Errorf("%s: %v, want %d %q", tt.sql, err, tt.code, tt.want)
		}
	}
}

// TestPlanGroupConcat: the shards group by a GROUP_CONCAT's arguments too
// (not its literals) and send their pieces with the session's limit.
func TestPlanGroupConcat(t *testing.T) {
	e, err := execFor(t, shardedRouter(t), "SELECT user_id + 1, GROUP_CONCAT(DISTINCT total, '-' ORDER BY total DESC SEPARATOR ';') FROM orders GROUP BY user_id + 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Parts) != 3 || e.Merge == nil || e.Merge.Agg == nil {
		t.Fatalf("parts %d, merge %+v", len(e.Parts), e.Merge)
	}
	for _, want := range []string{"@@group_concat_max_len", "GROUP_CONCAT(DISTINCT `total`, '-' ORDER BY `total` DESC SEPARATOR ';')",
		"CONCAT(GROUP_CONCAT(DISTINCT `total`, '-' ORDER BY `total` DESC SEPARATOR ';'), ';')", "LENGTH(GROUP_CONCAT(",
		"MIN(CAST(`total` AS BINARY)) <=> MAX(CAST(`total` AS BINARY))", "GROUP BY `user_id`+1, `total`"} {
		if !strings.Contains(e.Parts[0].SQL, want) {
			t.Errorf("%s does not contain %s", e.Parts[0].SQL, want)
		}
	}
	var gc *engine.GroupConcat
	for _, a := range e.Merge.Agg.Aggs {
		if a.Fn == engine.AggGroupConcat {
			gc = a.Concat
		}
	}
	if gc == nil || len(gc.Keys) != 1 || !gc.Desc[0] || len(gc.SameCols) != 1 {
		t.Errorf("GROUP_CONCAT merge %+v", gc)
	}
	for _, sql := range []string{
		"SELECT GROUP_CONCAT(total ORDER BY total) + 0 FROM orders",
		"SELECT user_id + 1, GROUP_CONCAT(total ORDER BY total) FROM orders GROUP BY user_id + 1 HAVING GROUP_CONCAT(total ORDER BY total) > 2",
		"SELECT DISTINCT GROUP_CONCAT(total ORDER BY total) FROM orders GROUP BY user_id + 1",
		"SELECT user_id + 1, GROUP_CONCAT(total ORDER BY total) FROM orders GROUP BY user_id + 1 ORDER BY COUNT(*)",
	} {
		if _, err := execFor(t, shardedRouter(t), sql); err == nil || !strings.Contains(err.Error(), "runs only as an item of the select list") {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

// TestPlanExplainAnalyze: MySQL's EXPLAIN ANALYZE, which the parser reads,
// gets the syntax error MariaDB gives it.
func TestPlanExplainAnalyze(t *testing.T) {
	_, err := planFor(t, shardedRouter(t), "EXPLAIN ANALYZE SELECT * FROM countries")
	if me, ok := err.(*mysql.MyError); !ok || me.Code != mysql.ER_PARSE_ERROR {
		t.Fatalf("err = %v, want 1064", err)
	}
}

func TestPlanAggregateRewrite(t *testing.T) {
	r := shardedRouter(t)
	p, err := planFor(t, r, "SELECT country, COUNT(*), AVG(total), COUNT(DISTINCT user_id) FROM orders GROUP BY country HAVING COUNT(*) > 1 ORDER BY 2 DESC LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Bind(nil)
	if err != nil {
		t.Fatal(err)
	}
	sql := e.Parts[0].SQL
	for _, want := range []string{"GROUP BY `country`, `user_id`", "SUM(`total`)", "COUNT(`total`)", "COUNT(1)"} {
		if !strings.Contains(sql, want) {
			t.Errorf("per-shard SQL %q lacks %q", sql, want)
		}
	}
	if strings.Contains(sql, "LIMIT") || strings.Contains(sql, "HAVING") {
		t.Errorf("per-shard SQL %q must not limit or filter groups", sql)
	}
	a := e.Merge.Agg
	if a == nil || a.Groups != 1 || len(a.Aggs) != 3 || a.Having == nil || a.Visible != 4 || len(a.Sort) != 1 {
		t.Fatalf("agg merge = %+v", a)
	}
	if e.Merge.Count != 3 {
		t.Errorf("limit = %d", e.Merge.Count)
	}
}

// A GROUP BY on the shard key (an integer) is computed whole on each
// shard: the shards' SQL keeps the GROUP BY and HAVING, any aggregate, and
// orders the groups by the GROUP BY list (a hidden column the merge sorts
// by) or the statement's ORDER BY; on another column, or a string key, the
// partial aggregates merge as before.
func TestPlanGroupsOnShard(t *testing.T) {
	r := coLocatedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.items":     {"id int", "name varchar(20)", "total int"},
		"shop.parts":     {"id int", "qty int"},
		"shop.orders":    {"id bigint", "user_id varchar(20)", "total int"},
		"shop.countries": {"code char(2)"},
	})
	tests := []struct {
		sql      string
		onShard  bool
		contains []string
		order    []OrderKey
	}{
		{"SELECT id, GROUP_CONCAT(total), STDDEV(total) FROM items GROUP BY id HAVING COUNT(*) > 1", true,
			[]string{"GROUP_CONCAT(`total` SEPARATOR ',')", "STDDEV_POP(`total`) AS `STDDEV(total)`", "GROUP BY `id` HAVING COUNT(1)>1", "`id` AS `__xa_o0`", "ORDER BY `id`"}, []OrderKey{{Col: 0}}},
		{"SELECT i.id AS u, SUM(total) FROM items i GROUP BY 1 DESC LIMIT 2", true,
			[]string{"GROUP BY 1 DESC", "ORDER BY `i`.`id` DESC", "LIMIT 2"}, []OrderKey{{Col: 0, Desc: true}}},
		// The ORDER BY's keys, then the groups' order for its ties.
		{"SELECT id, COUNT(*) FROM items GROUP BY id ORDER BY 2 DESC", true,
			[]string{"COUNT(1) AS `__xa_o0`", "`id` AS `__xa_o1`", "ORDER BY `__xa_o0` DESC, `id`"}, []OrderKey{{Col: 0, Desc: true}, {Col: 1}}},
		{"SELECT total, COUNT(*) FROM items GROUP BY total", false, []string{"`total` AS `__xa_g0`", "COUNT(1)"}, nil},
		{"SELECT name, COUNT(*) FROM items GROUP BY id, name", true, []string{"GROUP BY `id`,`name`"}, []OrderKey{{Col: 0}, {Col: 1}}},
		// A hash key of unknown type (a string: 'a' and 'A ' are one group
		// with one Key, but the merge knows only integers): partial
		// aggregates.
		{"SELECT user_id, COUNT(*) FROM orders GROUP BY user_id", false, []string{"COUNT(1)"}, nil},
		// DISTINCT, and a position beside a wildcard: partial aggregates.
		{"SELECT DISTINCT id, COUNT(*) FROM items GROUP BY id", false, []string{"COUNT(1)"}, nil},
		// Joined by inner joins to co-located and broadcast tables.
		{"SELECT i.id, GROUP_CONCAT(l.qty) FROM items i JOIN parts l ON l.id = i.id JOIN countries c ON c.code = i.name GROUP BY i.id", true,
			[]string{"GROUP BY `i`.`id`"}, []OrderKey{{Col: 0}}},
		// The preserved side of an outer join keeps its shard.
		{"SELECT i.id, GROUP_CONCAT(l.qty) FROM items i LEFT JOIN parts l ON l.id = i.id GROUP BY i.id", true, []string{"LEFT JOIN"}, []OrderKey{{Col: 0}}},
		// Its NULL-extended side's rows have no shard: partial aggregates.
		{"SELECT l.id, COUNT(l.qty) FROM items i LEFT JOIN parts l ON l.id = i.id GROUP BY l.id", false, []string{"COUNT(`l`.`qty`)"}, nil},
		{"SELECT i.id, COUNT(l.qty) FROM items i RIGHT JOIN parts l ON l.id = i.id GROUP BY i.id", false, []string{"COUNT(`l`.`qty`)"}, nil},
		// Unqualified in a join: the name may be another table's column.
		{"SELECT i.id, COUNT(*) FROM items i JOIN parts l ON l.id = i.id GROUP BY id", false, []string{"COUNT(1)"}, nil},
	}
	// A select alias named as a column: MariaDB groups by the column (not
	// the alias, as the merge did), so total is neither grouped nor
	// aggregated (refused without the table's primary key to carry it).
	if _, err := planFor(t, r, "SELECT total AS id, COUNT(*) FROM items GROUP BY id"); err == nil || !strings.Contains(err.Error(), "column `total` is neither in GROUP BY") {
		t.Errorf("SELECT total AS id ... GROUP BY id: %v", err)
	}
	if p, err := planFor(t, r, "SELECT total AS t, COUNT(*) FROM items GROUP BY t"); err != nil {
		t.Errorf("GROUP BY an alias that names no column: %v", err)
	} else if e, _ := p.Bind(nil); !strings.Contains(e.Parts[0].SQL, "GROUP BY `total`") {
		t.Errorf("GROUP BY an alias: %s", e.Parts[0].SQL)
	}
	// A position beside a wildcard counts the wildcard's columns: not
	// passed through (the partial-aggregate merge refuses SELECT *).
	if _, err := planFor(t, r, "SELECT *, COUNT(*) FROM items GROUP BY 1"); err == nil {
		t.Error("SELECT *, COUNT(*) ... GROUP BY 1 planned, want refused")
	}
	// A hash key the catalog knows as an integer: equal keys, one shard.
	if e, err := execFor(t, shardedRouter(t), "SELECT user_id, COUNT(*) FROM orders GROUP BY user_id"); err != nil || e.Merge == nil || !e.Merge.GroupsOnShard {
		t.Errorf("GROUP BY an integer hash key: %v, %+v", err, e)
	}
	for _, tt := range tests {
		p, err := planFor(t, r, tt.sql)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		e, err := p.Bind(nil)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		sql := e.Parts[0].SQL
		if e.Merge.GroupsOnShard != tt.onShard || (e.Merge.Agg == nil) != tt.onShard {
			t.Errorf("%s: groups on shard %v, aggregate merge %v; want %v", tt.sql, e.Merge.GroupsOnShard, e.Merge.Agg != nil, tt.onShard)
		}
		for _, want := range tt.contains {
			if !strings.Contains(sql, want) {
				t.Errorf("%s: per-shard SQL %q lacks %q", tt.sql, sql, want)
			}
		}
		if tt.onShard && !slices.Equal(e.Merge.OrderBy, tt.order) {
			t.Errorf("%s: merge order %v, want %v", tt.sql, e.Merge.OrderBy, tt.order)
		}
	}
}

// coLocatedRouter has three shards: items and parts are mod tables
// (integer keys) on the same shards, co-located; orders is a hash table
// whose key routes 7.2 apart from 7; countries is broadcast.
func coLocatedRouter(t *testing.T) *Router {
	t.Helper()
	return routerWith(t, 3, `
  - name: shop
    default_shard: s0
    tables:
      - {name: items, shard_key: id, algorithm: mod}
      - {name: parts, shard_key: id, algorithm: mod}
      - {name: orders, shard_key: user_id, algorithm: hash}
      - {name: countries, broadcast: true}
`)
}

// TestSingleOnlyPlans: a SELECT the merge cannot compute runs as written
// when its key conditions pick one shard, and is refused otherwise; a
// window function beside a subquery is refused at planning.
func TestSingleOnlyPlans(t *testing.T) {
	r := coLocatedRouter(t)
	for _, tc := range []struct {
		sql    string
		params []Param
		want   string // the one shard, "" refused at bind, "plan" refused at planning
	}{
		{"SELECT GROUP_CONCAT(total) FROM items WHERE id = 1", nil, "s1"},
		{"SELECT GROUP_CONCAT(total) FROM items WHERE id = ?", []Param{{Literal: "2", Key: sharding.IntValue(2)}}, "s2"},
		{"SELECT GROUP_CONCAT(total) FROM items", nil, "plan"}, // no key condition: never one shard
		{"SELECT GROUP_CONCAT(total) FROM items WHERE id IN (1, 2)", nil, ""},
		{"SELECT id, ROW_NUMBER() OVER (ORDER BY total) FROM items WHERE id = 1", nil, "s1"},
		{"SELECT id, ROW_NUMBER() OVER (ORDER BY total) FROM items", nil, "plan"},
		{"SELECT id, ROW_NUMBER() OVER (ORDER BY total) FROM items WHERE id > ?", []Param{{Literal: "0", Key: sharding.IntValue(0)}}, ""},
		{"SELECT id, ROW_NUMBER() OVER (ORDER BY total), (SELECT COUNT(*) FROM parts) FROM items WHERE id = 1", nil, "plan"},
	} {
		p, err := planFor(t, r, tc.sql)
		if tc.want == "plan" {
			if err == nil {
				t.Errorf("%s: planned, want refused", tc.sql)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		e, err := p.Bind(tc.params)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%s: bound to %v, want refused", tc.sql, e.Parts)
		case tc.want != "" && (err != nil || len(e.Parts) != 1 || e.Parts[0].Shard != tc.want):
			t.Errorf("%s: %v %v, want one shard %s", tc.sql, e, err, tc.want)
		}
	}
}

// TestResolveOrderItem: an unqualified ORDER BY name is the selected
// column of that name (qualified or not), wildcards' columns included; two
// such are 1052; an expression's alias wins at once. Tables g (k, n) and
// m (k, n, s) as the catalog has them; each want is MariaDB 10.11's.
func TestResolveOrderItem(t *testing.T) {
	colsOf := fakeFromColumns
	for sql, want := range map[string]string{
		"SELECT g.k, m.n FROM m JOIN g ORDER BY k":      "`g`.`k`",
		"SELECT g.k AS x, m.n FROM m JOIN g ORDER BY x": "`g`.`k`",
		"SELECT g.k FROM m JOIN g ORDER BY n":           "`n`",
		"SELECT g.k, m.k FROM m JOIN g ORDER BY k":      "1052",
		"SELECT k, g.k FROM g ORDER BY k":               "`g`.`k`", // one column
		"SELECT n AS k, k FROM g ORDER BY k":            "1052",    // an alias is a name too
		"SELECT g.n AS k, m.k FROM m JOIN g ORDER BY k": "1052",
		"SELECT n AS k, n AS k FROM g ORDER BY k":       "`n`",
		"SELECT g.k AS x, m.k FROM m JOIN g ORDER BY k": "`m`.`k`",
		"SELECT (n) AS k, k FROM g ORDER BY k":          "1052",
		// An expression's alias is taken at once.
		"SELECT k, n+1 AS k FROM g ORDER BY k":         "`n`+1",
		"SELECT n+1 AS k, k FROM g ORDER BY k":         "`n`+1",
		"SELECT n+1 AS k, n+2 AS k FROM g ORDER BY k":  "`n`+1",
		"SELECT k, n+1 AS k, n AS k FROM g ORDER BY k": "`n`+1",
		"SELECT n+1 FROM g ORDER BY `n+1`":             "`n`+1",
		// Wildcards bring their tables' columns.
		"SELECT *, n AS k FROM g ORDER BY k":            "1052",
		"SELECT g.*, n AS K FROM g ORDER BY k":          "1052",
		"SELECT n AS k, g.* FROM g ORDER BY k":          "1052",
		"SELECT *, k FROM g ORDER BY k":                 "`k`",
		"SELECT *, n+1 AS k FROM g ORDER BY k":          "`n`+1",
		"SELECT * FROM m JOIN g ORDER BY k":             "1052",
		"SELECT m.*, g.k FROM m JOIN g ORDER BY k":      "1052",
		"SELECT g.*, m.s AS n FROM m JOIN g ORDER BY n": "1052",
		"SELECT g.*, m.s AS x FROM m JOIN g ORDER BY n": "`g`.`n`",
		"SELECT *, s AS x FROM g ORDER BY s":            "`s`",
	} {
		st, err := NewParser().Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		sel := st.Node.(*ast.SelectStmt)
		_, hasWildcard, _ := fieldList(sel.Fields.Fields)
		e, err := resolveOrderItem(sel.OrderBy.Items[0].Expr, sel.Fields.Fields, hasWildcard, colsOf(sel))
		got := ""
		if me, ok := err.(*mysql.MyError); ok {
			got = strconv.Itoa(int(me.Code))
		} else if err == nil {
			got, _ = restore(e)
		}
		if got != want {
			t.Errorf("%s: %s (%v), want %s", sql, got, err, want)
		}
	}
}

// fakeFromColumns is fromColumns over a statement's FROM tables as a
// catalog holding g (k, n) and m (k, n, s) tells them.
func fakeFromColumns(sel *ast.SelectStmt) fromColumns {
	catalog := map[string][]string{"g": {"k", "n"}, "m": {"k", "n", "s"}}
	var from []string
	anyNode(sel.From, func(n ast.Node) bool {
		if tn, ok := n.(*ast.TableName); ok {
			from = append(from, tn.Name.L)
		}
		return false
	})
	return func(name *ast.ColumnName) (string, int) {
		n := 0
		for _, table := range from {
			if name.Table.L != "" && name.Table.L != table {
				continue
			}
			for _, c := range catalog[table] {
				if strings.EqualFold(c, name.Name.O) {
					n++
				}
			}
		}
		return "int", n
	}
}

// TestResolveGroupItem: a GROUP BY name is the select item it names unless
// it names a FROM column too that the item is not: then that column, with
// warning 1052. Each want is MariaDB 10.11's.
func TestResolveGroupItem(t *testing.T) {
	for sql, want := range map[string]string{
		"SELECT n AS k FROM g GROUP BY k":          "`k` warning",
		"SELECT n+1 AS k FROM g GROUP BY k":        "`k` warning",
		"SELECT n AS x FROM g GROUP BY x":          "`n`",
		"SELECT n FROM g GROUP BY n":               "`n`",
		"SELECT g.n FROM g GROUP BY n":             "`g`.`n`",
		"SELECT n AS n FROM g GROUP BY n":          "`n`",
		"SELECT n AS k, k FROM g GROUP BY k":       "1052",
		"SELECT *, n AS k FROM g GROUP BY k":       "1052",
		"SELECT m.n AS k FROM m JOIN g GROUP BY k": "`m`.`n`", // k is two FROM columns
		"SELECT n AS k FROM g GROUP BY 1":          "`n`",
		"SELECT n AS k FROM g GROUP BY g.k":        "`g`.`k`",
	} {
		st, err := NewParser().Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		sel := st.Node.(*ast.SelectStmt)
		cols := fakeFromColumns(sel)
		isColumn := func(e ast.ExprNode) bool {
			c, ok := e.(*ast.ColumnNameExpr)
			if !ok || c.Name.Table.O != "" {
				return false
			}
			_, n := cols(c.Name)
			return n == 1
		}
		e, warning, err := resolveGroupItem(sel.GroupBy.Items[0].Expr, sel.Fields.Fields, cols, isColumn)
		got := ""
		if me, ok := err.(*mysql.MyError); ok {
			got = strconv.Itoa(int(me.Code))
		} else if err == nil {
			got, _ = restore(e)
		}
		if warning != nil {
			got += " warning"
			if w := (engine.Condition{Level: "Warning", Code: 1052, Message: "Column 'k' in GROUP BY is ambiguous"}); *warning != w {
				t.Errorf("%s: warning %+v, want %+v", sql, *warning, w)
			}
		}
		if got != want {
			t.Errorf("%s: %s (%v), want %s", sql, got, err, want)
		}
	}
}
