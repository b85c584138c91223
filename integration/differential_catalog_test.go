package integration

import (
	"fmt"
	"strings"
)

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
		// Generated AUTO_INCREMENT ids on a table sharded by them: the
		// ids, insert ids and rows must be one MariaDB's.
		{"INSERT INTO tickets (cust_id, topic) VALUES (?, 'tools'), (?, 'toys'), (NULL, NULL)", []any{c[24], c[25]}},
		{"INSERT INTO tickets VALUES (NULL, ?, 'garden')", []any{c[26]}},
		{"INSERT INTO tickets (ticket_id, cust_id, topic) VALUES (0, ?, 'Tools'), (500, ?, 'x'), (NULL, NULL, 'after 500')", []any{c[27], c[28]}},
		{"INSERT INTO tickets (ticket_id, topic) VALUES (7000, 'explicit only')", nil},
		{"INSERT INTO tickets (topic) VALUES ('next')", nil},
		{"DELETE FROM tickets WHERE ticket_id > 7000", nil},
		{"INSERT INTO tickets (topic) VALUES ('after delete'), (DEFAULT)", nil},
	}
}

// catalogForms compares 60 catalog forms in both protocols and reports how
// the proxy routed them (its xaproxy_queries_total by route): each form was
// refused before the catalog ("join ... not on their shard keys").
func (s *diffStats) catalogForms(dbs diffDBs, g *diffGen, admin string) {
	s.t.Helper()
	routed := func() (single, merged float64) {
		return proxyMetric(s.t, admin, `xaproxy_queries_total{route="single",type="select"}`),
			proxyMetric(s.t, admin, `xaproxy_queries_total{route="merge",type="select"}`)
	}
	s0, m0 := routed()
	for i := 0; i < 60; i++ {
		s.compare(dbs, g.catalogForm(), i%2 == 0)
	}
	s1, m1 := routed()
	msg := fmt.Sprintf("differential: catalog forms: 60 queries (unqualified join columns, formerly refused): %.0f routed to one shard, %.0f merged over several", s1-s0, m1-m0)
	s.t.Log(msg)
	fmt.Println(msg)
}
