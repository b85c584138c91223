package integration

// Key forms of TestDifferential: tuple IN and row equality on shard keys,
// sharded tables each pinned to a key value instead of joined on their
// keys, unqualified shard keys, several COUNT(DISTINCT), and upserts that
// keep the shard key. They are drawn from a generator of their own so the
// main query stream stays the same for a given seed.

import (
	"fmt"
	"strings"
)

// row picks a row of t and returns the named columns' values.
func (g *diffGen) row(t *dtable, cols ...string) []any {
	r := pick(g.r, t.rows)
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = r[t.colIndex(c)]
	}
	return out
}

// tupleList renders n tuples of (key, other) from existing rows (sometimes
// a key of another row), in the given column order.
func (g *diffGen) tupleList(t *dtable, key, other string, keyFirst bool, n int, b *qb) string {
	items := make([]string, n)
	for i := range items {
		v := g.row(t, key, other)
		if chance(g.r, 0.2) {
			v[1] = g.sampleValue(t, t.col(other))
		}
		// Arguments in the order of their markers.
		if keyFirst {
			items[i] = "(" + b.v(v[0]) + ", " + b.v(v[1]) + ")"
		} else {
			o := b.v(v[1])
			items[i] = "(" + o + ", " + b.v(v[0]) + ")"
		}
	}
	return strings.Join(items, ", ")
}

// keyForm draws one query of the key forms.
func (g *diffGen) keyForm() diffQuery {
	d := g.d
	c, o, it, ev := d.t("customers"), d.t("orders"), d.t("items"), d.t("events")
	b := &qb{g: g}
	switch g.r.IntN(11) {
	case 0:
		keyFirst := chance(g.r, 0.6)
		cols := "(cust_id, tier)"
		if !keyFirst {
			cols = "(tier, cust_id)"
		}
		sql := "SELECT cust_id, name, tier FROM customers WHERE " + cols + " IN (" + g.tupleList(c, "cust_id", "tier", keyFirst, 1+g.r.IntN(4), b) + ") ORDER BY cust_id"
		return diffQuery{kind: "key tuple IN", sql: sql, args: b.args, ordered: true}
	case 1:
		v := g.row(o, "cust_id", "status")
		if chance(g.r, 0.3) {
			s := b.v(v[1])
			sql := "SELECT order_id, status, amount FROM orders WHERE ROW(" + s + ", " + b.v(v[0]) + ") = ROW(status, cust_id) ORDER BY order_id"
			return diffQuery{kind: "key row equality", sql: sql, args: b.args, ordered: true}
		}
		k := b.v(v[0])
		sql := "SELECT order_id, status, amount FROM orders WHERE (cust_id, status) = (" + k + ", " + b.v(v[1]) + ") ORDER BY order_id"
		return diffQuery{kind: "key row equality", sql: sql, args: b.args, ordered: true}
	case 2:
		list := g.tupleList(it, "item_id", "category", true, 2+g.r.IntN(5), b)
		if chance(g.r, 0.4) {
			sql := "SELECT COUNT(*), SUM(price), MAX(sku) FROM items WHERE (item_id, category) IN (" + list + ")"
			return diffQuery{kind: "key tuple IN", sql: sql, args: b.args, ordered: true}
		}
		sql := "SELECT item_id, sku, category FROM items WHERE (item_id, category) IN (" + list + ") ORDER BY item_id" + dir(g.r)
		if chance(g.r, 0.3) {
			sql += g.limit(b)
		}
		return diffQuery{kind: "key tuple IN", sql: sql, args: b.args, ordered: true}
	case 3:
		sql := "SELECT id, kind, val FROM events WHERE (id, kind) IN (" + g.tupleList(ev, "id", "kind", true, 2+g.r.IntN(4), b) + ") ORDER BY id"
		return diffQuery{kind: "key tuple IN", sql: sql, args: b.args, ordered: true}
	case 4:
		// Two co-located tables each pinned to the same key value.
		v := g.row(o, "cust_id")[0]
		from := "customers c, orders o WHERE c.cust_id = "
		if chance(g.r, 0.5) {
			from = "customers c JOIN orders o ON c.region_id = o.region_id WHERE c.cust_id = "
		}
		first := b.v(v)
		sql := "SELECT c.cust_id, c.name, o.order_id, o.status FROM " + from + first + " AND o.cust_id = " + b.v(v)
		return diffQuery{kind: "pinned join", sql: sql + " ORDER BY o.order_id", args: b.args, ordered: true}
	case 5:
		// A mod table joined with itself, both sides pinned to values of
		// one shard (a cross product).
		x := g.row(it, "item_id")[0].(int64)
		xs := b.v(x) // the first marker
		var ys []string
		for _, r := range it.rows {
			if y := r[0].(int64); y%3 == x%3 && len(ys) < 1+g.r.IntN(3) && chance(g.r, 0.1) {
				ys = append(ys, b.v(y))
			}
		}
		if len(ys) == 0 {
			ys = []string{b.v(x)}
		}
		sql := "SELECT a.item_id, a.sku, z.item_id, z.price FROM items a JOIN items z ON a.category = z.category WHERE a.item_id = " + xs + " AND z.item_id IN (" + strings.Join(ys, ", ") + ") ORDER BY z.item_id"
		return diffQuery{kind: "pinned join", sql: sql, args: b.args, ordered: true}
	case 6:
		v := g.row(o, "cust_id", "status")
		sql := "SELECT o.order_id, c.name FROM orders o, customers c WHERE (o.cust_id, o.status) IN ((" + b.v(v[0]) + ", " + b.v(v[1]) + ")) AND c.cust_id = " + b.v(v[0]) + " ORDER BY o.order_id"
		return diffQuery{kind: "pinned join", sql: sql, args: b.args, ordered: true}
	case 7:
		// cust_id unqualified: the key of orders, the only sharded table.
		v := g.row(o, "cust_id")[0]
		sql := "SELECT o.order_id, r.rname FROM orders o JOIN regions r ON o.region_id = r.region_id WHERE cust_id = " + b.v(v) + " ORDER BY o.order_id"
		return diffQuery{kind: "unqualified key", sql: sql, args: b.args, ordered: true}
	case 8, 9:
		t := pick(g.r, g.shardedTables())
		a, z := pick(g.r, t.cols).name, pick(g.r, t.cols).name
		sel := "COUNT(DISTINCT " + a + "), COUNT(DISTINCT " + z + ")"
		if chance(g.r, 0.5) {
			sel += ", " + g.agg(t, "").expr
		}
		where := g.where(t, "", b, 0.2)
		if chance(g.r, 0.5) {
			gc := pick(g.r, g.groupCols(t)).name
			sql := "SELECT " + gc + ", " + sel + " FROM " + t.name + where + " GROUP BY " + gc + " ORDER BY " + gc + dir(g.r)
			return diffQuery{kind: "count distinct twice", sql: sql, args: b.args, ordered: true, ci: true}
		}
		return diffQuery{kind: "count distinct twice", sql: "SELECT " + sel + " FROM " + t.name + where, args: b.args, ordered: true, ci: true}
	default:
		// Key joins written without table names where they are unique.
		v := g.row(o, "cust_id")[0]
		sql := "SELECT order_id, c.name FROM customers c JOIN orders o USING (cust_id) WHERE c.cust_id = " + b.v(v) + " ORDER BY order_id"
		return diffQuery{kind: "pinned join", sql: sql, args: b.args, ordered: true}
	}
}

// keyWrites are writes of the key forms, run after diffWrites.
func keyWrites(d *diffData) []diffWrite {
	c := d.t("customers")
	o := d.t("orders")
	it := d.t("items")
	tier := c.colIndex("tier")
	st := o.colIndex("status")
	cat := it.colIndex("category")
	var cw, ow, iw [][]any
	for i := 30; i < 60; i++ {
		if r := c.rows[i]; r[tier] != nil && len(cw) < 3 {
			cw = append(cw, r)
		}
		if r := o.rows[i]; r[st] != nil && len(ow) < 4 {
			ow = append(ow, r)
		}
		if r := it.rows[i]; r[cat] != nil && len(iw) < 4 {
			iw = append(iw, r)
		}
	}
	ci := func(r []any) int64 { return r[0].(int64) }
	return []diffWrite{
		{"UPDATE orders SET qty = 77 WHERE (cust_id, status) IN ((?, ?), (?, ?), (?, 'zz'))", []any{ow[0][1], ow[0][st], ow[1][1], ow[1][st], ow[2][1]}},
		{"DELETE FROM orders WHERE (status, cust_id) = (?, ?)", []any{ow[3][st], ow[3][1]}},
		{"UPDATE customers SET age = 99 WHERE (cust_id, tier) = (?, ?)", []any{ci(cw[0]), cw[0][tier]}},
		{"DELETE FROM items WHERE (item_id, category) IN ((?, ?), (?, ?), (?, ?))", []any{iw[0][0], iw[0][cat], iw[1][0], iw[1][cat], iw[2][0], "nope"}},
		// Upserts that keep the shard key: an existing key and a new one.
		{fmt.Sprintf("INSERT INTO customers (cust_id, name, tier) VALUES (%d, 'upsert', 'gold'), (600001, 'fresh', NULL) ON DUPLICATE KEY UPDATE cust_id = VALUES(cust_id), name = VALUES(name)", ci(cw[1])), nil},
		{"INSERT INTO `customers` (`cust_id`,`name`,`age`) VALUES (?,?,?),(?,?,?) ON DUPLICATE KEY UPDATE `cust_id`=VALUES(`cust_id`), `name`=VALUES(`name`), `age`=VALUES(`age`)",
			[]any{ci(cw[2]), "sequelize", int64(33), int64(600002), "seq2", int64(34)}},
		{fmt.Sprintf("INSERT INTO orders (order_id, cust_id, status) VALUES (%d, %d, 'upserted') ON DUPLICATE KEY UPDATE cust_id = VALUE(cust_id), status = VALUE(status)", ow[0][0], ow[0][1]), nil},
		{"INSERT INTO items (item_id, sku, stock) VALUES (?, 'SKU-up', 5) ON DUPLICATE KEY UPDATE item_id = item_id, stock = stock + 1", []any{iw[3][0]}},
	}
}

// keyRefusals are key forms the proxy must still refuse.
func keyRefusals(d *diffData) []diffRefusal {
	c := d.custIDs
	return []diffRefusal{
		// Pinned to values on different shards (mod 3: 1 and 2).
		{sql: "SELECT a.item_id, z.item_id FROM items a, items z WHERE a.item_id = 1 AND z.item_id = 2"},
		{sql: "SELECT a.item_id, z.item_id FROM items a, items z WHERE a.item_id = ? AND z.item_id = ?", args: []any{int64(4), int64(6)}},
		// One side not restricted at all.
		{sql: "SELECT * FROM customers c, orders o WHERE c.cust_id = ? AND o.region_id = 1", args: []any{c[0]}},
		// An outer join's ON does not restrict its preserved side.
		{sql: "SELECT * FROM customers c LEFT JOIN orders o ON o.cust_id = ? WHERE c.region_id = 1", args: []any{c[0]}},
		{sql: "INSERT INTO customers (cust_id, name) VALUES (?, 'x') ON DUPLICATE KEY UPDATE cust_id = cust_id + 1", args: []any{c[5]}, write: true},
		{sql: "INSERT INTO customers (cust_id, name) VALUES (?, 'x') ON DUPLICATE KEY UPDATE cust_id = VALUES(age)", args: []any{c[5]}, write: true},
	}
}
