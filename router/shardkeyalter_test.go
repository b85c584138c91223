package router

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// TestShardKeyAlter: an ALTER TABLE that drops or renames a sharded
// table's shard key column is refused; changing its definition under the
// same name, or other columns, is not.
func TestShardKeyAlter(t *testing.T) {
	r := loadRouter(t) // orders sharded by user_id
	p := NewParser()
	tests := []struct {
		sql     string
		refused bool
	}{
		{"ALTER TABLE orders DROP COLUMN user_id", true},
		{"ALTER TABLE orders DROP COLUMN IF EXISTS USER_ID, ADD COLUMN user_id INT DEFAULT 7", true},
		{"ALTER TABLE orders CHANGE user_id uid INT", true},
		{"ALTER TABLE orders RENAME COLUMN user_id TO uid", true},
		{"ALTER TABLE orders CHANGE user_id user_id BIGINT", false},
		{"ALTER TABLE orders MODIFY user_id BIGINT", false},
		{"ALTER TABLE orders MODIFY user_id INT NOT NULL", false},
		{"ALTER TABLE orders MODIFY user_id BIGINT UNSIGNED", true}, // negative values
		{"ALTER TABLE orders MODIFY user_id TINYINT", true},         // 300 becomes 127 without strict mode
		{"ALTER TABLE orders MODIFY user_id VARCHAR(10)", true},
		{"ALTER TABLE orders MODIFY user_id DECIMAL(10,2)", true},
		{"ALTER TABLE names MODIFY name VARCHAR(4)", false},
		{"ALTER TABLE names MODIFY name VARCHAR(40)", false},
		{"ALTER TABLE names MODIFY name VARCHAR(2)", true},
		{"ALTER TABLE names MODIFY name VARCHAR(40) COLLATE utf8mb4_bin", true},
		{"ALTER TABLE names MODIFY name VARCHAR(40) CHARACTER SET latin1", true},
		// Spelt out as the column's own (Doctrine, Laravel's change()).
		{"ALTER TABLE uuids MODIFY id BINARY(16) NOT NULL", false},
		{"ALTER TABLE uuids MODIFY id VARBINARY(16)", true},
		{"ALTER TABLE uuids MODIFY id CHAR(16)", true},
		{"ALTER TABLE codes CHANGE code code VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL COLLATE utf8mb4_unicode_ci", false},
		{"ALTER TABLE codes MODIFY code VARCHAR(64) COLLATE utf8mb4_unicode_ci", false},
		{"ALTER TABLE codes MODIFY code VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", true},
		{"ALTER TABLE codes MODIFY code VARCHAR(64) CHARACTER SET latin1 COLLATE utf8mb4_unicode_ci", true},
		{"ALTER TABLE codes MODIFY code VARCHAR(64) CHARACTER SET utf8mb4", true}, // its default collation is another
		{"ALTER TABLE codes MODIFY code VARCHAR(16) COLLATE utf8mb4_unicode_ci", true},
		{"ALTER TABLE codes MODIFY code CHAR(64) COLLATE utf8mb4_unicode_ci", true},
		{"ALTER TABLE stamps MODIFY at DATETIME", false},
		{"ALTER TABLE stamps MODIFY at DATE", true},
		{"ALTER TABLE names CONVERT TO CHARACTER SET latin1", true}, // a text key
		{"ALTER TABLE orders CONVERT TO CHARACTER SET latin1", false},
		{"ALTER TABLE names DEFAULT CHARACTER SET latin1", false}, // new columns only
		{"ALTER TABLE orders DROP COLUMN note, CHANGE id id2 INT", false},
		{"ALTER TABLE countries DROP COLUMN user_id", false}, // broadcast
		{"ALTER TABLE notes DROP COLUMN user_id", false},     // unsharded
	}
	for _, tc := range tests {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Plan(st, "app", "shop")
		me, isMy := backend.ServerError(err)
		if refused := isMy && me.Code == mysql.ER_NOT_SUPPORTED_YET; refused != tc.refused {
			t.Errorf("%s: err %v, want refused %v", tc.sql, err, tc.refused)
		}
		if !tc.refused && err != nil {
			t.Errorf("%s: %v, want it planned", tc.sql, err)
		}
	}
}
