package integration

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// TestReadOnlyBranchesSkipTwoPhase: a transaction over several shards in
// which at most one shard's branch may have changed rows commits each
// branch in one phase, the writer first, with no decision in etcd; one in
// which a read may have written (it calls a stored function, or reads a
// view) commits in two phases as before, and either way every change is
// committed.
func TestReadOnlyBranchesSkipTwoPhase(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, 2*time.Minute)
	// A function that writes, on every shard, and a view: reads through
	// them may change rows as far as the proxy can tell. The function's
	// table is unsharded (on s0), so the reads are of s0's accounts.
	createAudit(t, b)
	mustExec(t, db, "CREATE VIEW rich AS SELECT id, bal FROM accounts WHERE bal > 0")
	// Views whose reads write, made on the shards behind the proxy's
	// back (it refuses one whose function names an unsharded table): the
	// catalog may not know them; the check on the reader's own connection
	// does. sneaky is on s0 alone.
	for _, name := range b.names {
		mustExec(t, b.direct[name], "CREATE VIEW noisy AS SELECT id, noted(bal) AS n FROM accounts")
	}
	mustExec(t, b.direct["s0"], "CREATE VIEW sneaky AS SELECT id, noted(bal) AS n FROM accounts")

	kinds := []string{"one_writer", "read_only", "two_phase", "one_phase"}
	counts := func() map[string]float64 {
		out := map[string]float64{}
		for _, k := range kinds {
			out[k] = metric(t, p, `xaproxy_xa_commits_total{kind="`+k+`"}`)
		}
		return out
	}
	type step struct {
		sql  string
		args func(a, w int64) []any
		lit  bool // the args are formatted into sql (%d), not sent apart
	}
	tests := []struct {
		name  string
		steps []step
		kind  string // the commit counter that moves by one
		debit bool   // the writer's account lost 1
		audit int64  // rows written to audit on the read account's shard
	}{
		{"read one shard, write another", []step{
			{sql: "SELECT bal FROM accounts WHERE id = ?", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "one_writer", true, 0},
		{"locking read on one shard, write another", []step{
			{sql: "SELECT bal FROM accounts WHERE id = ? FOR UPDATE", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "one_writer", true, 0},
		{"reads only", []step{
			{sql: "SELECT bal FROM accounts WHERE id = ?", args: func(a, w int64) []any { return []any{a} }},
			{sql: "SELECT bal FROM accounts WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "read_only", false, 0},
		{"a read calling a writing function", []step{
			{sql: "SELECT noted(bal) FROM accounts WHERE id = ?", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 1},
		{"a read of a view", []step{
			{sql: "SELECT bal FROM rich WHERE id = ?", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 0},
		{"a read of a view calling a writing function", []step{
			{sql: "SELECT n FROM noisy WHERE id = ?", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 1},
		{"a CTE named like a view", []step{
			{sql: "WITH rich AS (SELECT 1 AS one) SELECT n FROM noisy WHERE id = ? AND EXISTS (SELECT one FROM rich)", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 1},
		{"a view the catalog does not know", []step{
			{sql: "SELECT n FROM sneaky WHERE id = ?", args: func(a, w int64) []any { return []any{a} }},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 1},
		{"SQL PREPARE of a read with an executable comment", []step{
			{sql: "SET @a = %d", args: func(a, w int64) []any { return []any{a} }, lit: true},
			{sql: "PREPARE s FROM 'SELECT bal /*M!, noted(bal) */ FROM accounts WHERE id = ?'"},
			{sql: "EXECUTE s USING @a"},
			{sql: "UPDATE accounts SET bal = bal - 1 WHERE id = ?", args: func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, w := readOnS0(t, b)
			balA, balW := b.balance(t, a), b.balance(t, w)
			audit := queryInt(t, b.dbOf(a), "SELECT COUNT(*) FROM audit")
			before := counts()
			runTx(ctx, t, db, func(tx *sql.Tx) {
				for _, st := range tt.steps {
					q, args := st.sql, []any(nil)
					if st.args != nil {
						args = st.args(a, w)
					}
					if st.lit {
						q, args = fmt.Sprintf(q, args...), nil
					}
					rows, err := tx.QueryContext(ctx, q, args...)
					if err != nil {
						t.Fatalf("%s: %v", st.sql, err)
					}
					for rows.Next() {
					}
					if err := rows.Err(); err != nil {
						t.Fatalf("%s: %v", st.sql, err)
					}
					rows.Close()
				}
			})
			after := counts()
			for _, k := range kinds {
				want := before[k]
				if k == tt.kind {
					want++
				}
				if after[k] != want {
					t.Errorf("commits{kind=%q} %v -> %v, want %v", k, before[k], after[k], want)
				}
			}
			wantW := balW
			if tt.debit {
				wantW--
			}
			b.wantBalances(t, tt.name, map[int64]int64{a: balA, w: wantW})
			if n := queryInt(t, b.dbOf(a), "SELECT COUNT(*) FROM audit"); n != audit+tt.audit {
				t.Errorf("audit rows on %s's shard %d -> %d, want +%d", tt.name, audit, n, tt.audit)
			}
		})
	}
}

// TestReadBranchesOnTwoShards: with two reading branches the check runs on
// both; a view on one of them (s0, where the proxy sends a table it does
// not know) sends the transaction to two phases.
func TestReadBranchesOnTwoShards(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	createAudit(t, b, "s0")
	mustExec(t, b.direct["s0"], "CREATE VIEW noisy AS SELECT id, noted(bal) AS n FROM accounts")
	for _, tt := range []struct {
		name, first, kind string
		audit             int64
	}{
		{"two base tables", "SELECT bal FROM accounts WHERE id = ?", "one_writer", 0},
		{"a view on one reader", "SELECT n FROM noisy WHERE id = ?", "two_phase", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r0, r1, w := b.takeOn(t, "s0"), b.takeOn(t, "s1"), b.takeOn(t, "s2")
			bal := b.balance(t, w)
			before := metric(t, p, `xaproxy_xa_commits_total{kind="`+tt.kind+`"}`)
			runTx(ctx, t, db, func(tx *sql.Tx) {
				var v int64
				if err := tx.QueryRowContext(ctx, tt.first, r0).Scan(&v); err != nil {
					t.Fatal(err)
				}
				if err := tx.QueryRowContext(ctx, "SELECT bal FROM accounts WHERE id = ?", r1).Scan(&v); err != nil {
					t.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, "UPDATE accounts SET bal = bal - 1 WHERE id = ?", w); err != nil {
					t.Fatal(err)
				}
			})
			if n := metric(t, p, `xaproxy_xa_commits_total{kind="`+tt.kind+`"}`); n != before+1 {
				t.Errorf("commits{kind=%q} %v -> %v, want one more", tt.kind, before, n)
			}
			b.wantBalances(t, tt.name, map[int64]int64{w: bal - 1})
			if n := queryInt(t, b.direct["s0"], "SELECT COUNT(*) FROM audit"); n != tt.audit {
				t.Errorf("audit rows %d, want %d", n, tt.audit)
			}
		})
	}
}

// runTx runs body in a transaction and commits it, failing the test on
// any error.
func runTx(ctx context.Context, t *testing.T, db *sql.DB, body func(*sql.Tx)) {
	t.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	body(tx)
	if err := tx.Commit(); err != nil {
		t.Fatalf("COMMIT: %v", err)
	}
}

// readOnS0 takes two accounts on different shards, the first on s0.
func readOnS0(t *testing.T, b *bank) (a, w int64) {
	t.Helper()
	for range 10 {
		a, w = b.takeCross(t)
		if b.shardOf[w] == "s0" {
			a, w = w, a
		}
		if b.shardOf[a] == "s0" {
			return a, w
		}
	}
	t.Fatal("no pair of accounts with one on s0")
	return 0, 0
}

// TestReadBranchHoldsMetadataLock: what checkReaders relies on. A table a
// transaction's branch read stays what it was until the branch ends: a
// RENAME (the first step of replacing it with a view) waits for the
// branch, on the shard itself.
func TestReadBranchHoldsMetadataLock(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	a, w := readOnS0(t, b)
	before := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`)
	runTx(ctx, t, db, func(tx *sql.Tx) {
		var bal int64
		if err := tx.QueryRowContext(ctx, "SELECT bal FROM accounts WHERE id = ?", a).Scan(&bal); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE accounts SET bal = bal - 1 WHERE id = ?", w); err != nil {
			t.Fatal(err)
		}
		_, err := b.direct["s0"].ExecContext(ctx, "SET STATEMENT lock_wait_timeout = 1 FOR RENAME TABLE accounts TO accounts_old")
		if code, _ := errCode(err); code != 1205 {
			t.Fatalf("RENAME of a table an open branch read: %v (code %d), want 1205 (it waits for the branch)", err, code)
		}
	})
	if n := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`); n != before+1 {
		t.Errorf("one_writer commits %v -> %v, want one more", before, n)
	}
}
