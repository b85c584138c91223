package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// TestForeignKeys: a foreign key is accepted where each shard's own check
// is the check of one server holding all rows, else refused with 1235.
// users and orders are co-located (hash on user_id), items is sharded by
// mod, countries broadcast, notes and memos unsharded.
func TestForeignKeys(t *testing.T) {
	r := shardedRouter(t)
	for _, tt := range []struct {
		sql  string
		want string // "" accepted, else part of the refusal
	}{
		{"CREATE TABLE orders (id INT, user_id INT, FOREIGN KEY (user_id) REFERENCES users (user_id))", ""},
		{"CREATE TABLE orders (id INT, user_id INT, CONSTRAINT fk_u FOREIGN KEY (id, user_id) REFERENCES users (id, user_id) ON DELETE CASCADE)", ""},
		{"CREATE TABLE orders (id INT, c INT, FOREIGN KEY (c) REFERENCES countries (id))", ""},
		{"CREATE TABLE countries (id INT, p INT, FOREIGN KEY (p) REFERENCES countries (id))", ""},
		{"CREATE TABLE notes (id INT, m INT, FOREIGN KEY (m) REFERENCES memos (id))", ""},
		// MariaDB creates no foreign key for a column's REFERENCES.
		{"CREATE TABLE orders (id INT, user_id INT REFERENCES items (id))", ""},
		{"ALTER TABLE orders ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (user_id)", ""},

		{"CREATE TABLE orders (id INT, user_id INT, CONSTRAINT fk_x FOREIGN KEY (user_id) REFERENCES users (id))", "FOREIGN KEY fk_x from sharded table shop.orders to sharded table shop.users is not supported: it does not pair user_id"},
		{"CREATE TABLE orders (id INT, FOREIGN KEY (id) REFERENCES items (id))", "FOREIGN KEY (id) from sharded table shop.orders to sharded table shop.items is not supported: the tables are not co-located"},
		{"CREATE TABLE users (user_id INT, parent INT, FOREIGN KEY (parent) REFERENCES users (user_id))", "does not pair user_id"},
		{"CREATE TABLE countries (id INT, o INT, FOREIGN KEY (o) REFERENCES orders (id))", "from broadcast table shop.countries to sharded table shop.orders"},
		{"CREATE TABLE notes (id INT, o INT, FOREIGN KEY (o) REFERENCES orders (user_id))", "from unsharded table shop.notes to sharded table shop.orders"},
		{"CREATE TABLE orders (id INT, n INT, FOREIGN KEY (n) REFERENCES notes (id))", "from sharded table shop.orders to unsharded table shop.notes"},
		{"ALTER TABLE orders ADD FOREIGN KEY (total) REFERENCES items (id)", "the tables are not co-located"},
	} {
		t.Run(tt.sql, func(t *testing.T) {
			_, err := planFor(t, r, tt.sql)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			me, ok := backend.ServerError(err)
			if !ok || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, tt.want) {
				t.Fatalf("err = %v, want 1235 containing %q", err, tt.want)
			}
		})
	}
}
