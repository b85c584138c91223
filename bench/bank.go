//go:build bench

package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// The bank workload: accounts sharded by id over s0 and s1, transfers of 1
// between an account on s0 and one on s1.
const (
	bankAccounts   = 20000
	bankInitialBal = 1000
	bankInsertRows = 500 // rows per INSERT while loading
)

// bank is the loaded accounts table and where each account lives.
type bank struct {
	shards  [2]*harness.MariaDB // s0, s1
	direct  [2]*sql.DB          // root on each shard's bank database
	byShard [2][]int64          // account ids held by s0 and s1
}

// loadBank creates and fills the accounts through the sharded proxy (as an
// application would), then asks each shard which accounts it holds.
func loadBank(ctx context.Context, t *testing.T, top *topology) *bank {
	t.Helper()
	start := time.Now()
	db := top.sharded.DB(t, appUser, appPass, dbBank, "timeout=5s&readTimeout=60s&writeTimeout=60s")
	defer db.Close()
	mustExec(ctx, t, db, "CREATE TABLE accounts (id BIGINT NOT NULL PRIMARY KEY, bal BIGINT NOT NULL) ENGINE=InnoDB")
	for first := 1; first <= bankAccounts; first += bankInsertRows {
		var b strings.Builder
		b.WriteString("INSERT INTO accounts (id, bal) VALUES ")
		for id := first; id < first+bankInsertRows && id <= bankAccounts; id++ {
			if id > first {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,%d)", id, bankInitialBal)
		}
		mustExec(ctx, t, db, b.String())
	}
	bk := &bank{shards: [2]*harness.MariaDB{top.s0, top.s1}}
	seen := map[int64]bool{}
	for i, m := range bk.shards {
		bk.direct[i] = m.DB(t, dbBank)
		ids, err := queryInts(ctx, bk.direct[i], "SELECT id FROM accounts ORDER BY id")
		if err != nil {
			t.Fatalf("listing the accounts on %s: %v", m.Name(), err)
		}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("account %d is on both shards", id)
			}
			seen[id] = true
		}
		bk.byShard[i] = ids
	}
	if len(seen) != bankAccounts || len(bk.byShard[0]) < bankAccounts/4 || len(bk.byShard[1]) < bankAccounts/4 {
		t.Fatalf("accounts on the shards: s0 %d, s1 %d; want %d spread over both", len(bk.byShard[0]), len(bk.byShard[1]), bankAccounts)
	}
	t.Logf("bank: %d accounts loaded through the proxy in %s (s0 %d, s1 %d)", bankAccounts,
		time.Since(start).Round(time.Millisecond), len(bk.byShard[0]), len(bk.byShard[1]))
	return bk
}

// picker hands one client transfers between its own accounts: client i of
// n owns every n-th account of each shard, so that clients never contend
// for a row. Contention would measure lock waits (and, across shards,
// undetectable deadlocks), not the proxy.
type picker struct {
	own [2][]int64
	rng *rand.Rand
}

func (bk *bank) picker(client, clients int) *picker {
	p := &picker{rng: rand.New(rand.NewPCG(uint64(client), uint64(clients)))}
	for s := range bk.byShard {
		for j := client; j < len(bk.byShard[s]); j += clients {
			p.own[s] = append(p.own[s], bk.byShard[s][j])
		}
	}
	return p
}

// next is a transfer of 1: ids[s] is the account on shard s, delta[s] what
// it gains; the direction is random so both shards see debits and credits.
func (p *picker) next() (ids, delta [2]int64) {
	ids = [2]int64{p.own[0][p.rng.IntN(len(p.own[0]))], p.own[1][p.rng.IntN(len(p.own[1]))]}
	delta = [2]int64{-1, 1}
	if p.rng.IntN(2) == 0 {
		delta = [2]int64{1, -1}
	}
	return ids, delta
}

// verify fails the benchmark if money appeared or vanished, or an account
// went missing: transfers move money, they never create it.
func (bk *bank) verify(ctx context.Context, t *testing.T) {
	t.Helper()
	var total, count int64
	for i, db := range bk.direct {
		var sum, n int64
		if err := db.QueryRowContext(ctx, "SELECT COALESCE(SUM(bal),0), COUNT(*) FROM accounts").Scan(&sum, &n); err != nil {
			t.Fatalf("summing the balances on %s: %v", bk.shards[i].Name(), err)
		}
		total += sum
		count += n
	}
	if want := int64(bankAccounts * bankInitialBal); total != want || count != bankAccounts {
		t.Fatalf("CORRECTNESS: after the transfers the shards hold %d accounts with a total balance of %d; want %d accounts, %d",
			count, total, bankAccounts, want)
	}
	t.Logf("bank: total balance unchanged (%d over %d accounts)", total, count)
}

// proxyTransfer is a transfer through the sharded proxy, as an application
// writes it: BEGIN; two UPDATEs; COMMIT, on one connection.
type proxyTransfer struct {
	conn *sql.Conn
	pick *picker
}

// proxyTransferStatements is what one transfer sends through the proxy.
const proxyTransferStatements = 4

func (c *proxyTransfer) Do(ctx context.Context) error {
	ids, delta := c.pick.next()
	// The debit first, as a bank would write it; with a random direction
	// either shard may be the first one the transaction touches.
	first, second := 0, 1
	if delta[0] > 0 {
		first, second = 1, 0
	}
	const update = "UPDATE accounts SET bal = bal + ? WHERE id = ?"
	return inTransaction(ctx, c.conn,
		stmt{update, []any{delta[first], ids[first]}},
		stmt{update, []any{delta[second], ids[second]}})
}

// stmt is a statement and its arguments.
type stmt struct {
	sql  string
	args []any
}

// inTransaction runs BEGIN, the statements and COMMIT on conn, one round
// trip each; on an error it rolls back.
func inTransaction(ctx context.Context, conn *sql.Conn, stmts ...stmt) error {
	err := func() error {
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			return err
		}
		for _, st := range stmts {
			if _, err := conn.ExecContext(ctx, st.sql, st.args...); err != nil {
				return err
			}
		}
		_, err := conn.ExecContext(ctx, "COMMIT")
		return err
	}()
	if err != nil {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
	}
	return err
}

func (c *proxyTransfer) Close() { c.conn.Close() }

// openProxyBank opens the pool the proxy-side transfer clients take their
// connections from. The driver interpolates arguments so that each
// statement is one round trip, like the direct client's.
func openProxyBank(t *testing.T, top *topology) *sql.DB {
	t.Helper()
	db := top.sharded.DB(t, appUser, appPass, dbBank, "interpolateParams=true&timeout=5s&readTimeout=60s&writeTimeout=60s")
	db.SetMaxIdleConns(64)
	return db
}

// proxyTransferClients opens n clients on the sharded proxy.
func proxyTransferClients(ctx context.Context, t *testing.T, db *sql.DB, bk *bank, n int) []txClient {
	t.Helper()
	clients := make([]txClient, n)
	for i := range clients {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("connecting to the proxy: %v", err)
		}
		clients[i] = &proxyTransfer{conn: conn, pick: bk.picker(i, n)}
	}
	return clients
}

func mustExec(ctx context.Context, t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		s := q
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		t.Fatalf("%s: %v", s, err)
	}
}

func queryInts(ctx context.Context, db *sql.DB, q string) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func closeAll(clients []txClient) {
	for _, c := range clients {
		c.Close()
	}
}
