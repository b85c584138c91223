package integration

import (
	"context"
	"database/sql"
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
	for _, name := range b.names {
		mustExec(t, b.direct[name], "CREATE TABLE audit (n INT)")
		mustExec(t, b.direct[name], "CREATE FUNCTION noted(x BIGINT) RETURNS BIGINT MODIFIES SQL DATA BEGIN INSERT INTO audit VALUES (x); RETURN x; END")
	}
	mustExec(t, db, "CREATE VIEW rich AS SELECT id, bal FROM accounts WHERE bal > 0")

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
	}
	tests := []struct {
		name  string
		steps []step
		kind  string // the commit counter that moves by one
		debit bool   // the writer's account lost 1
		audit int64  // rows written to audit on the read account's shard
	}{
		{"read one shard, write another", []step{
			{"SELECT bal FROM accounts WHERE id = ?", func(a, w int64) []any { return []any{a} }},
			{"UPDATE accounts SET bal = bal - 1 WHERE id = ?", func(a, w int64) []any { return []any{w} }},
		}, "one_writer", true, 0},
		{"locking read on one shard, write another", []step{
			{"SELECT bal FROM accounts WHERE id = ? FOR UPDATE", func(a, w int64) []any { return []any{a} }},
			{"UPDATE accounts SET bal = bal - 1 WHERE id = ?", func(a, w int64) []any { return []any{w} }},
		}, "one_writer", true, 0},
		{"reads only", []step{
			{"SELECT bal FROM accounts WHERE id = ?", func(a, w int64) []any { return []any{a} }},
			{"SELECT bal FROM accounts WHERE id = ?", func(a, w int64) []any { return []any{w} }},
		}, "read_only", false, 0},
		{"a read calling a writing function", []step{
			{"SELECT noted(bal) FROM accounts WHERE id = ?", func(a, w int64) []any { return []any{a} }},
			{"UPDATE accounts SET bal = bal - 1 WHERE id = ?", func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 1},
		{"a read of a view", []step{
			{"SELECT bal FROM rich WHERE id = ?", func(a, w int64) []any { return []any{a} }},
			{"UPDATE accounts SET bal = bal - 1 WHERE id = ?", func(a, w int64) []any { return []any{w} }},
		}, "two_phase", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, w := readOnS0(t, b)
			balA, balW := b.balance(t, a), b.balance(t, w)
			audit := queryInt(t, b.dbOf(a), "SELECT COUNT(*) FROM audit")
			before := counts()
			runTx(ctx, t, db, func(tx *sql.Tx) {
				for _, st := range tt.steps {
					rows, err := tx.QueryContext(ctx, st.sql, st.args(a, w)...)
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
