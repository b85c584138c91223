package integration

// The forms the schema catalog made routable (issue 13), for TestDifferential:
// payments is sharded like customers (hash) by a key of another name,
// pay_cust, and is loaded with INSERTs that name no columns; the queries
// join it to customers with unqualified column names, so that only the
// catalog tells the router that cust_id = pay_cust joins the shard keys.

import (
	"math/rand/v2"
)

var diffMethods = []string{"card", "Card", "cash", "wire", "wire "}

// genPayments adds the payments table; it draws from r after every other
// table, so that their data stays the same for a seed.
func genPayments(r *rand.Rand, d *diffData) *dtable {
	p := &dtable{name: "payments", pk: "pay_id", key: "pay_cust", algo: "hash", noColumnList: true,
		ddl: "CREATE TABLE payments (pay_id BIGINT NOT NULL PRIMARY KEY, pay_cust BIGINT NOT NULL, paid DECIMAL(10,2) NULL, method VARCHAR(8) NULL, paid_at DATETIME(6) NULL, KEY (pay_cust)) ENGINE=InnoDB",
		cols: []dcol{{name: "pay_id", kind: dInt}, {name: "pay_cust", kind: dInt}, {name: "paid", kind: dDec, null: true},
			{name: "method", kind: dStr, null: true, group: true}, {name: "paid_at", kind: dDateTime, null: true}}}
	for i := 0; i < 200; i++ {
		cust := pick(r, d.custIDs)
		if chance(r, 0.05) {
			cust = 300_000 + r.Int64N(1000) // a payment of no customer
		}
		p.rows = append(p.rows, []any{int64(70_000 + i), cust, nullOr(r, 0.1, genDecimal(r)),
			nullOr(r, 0.1, pick(r, diffMethods)), nullOr(r, 0.1, genDateTime(r, true))})
	}
	return p
}

// genTickets adds tickets, sharded by its AUTO_INCREMENT key: rows loaded
// with their ids, later INSERTs (catalogWrites) let the proxy generate
// them, which must give the ids one MariaDB gives.
func genTickets(r *rand.Rand, d *diffData) *dtable {
	t := &dtable{name: "tickets", pk: "ticket_id", key: "ticket_id", algo: "mod",
		ddl:  "CREATE TABLE tickets (ticket_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, cust_id BIGINT NULL, topic VARCHAR(16) NULL) ENGINE=InnoDB",
		cols: []dcol{{name: "ticket_id", kind: dInt}, {name: "cust_id", kind: dInt, null: true}, {name: "topic", kind: dStr, null: true, group: true}}}
	for i := int64(1); i <= 90; i++ {
		if chance(r, 0.1) {
			continue // gaps, as deleted rows leave
		}
		t.rows = append(t.rows, []any{i, nullOr(r, 0.1, pick(r, d.custIDs)), nullOr(r, 0.1, pick(r, diffCategories))})
	}
	return t
}
