package integration

// The forms the schema catalog made routable (issue 13), for TestDifferential:
// payments is sharded like customers (hash) by a key of another name,
// pay_cust, and is loaded with INSERTs that name no columns; the queries
// join it to customers with unqualified column names, so that only the
// catalog tells the router that cust_id = pay_cust joins the shard keys.

import (
	"fmt"
	"math/rand/v2"
	"strings"
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

// catalogForm draws a query over customers and payments whose join and
// key columns are unqualified.
func (g *diffGen) catalogForm() diffQuery {
	c := g.d.t("customers")
	b := &qb{g: g}
	key := func() string { return g.keyValue(c, b) }
	switch g.r.IntN(6) {
	case 0:
		return diffQuery{kind: "catalog: unqualified join, one key", ordered: true, args: b.args,
			sql: "SELECT name, pay_id, paid FROM customers, payments WHERE cust_id = pay_cust AND pay_cust = " + key() + " ORDER BY pay_id"}
	case 1:
		sql := "SELECT name, tier, pay_id, method FROM customers JOIN payments ON cust_id = pay_cust WHERE cust_id = " + key() + " ORDER BY pay_id"
		return diffQuery{kind: "catalog: unqualified join, one key", sql: sql, args: b.args, ordered: true}
	case 2:
		k1, k2 := key(), key()
		sql := "SELECT pay_id, paid FROM payments, customers WHERE pay_cust = cust_id AND cust_id IN (" + k1 + ", " + k2 + ") ORDER BY pay_id"
		return diffQuery{kind: "catalog: unqualified join, key list", sql: sql, args: b.args, ordered: true}
	case 3:
		gc := pick(g.r, []string{"tier", "method", "region_id"})
		sql := "SELECT " + gc + ", COUNT(*), SUM(paid), MAX(paid_at) FROM customers JOIN payments ON cust_id = pay_cust GROUP BY " + gc + " ORDER BY " + gc
		return diffQuery{kind: "catalog: unqualified join, all shards", sql: sql, ordered: true, ci: true}
	case 4:
		sql := "SELECT name, paid FROM customers, payments WHERE cust_id = pay_cust AND " + g.pred(c, "", pick(g.r, c.cols[1:]), b) + " ORDER BY pay_id LIMIT 15"
		return diffQuery{kind: "catalog: unqualified join, all shards", sql: sql, args: b.args, ordered: true}
	default:
		sql := fmt.Sprintf("SELECT COUNT(*), SUM(paid) FROM customers c, payments WHERE c.cust_id = pay_cust AND method IN (%s)",
			strings.Join([]string{sqlLit(pick(g.r, diffMethods)), sqlLit(pick(g.r, diffMethods))}, ", "))
		return diffQuery{kind: "catalog: unqualified join, all shards", sql: sql, ordered: true}
	}
}

// catalogWrites are INSERTs without column lists (as in every mariadb-dump
// file) whose rows go to several shards.
func catalogWrites(d *diffData) []diffWrite {
	c := d.custIDs
	return []diffWrite{
		{"INSERT INTO orders VALUES (99998, ?, 'new', 1, 1.00, 1, NULL, 1)", []any{c[20]}},
		{fmt.Sprintf("INSERT INTO payments VALUES (79001, %d, 5.00, 'card', '2024-02-29 23:59:59.999999'), (79002, %d, NULL, NULL, NULL), (79003, %d, -1.25, 'Cash', NULL)", c[21], c[22], c[23]), nil},
		{"REPLACE INTO payments VALUES (?, ?, ?, ?, ?)", []any{int64(79002), c[22], "7.50", "wire", "2021-01-01 00:00:00.5"}},
	}
}
