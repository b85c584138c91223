package router

import (
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
)

// MariaDB's CREATE OR REPLACE of a table or an index is planned as the
// CREATE it resembles; the shards get the client's text.
func TestCreateOrReplace(t *testing.T) {
	for _, tc := range []struct {
		sql   string
		state ConnState
	}{
		{"CREATE OR REPLACE TABLE t (id INT PRIMARY KEY)", ConnStateNone},
		{"/* c */ create  or\treplace table t2 (id int)", ConnStateNone},
		{"CREATE OR REPLACE TEMPORARY TABLE tt (x INT)", ConnStateTempCreate},
		{"CREATE OR REPLACE UNIQUE INDEX i ON t (c)", ConnStateNone},
	} {
		st, err := NewParser().Parse(tc.sql)
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("%s: %v %v", tc.sql, err, st.ParseErr)
		}
		switch st.Node.(type) {
		case *ast.CreateTableStmt, *ast.CreateIndexStmt:
		default:
			t.Errorf("%s: parsed as %T", tc.sql, st.Node)
		}
		if st.SQL != tc.sql || st.ConnState != tc.state || len(st.Tables) != 1 {
			t.Errorf("%s: SQL %q, state %v, tables %v", tc.sql, st.SQL, st.ConnState, st.Tables)
		}
		if st.ImplicitCommit == (tc.state == ConnStateTempCreate) {
			t.Errorf("%s: implicit commit %v", tc.sql, st.ImplicitCommit)
		}
	}
	for _, sql := range []string{"CREATE OR REPLACE DATABASE d", "SELECT 'CREATE OR REPLACE TABLE t (id INT)' SOUNDS LIKE 'x'"} {
		if st, _ := NewParser().Parse(sql); st.Kind != KindUnparsed {
			t.Errorf("%s: parsed (kind %v)", sql, st.Kind)
		}
	}
}

// MariaDB's EXPLAIN EXTENDED and EXPLAIN PARTITIONS of a statement are
// planned as the EXPLAIN; the shard gets the client's text.
func TestExplainExtended(t *testing.T) {
	for _, sql := range []string{
		"EXPLAIN EXTENDED SELECT * FROM countries",
		"/* c */ explain\tpartitions select 1 FROM countries",
		"DESCRIBE EXTENDED (SELECT * FROM countries)",
	} {
		st, err := NewParser().Parse(sql)
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("%s: %v %v", sql, err, st.ParseErr)
		}
		if _, ok := st.Node.(*ast.ExplainStmt); !ok || st.SQL != sql || !st.ReadOnly {
			t.Errorf("%s: parsed as %T, SQL %q, read-only %v", sql, st.Node, st.SQL, st.ReadOnly)
		}
	}
	// A table named extended is not an EXPLAIN EXTENDED.
	if st, _ := NewParser().Parse("DESC extended k"); st.Kind != KindUnparsed {
		if x, ok := st.Node.(*ast.ExplainStmt); ok {
			if _, show := x.Stmt.(*ast.ShowStmt); !show {
				t.Errorf("DESC extended k: parsed as EXPLAIN of %T", x.Stmt)
			}
		}
	}
}

// MariaDB's INVISIBLE column attribute is planned as the definition it
// resembles; a column named invisible is not mistaken for it.
func TestInvisibleColumnDefinitions(t *testing.T) {
	for _, sql := range []string{
		"CREATE TABLE t (id INT PRIMARY KEY, h INT INVISIBLE DEFAULT 7)",
		"CREATE OR REPLACE TABLE t (id INT PRIMARY KEY, h INT INVISIBLE)",
		"CREATE TABLE t (id INT PRIMARY KEY, h INT NOT NULL invisible, `invisible` INT)",
		"ALTER TABLE t ADD COLUMN h INT INVISIBLE, MODIFY g INT invisible",
		"ALTER TABLE shop.invisible ADD COLUMN h INT INVISIBLE",
	} {
		st, err := NewParser().Parse(sql)
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("%s: %v %v", sql, err, st.ParseErr)
		}
		if st.SQL != sql || !st.ImplicitCommit {
			t.Errorf("%s: SQL %q, implicit commit %v", sql, st.SQL, st.ImplicitCommit)
		}
		// A table named invisible keeps its name (not read as NULL).
		if name := st.Tables[0].Name; name != "t" && name != "invisible" {
			t.Errorf("%s: table %q", sql, name)
		}
	}
	for _, sql := range []string{
		"CREATE TABLE t (invisible INT INVISIBLE)",
		"SELECT 1 INVISIBLE INVISIBLE",
		"CREATE VIEW v AS SELECT 1 FROM t WHERE invisible = 1 INVISIBLE",
	} {
		if st, _ := NewParser().Parse(sql); st.Kind != KindUnparsed {
			t.Errorf("%s: parsed as %T", sql, st.Node)
		}
	}
}

// MySQL 8's TABLE statement, which MariaDB 10.11 answers with 1064, is
// left unread, whatever the TiDB parser makes of it.
func TestTableStatementUnread(t *testing.T) {
	for _, sql := range []string{"TABLE t", "SELECT * FROM t UNION TABLE u", "SELECT * FROM t WHERE id IN (TABLE u)"} {
		st, err := NewParser().Parse(sql)
		if err != nil || st.Kind != KindUnparsed {
			t.Errorf("%s: %v, kind %v", sql, err, st.Kind)
		}
	}
}

// CHAR() and INSERT(), which the TiDB parser reads as its internal
// char_func and insert_func, are written back as MariaDB's in the text
// sent to each shard.
func TestCharFuncRestored(t *testing.T) {
	e, err := execFor(t, shardedRouter(t), "SELECT CHAR(65, 66 USING utf8mb4), CHAR(total), INSERT('abc', 1, 1, 'Z'), id FROM orders ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Parts) < 2 {
		t.Fatalf("parts %v", e.Parts)
	}
	for _, want := range []string{"CHAR(65, 66 USING utf8mb4)", "CHAR(`total`)", "INSERT('abc', 1, 1, 'Z')"} {
		if !strings.Contains(e.Parts[0].SQL, want) || strings.Contains(e.Parts[0].SQL, "_FUNC") {
			t.Errorf("%s: want %s", e.Parts[0].SQL, want)
		}
	}
}

// MySQL 8's forms (locking clauses, VALUES ROW, LATERAL), which MariaDB
// 10.11 answers with 1064, are left unread; MariaDB's own are read.
func TestMySQLOnlyForms(t *testing.T) {
	for sql, unread := range map[string]bool{
		"SELECT * FROM t FOR SHARE":                       true,
		"SELECT * FROM t FOR SHARE SKIP LOCKED":           true,
		"SELECT * FROM t FOR UPDATE OF t":                 true,
		"INSERT INTO t VALUES ROW(1, 2)":                  true,
		"SELECT * FROM t, LATERAL (SELECT t.a) x":         true,
		"SELECT j->'$.a', j->>'$.b' FROM t":               true,
		"SELECT '->' FROM t -- a->b":                      false,
		"SELECT * FROM t LOCK IN SHARE MODE":              false,
		"SELECT * FROM t FOR UPDATE SKIP LOCKED":          false,
		"SELECT 'FOR SHARE' FROM t FOR UPDATE":            false,
		"SELECT * FROM t /* FOR SHARE */ FOR UPDATE":      false,
		"SELECT * FROM t WHERE `for` = 1 FOR UPDATE":      false,
		"SELECT * FROM t LOCK IN SHARE MODE -- FOR SHARE": false,
	} {
		st, err := NewParser().Parse(sql)
		if err != nil || (st.Kind == KindUnparsed) != unread {
			t.Errorf("%s: %v, kind %v, want unread %v", sql, err, st.Kind, unread)
		}
	}
}

// MariaDB's ROLLBACK WORK TO [SAVEPOINT] name is planned as ROLLBACK TO;
// ROLLBACK WORK alone stays the transaction's ROLLBACK.
func TestRollbackWorkTo(t *testing.T) {
	for _, sql := range []string{
		"ROLLBACK WORK TO SAVEPOINT sp",
		"/* c */ rollback\twork to sp;",
		"ROLLBACK WORK TO `sp`",
	} {
		st, err := NewParser().Parse(sql)
		if err != nil || st.Kind != KindSavepoint {
			t.Fatalf("%s: kind %v, %v %v", sql, st.Kind, err, st.ParseErr)
		}
		if r, ok := st.Node.(*ast.RollbackStmt); !ok || r.SavepointName != "sp" {
			t.Errorf("%s: parsed as %#v", sql, st.Node)
		}
	}
	if st, err := NewParser().Parse("ROLLBACK WORK"); err != nil || st.Kind != KindRollback {
		t.Errorf("ROLLBACK WORK: kind %v, %v", st.Kind, err)
	}
}

// MariaDB's DELETE options in any order, repeated or not, are planned as
// the parser's order; the text keeps its length.
func TestDeleteOptionsInAnyOrder(t *testing.T) {
	for _, tt := range []struct {
		sql                string
		low, quick, ignore bool
	}{
		{"DELETE IGNORE LOW_PRIORITY QUICK FROM t WHERE id = 1", true, true, true},
		{"delete quick\tignore from t", false, true, true},
		{"/* c */ DELETE IGNORE IGNORE QUICK FROM t", false, true, true},
		{"DELETE QUICK LOW_PRIORITY t FROM t JOIN u ON t.id = u.id", true, true, false},
	} {
		st, err := NewParser().Parse(tt.sql)
		if err != nil || st.Kind == KindUnparsed {
			t.Fatalf("%s: %v %v", tt.sql, err, st.ParseErr)
		}
		d, ok := st.Node.(*ast.DeleteStmt)
		if !ok || st.SQL != tt.sql {
			t.Fatalf("%s: parsed as %T, SQL %q", tt.sql, st.Node, st.SQL)
		}
		if got := d.Priority == mysql.LowPriority; got != tt.low || d.Quick != tt.quick || d.IgnoreErr != tt.ignore {
			t.Errorf("%s: low_priority %v quick %v ignore %v, want %v %v %v", tt.sql, got, d.Quick, d.IgnoreErr, tt.low, tt.quick, tt.ignore)
		}
	}
	// Not a DELETE option: quickly is the table deleted from (the
	// multiple-table form, as on MariaDB).
	if st, _ := NewParser().Parse("DELETE QUICKLY FROM t"); st.Kind == KindUnparsed || st.Node.(*ast.DeleteStmt).Quick {
		t.Errorf("DELETE QUICKLY FROM t: parsed as %#v", st.Node)
	}
}
