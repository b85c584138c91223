package router

import (
	"fmt"
	"testing"
)

func TestParseClassifies(t *testing.T) {
	p := NewParser()
	tests := []struct {
		sql            string
		kind           Kind
		implicitCommit bool
		readOnly       bool
		tables         int
	}{
		{"SELECT 1", KindPassThrough, false, true, 0},
		{"select * from t where id = 1", KindPassThrough, false, true, 1},
		{"SELECT * FROM t FOR UPDATE", KindPassThrough, false, false, 1},
		{"insert into shop.orders values (1)", KindPassThrough, false, false, 1},
		{"BEGIN", KindBegin, false, false, 0},
		{"start transaction read only", KindBegin, false, false, 0},
		{"COMMIT", KindCommit, false, false, 0},
		{"rollback", KindRollback, false, false, 0},
		{"ROLLBACK TO SAVEPOINT a", KindSavepoint, false, false, 0},
		{"SAVEPOINT a", KindSavepoint, false, false, 0},
		{"SET autocommit = 0", KindSet, false, false, 0},
		{"SET NAMES utf8mb4", KindSet, false, false, 0},
		{"use shop", KindUse, false, false, 0},
		{"SHOW DATABASES", KindShowDatabases, false, true, 0},
		{"show tables", KindPassThrough, false, true, 1},
		{"CREATE TABLE t (id int)", KindPassThrough, true, false, 1},
		{"TRUNCATE TABLE t", KindPassThrough, true, false, 1},
		{"XA START 'x'", KindXA, false, false, 0},
		{"show  xa status;", KindShowXAStatus, false, false, 0},
		{"  /* hint */ xa recover", KindXA, false, false, 0},
		{"  ", KindEmpty, false, false, 0},
		{"-- only a comment\n", KindComment, false, false, 0},
		{"/* c */ ;", KindComment, false, false, 0},
		{" ;; ", KindEmpty, false, false, 0},
		{"SELEC 1", KindUnparsed, false, false, 0},
		{"WITH c AS (SELECT 1) SELECT * FROM c JOIN t", KindPassThrough, false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			st, err := p.Parse(tt.sql)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if st.Kind != tt.kind {
				t.Errorf("kind = %v, want %v", st.Kind, tt.kind)
			}
			if st.ImplicitCommit != tt.implicitCommit {
				t.Errorf("implicit commit = %v, want %v", st.ImplicitCommit, tt.implicitCommit)
			}
			if st.ReadOnly != tt.readOnly {
				t.Errorf("read only = %v, want %v", st.ReadOnly, tt.readOnly)
			}
			if len(st.Tables) != tt.tables {
				t.Errorf("tables = %v, want %d", st.Tables, tt.tables)
			}
		})
	}
}

func TestParseRefusesMultiStatements(t *testing.T) {
	_, err := NewParser().Parse("SELECT 1; SELECT 2")
	if err == nil {
		t.Fatal("multi-statement query was accepted")
	}
}

func TestIsKeyword(t *testing.T) {
	tests := []struct {
		s, kw string
		want  bool
	}{
		{"XA START", "XA", true},
		{"xa", "XA", true},
		{"XAVIER", "XA", false},
		{"XA_x", "XA", false},
		{"X", "XA", false},
	}
	for _, tt := range tests {
		if got := isKeyword(tt.s, tt.kw); got != tt.want {
			t.Errorf("isKeyword(%q, %q) = %v", tt.s, tt.kw, got)
		}
	}
}

// TestPlainTxStatementsMatchTheParser: the shortcut for bare BEGIN/COMMIT/
// ROLLBACK gives what the parser gives.
func TestPlainTxStatementsMatchTheParser(t *testing.T) {
	p := NewParser()
	for _, sql := range []string{"BEGIN", "begin;", " START TRANSACTION ", "COMMIT", "commit;", "ROLLBACK", "rollback"} {
		fast, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := p.parse(sql)
		if err != nil || len(nodes) != 1 {
			t.Fatalf("parser on %q: %v", sql, err)
		}
		slow := &Statement{SQL: sql}
		classify(slow, nodes[0])
		if fast.Kind != slow.Kind || fmt.Sprintf("%T", fast.Node) != fmt.Sprintf("%T", slow.Node) || fast.ReadOnly != slow.ReadOnly || fast.ImplicitCommit != slow.ImplicitCommit {
			t.Errorf("%q: shortcut %v %T, parser %v %T", sql, fast.Kind, fast.Node, slow.Kind, slow.Node)
		}
	}
	// MariaDB also takes the WORK forms, which the TiDB parser refuses.
	for _, sql := range []string{"begin work", "COMMIT WORK", "rollback work;"} {
		if _, n := plainTxStatement(sql); n == nil {
			t.Errorf("%q not recognised", sql)
		}
	}
	// Options go to the parser.
	for _, sql := range []string{"START TRANSACTION READ ONLY", "COMMIT AND CHAIN", "ROLLBACK TO SAVEPOINT a"} {
		if k, n := plainTxStatement(sql); n != nil {
			t.Errorf("%q taken by the shortcut as %v", sql, k)
		}
	}
}

// TestParseConnState: statements whose state lives in the backend
// connection are recognised, and temporary tables commit nothing.
func TestParseConnState(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql      string
		want     ConnState
		implicit bool
	}{
		{"CREATE TEMPORARY TABLE t (id INT)", ConnStateTempCreate, false},
		{"CREATE TABLE t (id INT)", ConnStateNone, true},
		{"DROP TEMPORARY TABLE IF EXISTS t", ConnStateTempDrop, false},
		{"DROP TABLE t", ConnStateTempDrop, true}, // drops a temporary t first, and commits
		{"DROP VIEW v", ConnStateNone, true},
		{"LOCK TABLES t WRITE, u READ", ConnStateLockTables, true},
		{"UNLOCK TABLES", ConnStateUnlockTables, false},
		{"SELECT GET_LOCK('a', 10)", ConnStateUserLock, false},
		{"SELECT RELEASE_LOCK('a'), GET_LOCK('b', 1)", ConnStateUserLock, false},
		{"SELECT RELEASE_ALL_LOCKS()", ConnStateUserLockRelease, false},
		{"SELECT IS_USED_LOCK('a')", ConnStateUserLockQuery, false},
		{"SELECT release_lock('a')", ConnStateUserLockQuery, false},
		{"SELECT 'get_lock(x)' FROM t", ConnStateNone, false}, // a string is no call
		{"SELECT * FROM t WHERE id = 1", ConnStateNone, false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if st.ConnState != tc.want || st.ImplicitCommit != tc.implicit {
			t.Errorf("%s: ConnState %d, ImplicitCommit %v; want %d, %v", tc.sql, st.ConnState, st.ImplicitCommit, tc.want, tc.implicit)
		}
		if cacheable(st) && tc.want != ConnStateNone {
			t.Errorf("%s: cacheable by shape although it changes connection state", tc.sql)
		}
	}
}

func TestParseLastInsertID(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql  string
		want LastIDUse
	}{
		{"SELECT LAST_INSERT_ID()", LastIDReads},
		{"SELECT @@identity", LastIDReads},
		{"SELECT @@session.last_insert_id + 1", LastIDReads},
		{"UPDATE t SET id = LAST_INSERT_ID(id + 1) WHERE id = 2", LastIDSets},
		{"INSERT INTO t (p) VALUES (LAST_INSERT_ID())", LastIDReads},
		{"SELECT LAST_INSERT_ID(5), LAST_INSERT_ID()", LastIDReads | LastIDSets},
		{"SELECT @last_insert_id", LastIDNone}, // a user variable
		{"INSERT INTO t (v) VALUES (1)", LastIDNone},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if st.LastInsertID != tc.want {
			t.Errorf("%s: LastInsertID %d, want %d", tc.sql, st.LastInsertID, tc.want)
		}
		if cacheable(st) && tc.want != LastIDNone {
			t.Errorf("%s: cacheable by shape although it changes connection state", tc.sql)
		}
	}
}
