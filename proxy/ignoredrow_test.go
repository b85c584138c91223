package proxy

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

func TestSkippedByIgnore(t *testing.T) {
	own := &mysql.MyError{Code: 4025, Message: "CONSTRAINT `CONSTRAINT_1` failed for `shop`.`items`"}
	other := &mysql.MyError{Code: 4025, Message: "CONSTRAINT `qty` failed for `shop`.`stock`"}
	dup := &mysql.MyError{Code: 1062, Message: "Duplicate entry '1' for key 'PRIMARY'"}
	one, two := router.Part{ValuesRows: []int{2}}, router.Part{ValuesRows: []int{0, 1}}
	for _, tc := range []struct {
		sql  string
		part router.Part
		err  *mysql.MyError
		want bool
	}{
		{"INSERT IGNORE INTO items VALUES (1), (2), (3)", one, own, true},
		{"INSERT IGNORE INTO shop.ITEMS VALUES (1), (2)", one, own, true},
		{"INSERT IGNORE INTO items VALUES (1), (2) ON DUPLICATE KEY UPDATE v = 1", one, own, true},
		{"INSERT IGNORE INTO items VALUES (1), (2), (3)", one, other, false}, // a trigger's write
		{"INSERT IGNORE INTO items VALUES (1), (2), (3)", two, own, false},   // MariaDB skipped it already
		{"INSERT IGNORE INTO items VALUES (1), (2), (3)", one, dup, false},
		{"INSERT INTO items VALUES (1), (2), (3)", one, own, false},
		{"INSERT IGNORE INTO items VALUES (1)", one, own, false}, // one row: MariaDB fails it too
		{"INSERT IGNORE INTO crm.items VALUES (1), (2)", one, own, false},
	} {
		st, err := router.NewParser().Parse(tc.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := skippedByIgnore(st, tc.part, tc.err, "shop"); got != tc.want {
			t.Errorf("%s, %q: %v, want %v", tc.sql, tc.err.Message, got, tc.want)
		}
	}
}
