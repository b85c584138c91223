package router

import (
	"strings"
	"testing"
)

func TestUpsertKeepingTheShardKey(t *testing.T) {
	r := shardedRouter(t)
	accepted := []struct {
		sql   string
		parts int
	}{
		{"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = VALUES(id), v = VALUES(v)", 1},
		{"INSERT INTO items (`id`,`v`) VALUES (1,'a'),(2,'b') ON DUPLICATE KEY UPDATE `id`=VALUES(`id`), `v`=VALUES(`v`)", 2},
		{"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = id", 1},
		{"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE items.id = (items.id)", 1},
		{"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE ID = VALUES(shop.items.Id)", 1},
		{"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = VALUE(id), v = 'x'", 1},
		{"insert into items (id, v) values (1, 'value(x)'), (2, 'b') /* VALUE(id) */ on duplicate key update v = value(v), id = value ( id )", 2},
	}
	for _, tt := range accepted {
		t.Run(tt.sql, func(t *testing.T) {
			e, err := bindSQL(t, r, tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Parts) != tt.parts {
				t.Fatalf("parts = %+v, want %d", e.Parts, tt.parts)
			}
			for _, part := range e.Parts {
				if tt.parts > 1 && !strings.Contains(part.SQL, "`id`=VALUES(`id`)") {
					t.Errorf("%s: %s", part.Shard, part.SQL)
				}
				if tt.parts > 1 && strings.Contains(tt.sql, "'value(x)'") && part.Shard == "s1" && !strings.Contains(part.SQL, "'value(x)'") {
					t.Errorf("a literal was rewritten: %s", part.SQL)
				}
			}
		})
	}
	for _, sql := range []string{
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = 5",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = VALUES(v)",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = id + 0",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = VALUES(id) + 1",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE v = 'b', id = v",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = other.id",
		"INSERT INTO items (id, v) VALUES (1, 'a') ON DUPLICATE KEY UPDATE id = VALUE(v)",
	} {
		t.Run(sql, func(t *testing.T) {
			_, err := bindSQL(t, r, sql)
			wantRefused(t, err, "ON DUPLICATE KEY UPDATE of shard key")
		})
	}
}

func TestValueFuncAsValues(t *testing.T) {
	tests := []struct{ in, want string }{
		{"INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUE(a)", "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)"},
		{"REPLACE INTO t (a) VALUE (1)", ""},
		{"INSERT INTO t (a) VALUE (1) ON DUPLICATE KEY UPDATE b = 'VALUE(a)', c = `value`(a), d = x.value(a) -- VALUE(a)\n, e = value\n(a)",
			"INSERT INTO t (a) VALUE (1) ON DUPLICATE KEY UPDATE b = 'VALUE(a)', c = `value`(a), d = x.value(a) -- VALUE(a)\n, e = valueS\n(a)"},
		{"SELECT VALUE(a) FROM t", ""},
		{"INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE value = 1", ""},
	}
	for _, tt := range tests {
		got, ok := valueFuncAsValues(tt.in)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("valueFuncAsValues(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
