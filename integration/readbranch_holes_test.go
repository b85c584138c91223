package integration

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A review of the read-only-branch commit found statements the proxy
// counted as pure reads that change rows on the reading shard: committed
// in one phase beside the real writer, a lost reader connection between
// the two commits left half a transaction. Each case here credits w (the
// writer, another shard) and, through a "read" on s0, inserts a row into
// audit with the stored function noted; the transaction must commit in two
// phases with both changes. audit is unsharded (s0, where the reads go), so
// that the proxy's routine checks, once its catalog knows the function,
// still let the statements run.

type readHole struct {
	name   string
	pre    []string // on the session before BEGIN
	reads  []string // the reader's statements; %d is a
	direct []string // on s0 itself before the transaction; %d is a
	// refused: the proxy refuses the last read (1235), since it would read
	// the text otherwise than MariaDB; the client rolls back.
	refused bool
}

func TestReadBranchHoles(t *testing.T) {
	b := startBank(t)
	runReadHoles(t, b, []readHole{
		{name: "NO_BACKSLASH_ESCAPES hides /*M! in a string",
			pre:   []string{"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"},
			reads: []string{"SELECT COUNT(*), 'x\\' /*M!, noted(%d)*/, ' AS y -- '\n FROM transfers WHERE src = %d"}},
		{name: "latin1 NBSP after -- hides /*M! from the expander", refused: true,
			pre:   []string{"SET NAMES latin1"},
			reads: []string{"SELECT COUNT(*) --\xa0 '\n/*M!, noted(%d)*/ FROM transfers WHERE src = %d -- '\n"}},
		{name: "ANSI_QUOTES backslash in a quoted name hides /*M!", refused: true,
			pre:   []string{"SET SESSION sql_mode = 'ANSI_QUOTES'"},
			reads: []string{"SELECT COUNT(*) AS \"x\\\" /*M!, noted(%d)*/, COUNT(*) AS \" -- \"\n FROM transfers WHERE src = %d"}},
		{name: "latin1 name bytes checked as utf8",
			direct: []string{"CREATE OR REPLACE VIEW `v\u00c3\u00a9` AS SELECT noted(%d) AS n"},
			pre:    []string{"SET NAMES latin1"},
			reads:  []string{"SELECT n FROM `v\xc3\xa9`"}},
		{name: "ANSI_QUOTES smuggles an UPDATE into a read", refused: true,
			pre:   []string{"SET SESSION sql_mode = 'ANSI_QUOTES'"},
			reads: []string{"SELECT COUNT(*) AS \"x\\\"; INSERT INTO audit VALUES (%d); SELECT COUNT(*) AS \" -- \"\n FROM transfers WHERE src = %d"}},
		{name: "gbk smuggles an UPDATE into a read", refused: true,
			pre:   []string{"SET NAMES gbk"},
			reads: []string{"SELECT COUNT(*) AS '\xbf\x5c'; INSERT INTO audit VALUES (%d); SELECT COUNT(*) AS ' -- '\n FROM transfers WHERE src = %d"}},
		{name: "character_set_results latin1 hides a view's row",
			direct: []string{"CREATE OR REPLACE VIEW `v\u00e9` AS SELECT noted(%d) AS n"},
			pre:    []string{"SET character_set_results = latin1"},
			reads:  []string{"SELECT n FROM `v\u00e9`"}},
		{name: "sql_select_limit cuts the lookup",
			direct: []string{"CREATE OR REPLACE VIEW noisy2 AS SELECT noted(%d) AS n"},
			pre:    []string{"SET SESSION sql_select_limit = 1"},
			reads:  []string{"SELECT COUNT(*) FROM transfers WHERE src = %d", "SELECT n FROM noisy2"}},
		{name: "backquoted keyword builtin calls a stored function",
			direct: []string{"CREATE OR REPLACE FUNCTION `substr`(x BIGINT, y INT) RETURNS BIGINT MODIFIES SQL DATA BEGIN INSERT INTO audit VALUES (x); RETURN x; END"},
			reads:  []string{"SELECT COUNT(*), `substr`(%d, 1) FROM transfers WHERE src = %d"}},
	})
}

// TestReadBranchHolesLowerCaseNames: with lower_case_table_names=1 the
// name NOISY reads the view noisy; the check answers no for any setting
// but 0.
func TestReadBranchHolesLowerCaseNames(t *testing.T) {
	b := startBank(t, "--lower-case-table-names=1")
	runReadHoles(t, b, []readHole{{name: "lower_case_table_names=1",
		direct: []string{"CREATE OR REPLACE VIEW noisy AS SELECT noted(%d) AS n"},
		reads:  []string{"SELECT n FROM NOISY"}}})
}

func runReadHoles(t *testing.T, b *bank, cases []readHole) {
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	createAudit(t, b)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, time.Minute)
			a, w := readOnS0(t, b)
			balW := b.balance(t, w)
			audit := queryInt(t, b.direct["s0"], "SELECT COUNT(*) FROM audit")
			before := map[string]float64{}
			for _, k := range []string{"one_writer", "two_phase"} {
				before[k] = metric(t, p, `xaproxy_xa_commits_total{kind="`+k+`"}`)
			}
			for _, q := range tc.direct {
				mustExec(t, b.direct["s0"], withID(q, a))
			}
			// The session's settings must not reach the next case.
			conn := freshConn(ctx, t, db)
			exec := func(q string) {
				t.Helper()
				rows, err := conn.QueryContext(ctx, q)
				if err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				for rows.Next() {
				}
				if err := rows.Err(); err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				rows.Close()
			}
			for _, q := range tc.pre {
				exec(q)
			}
			exec("BEGIN")
			exec(fmt.Sprintf("UPDATE accounts SET bal = bal + 1 WHERE id = %d", w))
			reads := tc.reads
			if tc.refused {
				reads = reads[:len(reads)-1]
			}
			for _, q := range reads {
				exec(withID(q, a))
			}
			if tc.refused {
				q := withID(tc.reads[len(tc.reads)-1], a)
				_, err := conn.ExecContext(ctx, q)
				if code, _ := errCode(err); code != 1235 {
					t.Fatalf("%q: %v, want 1235 (read otherwise than MariaDB)", q, err)
				}
				exec("ROLLBACK")
				b.wantBalances(t, tc.name, map[int64]int64{w: balW})
				if n := queryInt(t, b.direct["s0"], "SELECT COUNT(*) FROM audit"); n != audit {
					t.Errorf("audit rows %d -> %d after a refused read and ROLLBACK", audit, n)
				}
				return
			}
			exec("COMMIT")
			if n := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`); n != before["one_writer"] {
				t.Errorf("committed one_writer (no decision) though two shards changed rows")
			}
			if n := metric(t, p, `xaproxy_xa_commits_total{kind="two_phase"}`); n != before["two_phase"]+1 {
				t.Errorf("two_phase commits %v -> %v, want one more", before["two_phase"], n)
			}
			b.wantBalances(t, tc.name, map[int64]int64{w: balW + 1})
			if n := queryInt(t, b.direct["s0"], "SELECT COUNT(*) FROM audit"); n != audit+1 {
				t.Errorf("audit rows %d -> %d, want one more (the read's write)", audit, n)
			}
		})
	}
}

// createAudit makes, directly on each of shards (every shard when none is
// named), the table audit and the stored function noted(x) that inserts x
// into it: a read that calls noted writes. The proxy sends audit, which it
// does not shard, to s0.
func createAudit(t *testing.T, b *bank, shards ...string) {
	t.Helper()
	if len(shards) == 0 {
		shards = b.names
	}
	for _, name := range shards {
		mustExec(t, b.direct[name], "CREATE TABLE audit (n BIGINT)")
		mustExec(t, b.direct[name], "CREATE FUNCTION noted(x BIGINT) RETURNS BIGINT MODIFIES SQL DATA BEGIN INSERT INTO audit VALUES (x); RETURN x; END")
	}
}

// withID puts id in place of every %d of q.
func withID(q string, id int64) string {
	return strings.ReplaceAll(q, "%d", fmt.Sprint(id))
}

// TestSetJoinsTransaction: a SET whose value calls a routine or reads a
// table, first in a transaction (no branch yet), runs in the transaction,
// as on MariaDB: ROLLBACK undoes the routine's write (it ran on a pooled
// connection outside it and stayed committed).
func TestSetJoinsTransaction(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	// audit is unsharded (on s0, the default shard, where SET runs).
	createAudit(t, b)
	count := func() int64 { return queryInt(t, b.direct["s0"], "SELECT COUNT(*) FROM audit") }
	for _, begin := range []string{"BEGIN", "SET autocommit = 0"} {
		conn := freshConn(ctx, t, db)
		before := count()
		for _, q := range []string{begin, "SET @x = noted(1)", "ROLLBACK"} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if n := count(); n != before {
			t.Errorf("%s; SET @x = noted(1); ROLLBACK: audit rows %d -> %d: the SET's write escaped the transaction", begin, before, n)
		}
	}
}

// TestReadBranchHolesIgnoreSpace: a statement prepared while sql_mode has
// IGNORE_SPACE is parsed by the proxy with it: "count\r(7)" is the
// aggregate COUNT, a pure read. Executed after sql_mode dropped
// IGNORE_SPACE, a shard reads the text under the current sql_mode, where a
// builtin name not followed at once by "(" is a stored function's:
// `count`. checkReadSince looked only for " (", "\t(" and "\n(" and let
// "\r(" through (found by a second review); now the EXECUTE is refused,
// as the other blanks were.
func TestReadBranchHolesIgnoreSpace(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	conn := freshConn(ctx, t, db)
	for _, q := range []string{"SET SESSION sql_mode = 'IGNORE_SPACE'", "PREPARE ps FROM 'SELECT count\r(7)'", "SET SESSION sql_mode = 'STRICT_TRANS_TABLES'"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
	}
	_, err := conn.ExecContext(ctx, "EXECUTE ps")
	if code, _ := errCode(err); code != 1235 {
		t.Errorf("EXECUTE of count\\r(7) prepared under IGNORE_SPACE, run without: %v, want 1235 (read differently now)", err)
	}
	// The binary protocol: COM_STMT_PREPARE under IGNORE_SPACE.
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = 'IGNORE_SPACE'"); err != nil {
		t.Fatal(err)
	}
	ps, err := conn.PrepareContext(ctx, "SELECT count\r(?)")
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = 'STRICT_TRANS_TABLES'"); err != nil {
		t.Fatal(err)
	}
	var n int64
	err = ps.QueryRowContext(ctx, 7).Scan(&n)
	if code, _ := errCode(err); code != 1235 {
		t.Errorf("COM_STMT_EXECUTE of count\\r(?) prepared under IGNORE_SPACE, run without: %v, want 1235", err)
	}
}

// TestReadBranchHolesShardMode: the proxy parses with the first shard's
// global sql_mode (here IGNORE_SPACE: count\r(x) is the aggregate); a
// shard whose global mode differs (s1: none) reads a call of the stored
// function count there. The reader check compares each reader
// connection's sql_mode with the reads' and commits in two phases.
func TestReadBranchHolesShardMode(t *testing.T) {
	b := startBank(t)
	mustExec(t, b.direct["s0"], "SET GLOBAL sql_mode = 'IGNORE_SPACE'")
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	createAudit(t, b)
	mustExec(t, b.direct["s1"], "CREATE FUNCTION `count`(x BIGINT) RETURNS BIGINT MODIFIES SQL DATA BEGIN INSERT INTO audit VALUES (x); RETURN x; END")
	r, w := b.takeOn(t, "s1"), b.takeOn(t, "s2")
	balW := b.balance(t, w)
	before := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`)
	runTx(ctx, t, db, func(tx *sql.Tx) {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE accounts SET bal = bal + 1 WHERE id = %d", w)); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT count\r(bal) FROM accounts WHERE id = %d", r))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
	})
	b.wantBalances(t, "shard mode", map[int64]int64{w: balW + 1})
	if wrote := queryInt(t, b.direct["s1"], "SELECT COUNT(*) FROM audit"); wrote != 1 {
		t.Errorf("audit rows on s1 %d, want 1: the shard did not call `count`, so the case shows nothing", wrote)
	}
	if one := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`); one != before {
		t.Errorf("committed one_writer (no decision) though the read on s1 wrote through `count`")
	}
}

// TestReadBranchHolesOracleNextval: under sql_mode ORACLE, s.nextval is
// NEXTVAL(s) on MariaDB; TiDB reads a column, so the proxy counts it a
// pure read (no table named). The sequence advances on the reader though
// pureread.go says an advanced sequence is a write. Not an atomicity loss:
// MariaDB never rolls a sequence back (checked: XA ROLLBACK keeps it).
func TestReadBranchHolesOracleNextval(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "p1", "")
	db := bankDB(t, p)
	ctx := testCtx(t, time.Minute)
	mustExec(t, b.direct["s0"], "CREATE SEQUENCE sq NOCACHE")
	_, w := readOnS0(t, b)
	before := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`)
	conn := freshConn(ctx, t, db)
	for _, q := range []string{"SET SESSION sql_mode = 'ORACLE'", "BEGIN",
		fmt.Sprintf("UPDATE accounts SET bal = bal + 1 WHERE id = %d", w), "SELECT sq.nextval", "COMMIT"} {
		rows, err := conn.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		for rows.Next() {
		}
		rows.Close()
	}
	next := queryInt(t, b.direct["s0"], "SELECT next_not_cached_value FROM sq")
	if next <= 1 {
		t.Errorf("sequence sq did not advance (next_not_cached_value %d): the case shows nothing", next)
	}
	if one := metric(t, p, `xaproxy_xa_commits_total{kind="one_writer"}`); one != before {
		t.Errorf("committed one_writer though the read advanced sequence sq on s0 (next_not_cached_value %d)", next)
	}
}
