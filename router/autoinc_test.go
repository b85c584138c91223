package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// fakeIDs is a sequence in memory: it records its calls.
type fakeIDs struct {
	next  uint64
	calls []string
}

func (f *fakeIDs) ids(schema, table string, n int, seen uint64) (uint64, error) {
	f.calls = append(f.calls, schema+"."+table+":"+itoaU(uint64(n))+">"+itoaU(seen))
	if seen >= f.next {
		f.next = seen + 1
	}
	first := f.next
	f.next += uint64(n)
	if n == 0 {
		return 0, nil
	}
	return first, nil
}

func TestAutoIncRewrite(t *testing.T) {
	r := shardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.items": {"id bigint auto_increment", "name text"},
		// Every unique key holds the id: a row with a new id conflicts
		// with nothing, an upsert of such rows only inserts.
		"shop.orders": {"id bigint auto_increment", "user_id int", "total int", "KEY PRIMARY id", "KEY u_order id,user_id"},
	})
	tests := []struct {
		name, sql  string
		noAutoZero bool
		next       uint64
		// sqls are the shards' statements, by shard; insertID the OK
		// packet's id for the client.
		sqls     map[string]string
		insertID uint64
		calls    []string
	}{
		{name: "shard key generated", sql: "INSERT INTO items (name) VALUES ('a'), ('b'), ('c')", next: 1,
			sqls: map[string]string{
				"s1": "INSERT INTO `items` (`name`,`id`) VALUES ('a',LAST_INSERT_ID(1))",
				"s2": "INSERT INTO `items` (`name`,`id`) VALUES ('b',2)",
				"s0": "INSERT INTO `items` (`name`,`id`) VALUES ('c',3)",
			}, insertID: 1, calls: []string{"shop.items:3>0"}},
		{name: "NULL, 0 and DEFAULT generate, explicit moves the sequence", sql: "INSERT INTO items VALUES (NULL, 'a'), (0, 'b'), (20, 'c'), (DEFAULT, 'd')", next: 11,
			sqls: map[string]string{
				"s2": "INSERT INTO `items` VALUES (LAST_INSERT_ID(11),'a'),(20,'c')",
				"s0": "INSERT INTO `items` VALUES (12,'b'),(21,'d')",
			}, insertID: 11, calls: []string{"shop.items:4>0", "shop.items:1>20"}},
		{name: "NO_AUTO_VALUE_ON_ZERO keeps 0", sql: "INSERT INTO items (id, name) VALUES (0, 'a'), (NULL, 'b')", noAutoZero: true, next: 5,
			sqls: map[string]string{
				"s0": "INSERT INTO `items` (`id`,`name`) VALUES (0,'a')",
				"s2": "INSERT INTO `items` (`id`,`name`) VALUES (LAST_INSERT_ID(5),'b')",
			}, insertID: 5, calls: []string{"shop.items:2>0"}},
		{name: "other shard key, one shard", sql: "INSERT INTO orders (user_id, total) VALUES (7, 1), (7, 2)", next: 100,
			sqls: map[string]string{
				"": "INSERT INTO `orders` (`user_id`,`total`,`id`) VALUES (7,1,LAST_INSERT_ID(100)),(7,2,101)",
			}, insertID: 100, calls: []string{"shop.orders:2>0"}},
		{name: "upsert with every id generated (GORM's association save)", sql: "INSERT INTO orders (user_id, total) VALUES (7, 1), (7, 2) ON DUPLICATE KEY UPDATE user_id = VALUES(user_id) RETURNING id", next: 30,
			sqls: map[string]string{
				"": "INSERT INTO `orders` (`user_id`,`total`,`id`) VALUES (7,1,LAST_INSERT_ID(30)),(7,2,31) ON DUPLICATE KEY UPDATE `user_id`=VALUES(`user_id`) RETURNING id",
			}, insertID: 30, calls: []string{"shop.orders:2>0"}},
		{name: "an explicit id after the generated ones moves the sequence", sql: "INSERT INTO items VALUES (NULL, 'a'), (20, 'b')", next: 1,
			sqls: map[string]string{
				"s1": "INSERT INTO `items` VALUES (LAST_INSERT_ID(1),'a')",
				"s2": "INSERT INTO `items` VALUES (20,'b')",
			}, insertID: 1, calls: []string{"shop.items:2>0", "shop.items:0>20"}},
		// InnoDB reserves as many ids as the statement has rows at the
		// first one it gives: the next statement's id is 105, not 103.
		{name: "a mixed INSERT reserves ids as InnoDB", sql: "INSERT INTO items VALUES (100, 'a'), (NULL, 'b'), (50, 'c'), (NULL, 'd')", next: 1,
			sqls: map[string]string{
				"s1": "INSERT INTO `items` VALUES (100,'a')",
				"s2": "INSERT INTO `items` VALUES (LAST_INSERT_ID(101),'b'),(50,'c')",
				"s0": "INSERT INTO `items` VALUES (102,'d')",
			}, insertID: 101, calls: []string{"shop.items:4>100"}},
		{name: "past the reserved ids, the rows left reserve again", sql: "INSERT INTO items VALUES (NULL, 'a'), (10, 'b'), (NULL, 'c'), (NULL, 'd'), (NULL, 'e'), (NULL, 'f')", next: 1,
			sqls: map[string]string{
				"s1": "INSERT INTO `items` VALUES (LAST_INSERT_ID(1),'a'),(10,'b'),(13,'e')",
				"s2": "INSERT INTO `items` VALUES (11,'c'),(14,'f')",
				"s0": "INSERT INTO `items` VALUES (12,'d')",
			}, insertID: 1, calls: []string{"shop.items:6>0", "shop.items:4>10"}},
		{name: "explicit ids only: no rewrite, the sequence moves", sql: "INSERT INTO orders (id, user_id, total) VALUES (50, 7, 1)", next: 1,
			sqls: map[string]string{"": ""}, insertID: 50, calls: []string{"shop.orders:0>50"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeIDs{next: tt.next}
			p, err := planFor(t, r, tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			e, err := p.BindWith(nil, BindOptions{AutoInc: f.ids, NoAutoValueOnZero: tt.noAutoZero})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, part := range e.Parts {
				got[part.Shard] = part.SQL
			}
			if _, one := tt.sqls[""]; one {
				if len(e.Parts) != 1 {
					t.Fatalf("%d parts, want 1", len(e.Parts))
				}
				got = map[string]string{"": e.Parts[0].SQL}
			}
			for shard, want := range tt.sqls {
				if got[shard] != want {
					t.Errorf("shard %q runs %q, want %q", shard, got[shard], want)
				}
			}
			if len(got) != len(tt.sqls) {
				t.Errorf("parts %v, want %v", got, tt.sqls)
			}
			if e.InsertID != tt.insertID {
				t.Errorf("InsertID = %d, want %d", e.InsertID, tt.insertID)
			}
			if strings.Join(f.calls, " ") != strings.Join(tt.calls, " ") {
				t.Errorf("sequence calls %v, want %v", f.calls, tt.calls)
			}
			// The plan is unchanged for the next execution.
			if txt, _ := Restore(p.Stmt.Node); strings.Contains(txt, "LAST_INSERT_ID") {
				t.Errorf("the plan kept the rewrite: %s", txt)
			}
		})
	}
}

func TestAutoIncRefuses(t *testing.T) {
	r := shardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.items":  {"id bigint auto_increment", "name text"},
		"shop.orders": {"id bigint auto_increment", "user_id int", "total int", "KEY PRIMARY id", "KEY u_total user_id,total"},
	})
	f := &fakeIDs{next: 1}
	for _, tt := range []struct{ sql, want string }{
		{"INSERT IGNORE INTO items (name) VALUES ('a')", "INSERT IGNORE"},
		// A new row could meet a row of another shard on the unique key.
		{"INSERT INTO orders (user_id, total) VALUES (1, 2) ON DUPLICATE KEY UPDATE total = 3", "unique key u_total does not contain id"},
		// Rows with explicit ids may update: MariaDB's insert id then.
		{"INSERT INTO items (id, name) VALUES (NULL, 'a'), (5, 'b') ON DUPLICATE KEY UPDATE name = 'c'", "next to explicit ones"},
		{"INSERT INTO items (id, name) VALUES (5, 'b'), (NULL, 'a') ON DUPLICATE KEY UPDATE name = 'c'", "next to explicit ones"},
		{"INSERT INTO items (id, name) VALUES (1 + 1, 'a')", "must be given as a literal"},
		{"INSERT INTO items (id, name) VALUES (1.5, 'a')", "takes integers"},
	} {
		t.Run(tt.sql, func(t *testing.T) {
			f.calls = nil
			p, err := planFor(t, r, tt.sql)
			if err == nil {
				_, err = p.BindWith(nil, BindOptions{AutoInc: f.ids})
			}
			me, ok := backend.ServerError(err)
			if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, tt.want) {
				t.Fatalf("err = %v, want 1235 mentioning %q", err, tt.want)
			}
			if len(f.calls) > 0 {
				t.Errorf("a refused statement reserved ids: %v", f.calls)
			}
		})
	}
	// With explicit ids IGNORE and ON DUPLICATE KEY UPDATE are fine.
	p, err := planFor(t, r, "INSERT IGNORE INTO items (id, name) VALUES (5, 'a')")
	if err == nil {
		_, err = p.BindWith(nil, BindOptions{AutoInc: f.ids})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestAutoIncSyncs: the statements after which the proxy reads the shards'
// AUTO_INCREMENT counters, because they may have moved them.
func TestAutoIncSyncs(t *testing.T) {
	r := shardedRouter(t)
	withCatalog(t, r, map[string][]string{
		"shop.items":  {"id bigint auto_increment", "name text"},
		"shop.orders": {"id bigint auto_increment", "user_id int", "total int"},
		"shop.users":  {"user_id int", "name varchar(20)"},
	})
	tests := []struct {
		sql  string
		want string // schema.table, joined by " "
	}{
		{"UPDATE orders SET id = 500 WHERE user_id = 1", "shop.orders"},
		{"UPDATE orders SET ID = id + 1000", "shop.orders"},
		{"UPDATE orders SET total = 5 WHERE id = 3", ""},
		{"UPDATE users SET name = 'x'", ""},
		{"UPDATE orders o JOIN users u ON o.user_id = u.user_id SET o.id = 7 WHERE u.user_id = 1", "shop.orders"},
		{"INSERT INTO orders (id, user_id, total) VALUES (1, 1, 1) ON DUPLICATE KEY UPDATE id = 900", "shop.orders"},
		{"INSERT INTO orders (id, user_id, total) VALUES (1, 1, 1) ON DUPLICATE KEY UPDATE total = 2", ""},
		{"ALTER TABLE items AUTO_INCREMENT = 5000", "shop.items"},
		{"ALTER TABLE items ADD COLUMN z INT", ""},
		{"CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id INT) AUTO_INCREMENT = 1000", "shop.orders"},
		{"CREATE TABLE plain (id BIGINT AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT = 1000", ""}, // unsharded: the shard's own counter
		{"DELETE FROM orders WHERE id = 3", ""},
		// The upsert idioms write an id some row has.
		{"INSERT INTO orders (user_id, total) VALUES (1, 1) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)", ""},
		{"INSERT INTO orders (id, user_id) VALUES (1, 1) ON DUPLICATE KEY UPDATE id = VALUES(id), total = 3", ""},
		{"UPDATE orders SET id = id, total = 1", ""},
		{"INSERT INTO orders (user_id) VALUES (1) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id + 1)", "shop.orders"},
	}
	for _, tt := range tests {
		p, err := planFor(t, r, tt.sql)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		e, err := p.BindWith(nil, BindOptions{AutoInc: (&fakeIDs{next: 1}).ids})
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		var got []string
		for _, a := range e.AutoIncSync {
			got = append(got, a.Schema+"."+a.Table)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: syncs %v, want %q", tt.sql, got, tt.want)
		}
	}
}

// TestPartWrote: whether a shard's part of an INSERT with explicit ids
// wrote a row, from its OK packet.
func TestPartWrote(t *testing.T) {
	for _, tt := range []struct {
		upsert           bool
		insertID, affect uint64
		want             bool
	}{
		{false, 7, 1, true},
		{false, 0, 0, false}, // every row ignored
		{false, 0, 1, true},  // its last id is 0 (NO_AUTO_VALUE_ON_ZERO)
		{true, 7, 2, true},
		{true, 0, 0, false},
		{true, 0, 2, false}, // CLIENT_FOUND_ROWS: rows found, left unchanged
	} {
		e := &Exec{upsert: tt.upsert}
		if got := e.PartWrote(tt.insertID, tt.affect); got != tt.want {
			t.Errorf("upsert %v, insert id %d, affected %d: wrote %v, want %v", tt.upsert, tt.insertID, tt.affect, got, tt.want)
		}
	}
}
