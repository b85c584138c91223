package router

import (
	"strings"
	"testing"

	"github.com/xaproxy/xaproxy/sharding"
)

// TestHexNumbersKeepTheirMeaning: a statement the proxy writes again for
// several shards keeps 0x2B a number against an integer (written as the
// bit literal b'101011', which MariaDB reads the same way) and X'2B' the
// string it is.
func TestHexNumbersKeepTheirMeaning(t *testing.T) {
	r := shardedRouter(t)
	for _, tt := range []struct{ sql, want, not string }{
		{"SELECT * FROM orders WHERE total = 0x2B", "b'101011'", "x'2b'"},
		{"SELECT * FROM orders WHERE total = X'2B'", "x'2b'", "b'1"},
		{"SELECT * FROM orders WHERE total = x'2b' OR total = 0x2c", "x'2b'", "x'2c'"},
		{"SELECT * FROM orders WHERE total = b'101'", "b'101'", "x'"},
		// Leading zero bytes: a bit literal would drop them (MariaDB sizes
		// it by its bits), so the bytes stay written as they were.
		{"SELECT * FROM orders WHERE total = 0x0041", "x'0041'", "b'1"},
		{"SELECT * FROM orders WHERE total = 0x00AB OR total = 0x01FF", "b'111111111'", "b'10101011'"},
	} {
		e, err := execFor(t, r, tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if len(e.Parts) < 2 {
			t.Fatalf("%s: %d parts, want the statement written for every shard", tt.sql, len(e.Parts))
		}
		sql := e.Parts[0].SQL
		if !strings.Contains(sql, tt.want) || strings.Contains(sql, tt.not) {
			t.Errorf("%s: per-shard SQL %q, want %q and no %q", tt.sql, sql, tt.want, tt.not)
		}
	}
}

// TestHexKeys: a read by 0x2B of an integer key goes to every shard (each
// compares as MariaDB does); an INSERT of it goes where 43 lives; X'2B' is
// the string '+'.
func TestHexKeys(t *testing.T) {
	r := shardedRouter(t) // orders: hash on user_id, an INT
	tbl := r.typedKey("shop", "orders", r.rules.Schema("shop").Table("orders"))
	k43, _ := tbl.Normalize(sharding.IntValue(43))
	home43, _ := tbl.Locate(k43)
	if e, err := execFor(t, r, "SELECT * FROM orders WHERE user_id = 0x2B"); err != nil || len(e.Parts) != 3 {
		t.Errorf("read by 0x2B: %v, %+v; want every shard", err, e)
	}
	e, err := execFor(t, r, "INSERT INTO orders (user_id, total) VALUES (0x2B, 1)")
	if err != nil || len(e.Parts) != 1 || e.Parts[0].Shard != home43 {
		t.Errorf("INSERT of 0x2B: %v, %+v; want one part on %s, where 43 lives", err, e, home43)
	}
	// A leading zero byte changes nothing to the number: 0x002B is 43.
	e, err = execFor(t, r, "INSERT INTO orders (user_id, total) VALUES (0x002B, 1)")
	if err != nil || len(e.Parts) != 1 || e.Parts[0].Shard != home43 {
		t.Errorf("INSERT of 0x002B: %v, %+v; want one part on %s, where 43 lives", err, e, home43)
	}
	if e, err := execFor(t, r, "SELECT * FROM orders WHERE user_id = X'2B'"); err != nil || len(e.Parts) != 3 {
		t.Errorf("read by X'2B' (the string '+', no integer): %v, %+v; want every shard", err, e)
	}
}
