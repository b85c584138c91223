//go:build bench

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

// The order-entry workload: the shape of TPC-C's New-Order over tables
// co-located by customer (customers, orders and order lines sharded by
// c_id over s0+s1, items broadcast). Every statement of a transaction
// names its customer, by equality or in a tuple IN, so the proxy can keep
// the transaction on one shard and commit it in one phase. It measures how
// many still need two phases, and runs the same transactions on one
// MariaDB (m0) for comparison.
const (
	shopCustomers = 4000
	shopItems     = 200
	shopLines     = 3
	// orderStatements per transaction: BEGIN, 2 SELECTs, 2 INSERTs, UPDATE,
	// SELECT, COMMIT.
	orderStatements = 8
)

var shopTables = []string{
	"CREATE TABLE customers (c_id BIGINT NOT NULL PRIMARY KEY, bal BIGINT NOT NULL) ENGINE=InnoDB",
	"CREATE TABLE orders (c_id BIGINT NOT NULL, o_id BIGINT NOT NULL, total BIGINT NOT NULL, PRIMARY KEY (c_id, o_id)) ENGINE=InnoDB",
	"CREATE TABLE order_lines (c_id BIGINT NOT NULL, o_id BIGINT NOT NULL, line INT NOT NULL, i_id INT NOT NULL, qty INT NOT NULL, PRIMARY KEY (c_id, o_id, line)) ENGINE=InnoDB",
	"CREATE TABLE items (i_id INT NOT NULL PRIMARY KEY, price BIGINT NOT NULL) ENGINE=InnoDB",
}

// shopRulesYAML are the sharded proxy's rules for dbShop.
const shopRulesYAML = `- name: ` + dbShop + `
  default_shard: s0
  tables:
    - {name: customers, shard_key: c_id, algorithm: hash}
    - {name: orders, shard_key: c_id, algorithm: hash}
    - {name: order_lines, shard_key: c_id, algorithm: hash}
    - {name: items, broadcast: true}
`

// loadShop creates and fills the tables through db (the sharded proxy or
// m0).
func loadShop(ctx context.Context, t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range shopTables {
		mustExec(ctx, t, db, q)
	}
	fill := func(table string, n int, row func(i int) string) {
		for first := 1; first <= n; first += 500 {
			var b strings.Builder
			b.WriteString("INSERT INTO " + table + " VALUES ")
			for i := first; i < first+500 && i <= n; i++ {
				if i > first {
					b.WriteByte(',')
				}
				b.WriteString(row(i))
			}
			mustExec(ctx, t, db, b.String())
		}
	}
	fill("customers", shopCustomers, func(i int) string { return fmt.Sprintf("(%d,1000000)", i) })
	fill("items", shopItems, func(i int) string { return fmt.Sprintf("(%d,%d)", i, 1+i%97) })
}

// orderEntry is one client; it owns the customers c with c % clients ==
// client, so that clients never wait on each other's rows.
type orderEntry struct {
	conn            *sql.Conn
	rng             *rand.Rand
	client, clients int
	seq             *atomic.Int64 // order ids, shared by every client and run of one database
}

func (c *orderEntry) Do(ctx context.Context) error {
	cid := int64(c.client + 1 + c.clients*c.rng.IntN(shopCustomers/c.clients))
	oid := c.seq.Add(1)
	var items [shopLines]int
	for i := range items {
		items[i] = 1 + c.rng.IntN(shopItems)
	}
	err := func() error {
		if _, err := c.conn.ExecContext(ctx, "BEGIN"); err != nil {
			return err
		}
		if err := drain(c.conn.QueryContext(ctx, "SELECT bal FROM customers WHERE c_id = ?", cid)); err != nil {
			return err
		}
		if err := drain(c.conn.QueryContext(ctx, "SELECT i_id, price FROM items WHERE i_id IN (?, ?, ?)", items[0], items[1], items[2])); err != nil {
			return err
		}
		if _, err := c.conn.ExecContext(ctx, "INSERT INTO orders (c_id, o_id, total) VALUES (?, ?, ?)", cid, oid, 3*shopLines); err != nil {
			return err
		}
		if _, err := c.conn.ExecContext(ctx, "INSERT INTO order_lines (c_id, o_id, line, i_id, qty) VALUES (?, ?, 1, ?, 3), (?, ?, 2, ?, 3), (?, ?, 3, ?, 3)",
			cid, oid, items[0], cid, oid, items[1], cid, oid, items[2]); err != nil {
			return err
		}
		if _, err := c.conn.ExecContext(ctx, "UPDATE customers SET bal = bal - ? WHERE c_id = ?", 3*shopLines, cid); err != nil {
			return err
		}
		if err := drain(c.conn.QueryContext(ctx, "SELECT SUM(qty) FROM order_lines WHERE (c_id, o_id) IN ((?, ?))", cid, oid)); err != nil {
			return err
		}
		_, err := c.conn.ExecContext(ctx, "COMMIT")
		return err
	}()
	if err != nil {
		_, _ = c.conn.ExecContext(ctx, "ROLLBACK")
	}
	return err
}

func (c *orderEntry) Close() { c.conn.Close() }

// drain reads a query's rows to the end.
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// orderEntryClients opens n clients on db (arguments interpolated: one
// round trip per statement on both sides) that take order ids from seq.
func orderEntryClients(ctx context.Context, t *testing.T, db *sql.DB, n int, seq *atomic.Int64) []txClient {
	t.Helper()
	clients := make([]txClient, n)
	for i := range clients {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("connecting for the order entry: %v", err)
		}
		clients[i] = &orderEntry{conn: conn, rng: rand.New(rand.NewPCG(uint64(i), 42)), client: i, clients: n, seq: seq}
	}
	return clients
}

// orderEntry is workload 6: 8 clients through the sharded proxy and on
// m0.
func (b *benchRun) orderEntry() {
	t := b.t
	const clients = 8
	name := fmt.Sprintf("order entry (co-located by customer), %d clients", clients)
	if !b.s.wants(name) {
		return
	}
	const params = "interpolateParams=true&timeout=5s&readTimeout=60s&writeTimeout=60s"
	pdb := b.top.sharded.DB(t, appUser, appPass, dbShop, params)
	ddb := b.top.m0.DB(t, dbShop+"?"+params)
	loadShop(b.ctx, t, pdb)
	loadShop(b.ctx, t, ddb)
	direct, proxy := &side{Name: "direct"}, &side{Name: "proxy"}
	var directSeq, proxySeq atomic.Int64
	before, err := scrape(b.ctx, b.top.sharded.AdminURL(), append(append([]string{}, commitKinds...), commitTimes...)...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for rep := 0; rep < b.s.Repeat; rep++ {
		b.runTransfers(name, direct, rep, orderEntryClients(b.ctx, t, ddb, clients, &directSeq), 0, "", orderStatements)
		b.runTransfers(name, proxy, rep, orderEntryClients(b.ctx, t, pdb, clients, &proxySeq), b.top.sharded.PID(), "", orderStatements)
	}
	after, err := scrape(b.ctx, b.top.sharded.AdminURL(), append(append([]string{}, commitKinds...), commitTimes...)...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b.rep.Notes = append(b.rep.Notes, twoPhaseNote(name, before, after))
	b.add(compare(name, "throughput", "tx/s", proxy, direct, nil))
	b.add(compare(name, "p50", "ms", proxy, direct, nil))
	b.noteErrors(name, map[string]*side{"proxy": proxy, "direct": direct})
}
