package router

import (
	"strings"
	"testing"
)

// TestBindSetsExecOp checks the operation the router gives each kind of
// bound plan: the proxy's executor switches on it alone.
func TestBindSetsExecOp(t *testing.T) {
	r := keyedRouter(t)
	tests := []struct {
		sql     string
		lock    bool // BindOptions.LockReads
		ownText bool // BindOptions.OwnText
		want    ExecOp
	}{
		{sql: "SELECT * FROM orders WHERE user_id = 5", want: ExecSingle},
		{sql: "SELECT * FROM countries", want: ExecSingle},
		{sql: "SELECT * FROM orders WHERE user_id = 5", lock: true, want: ExecRewritten},
		// The client's own text takes the lock clause (Exec.OwnLocked).
		{sql: "SELECT * FROM orders WHERE user_id = 5", lock: true, ownText: true, want: ExecSingle},
		{sql: "SELECT * FROM orders", lock: true, ownText: true, want: ExecMerge},
		{sql: "SELECT * FROM orders", want: ExecMerge},
		{sql: "SELECT * FROM orders", lock: true, want: ExecMerge},
		{sql: "SHOW TABLES", want: ExecShowTables},
		{sql: "INSERT INTO orders (user_id, total) VALUES (5, 1)", want: ExecSingle},
		{sql: "INSERT INTO items (id, v) VALUES (1, 'a'), (2, 'b'), (4, 'c')", want: ExecWrite},
		{sql: "DELETE FROM orders WHERE total > 1", want: ExecWrite},
		{sql: "INSERT INTO countries (code) VALUES ('fr')", want: ExecCopies},
		{sql: "UPDATE countries SET name = 'x' WHERE code = 'fr'", want: ExecCopies},
		{sql: "CREATE TABLE orders (user_id BIGINT PRIMARY KEY)", want: ExecDDL},
		{sql: "CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY)", want: ExecSingle},
		{sql: "DELETE FROM orders WHERE total > 1 RETURNING id", want: ExecReturning},
		{sql: "DELETE FROM countries RETURNING code", want: ExecReturning},
		{sql: "SHOW WARNINGS", want: ExecAnswer},
		{sql: "SELECT @@warning_count, @@error_count", want: ExecAnswer},
		{sql: "SELECT FOUND_ROWS()", want: ExecAnswer},
		{sql: "SELECT GET_LOCK('a', 0)", want: ExecUserLock},
		{sql: "SELECT RELEASE_ALL_LOCKS()", want: ExecUserLock},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			e, err := p.BindWith(nil, BindOptions{LockReads: tt.lock, OwnText: tt.ownText})
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			if e.Op != tt.want {
				t.Errorf("op = %v, want %v (parts %+v)", e.Op, tt.want, e.Parts)
			}
			if own := tt.lock && tt.ownText && tt.want == ExecSingle; e.OwnLocked != own {
				t.Errorf("OwnLocked = %v, want %v", e.OwnLocked, own)
			}
		})
	}
}

// TestClassifyPrecedence pins which field decides when several are set.
func TestClassifyPrecedence(t *testing.T) {
	two := []Part{{Shard: "s0"}, {Shard: "s1"}}
	tests := []struct {
		name string
		e    Exec
		want ExecOp
	}{
		{"own statement", Exec{Parts: []Part{{Shard: "s0"}}}, ExecSingle},
		{"router's SQL", Exec{Parts: []Part{{Shard: "s0", SQL: "SELECT 1"}}}, ExecRewritten},
		{"rewritten write", Exec{Parts: []Part{{Shard: "s0", SQL: "INSERT ..."}}, Write: true}, ExecRewritten},
		{"one-shard SHOW TABLES", Exec{Parts: []Part{{Shard: "s0"}}, ShowTables: &showTables{}}, ExecShowTables},
		{"returning copies", Exec{Parts: two, Write: true, Copies: true, Returning: &ReturningMerge{}}, ExecReturning},
		{"ddl", Exec{Parts: two, DDL: true}, ExecDDL},
		{"merge", Exec{Parts: two, Merge: &Merge{}}, ExecMerge},
		{"copies", Exec{Parts: two, Write: true, Copies: true}, ExecCopies},
		{"write", Exec{Parts: two, Write: true}, ExecWrite},
	}
	for _, tt := range tests {
		if got := tt.e.classify(); got != tt.want {
			t.Errorf("%s: op = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCalcFoundRowsAcrossShards: a plain merge keeps SQL_CALC_FOUND_ROWS in
// each shard's statement (their counts add up); DISTINCT does not.
func TestCalcFoundRowsAcrossShards(t *testing.T) {
	r := shardedRouter(t)
	tests := []struct {
		sql  string
		calc bool
	}{
		{"SELECT SQL_CALC_FOUND_ROWS * FROM orders ORDER BY total LIMIT 1", true},
		{"SELECT SQL_CALC_FOUND_ROWS DISTINCT total FROM orders LIMIT 1", false},
		{"SELECT * FROM orders LIMIT 1", false},
	}
	for _, tt := range tests {
		p, err := planFor(t, r, tt.sql)
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		e, err := p.BindWith(nil, BindOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if e.Merge == nil || e.Merge.CalcFoundRows != tt.calc {
			t.Fatalf("%s: merge %+v, want CalcFoundRows %v", tt.sql, e.Merge, tt.calc)
		}
		for _, part := range e.Parts {
			if got := strings.Contains(part.SQL, "SQL_CALC_FOUND_ROWS"); got != tt.calc {
				t.Errorf("%s: shard %s runs %q", tt.sql, part.Shard, part.SQL)
			}
		}
	}
}
