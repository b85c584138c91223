package router

import "testing"

func TestOpOf(t *testing.T) {
	tests := []struct {
		sql  string
		want Op
	}{
		{"SELECT * FROM orders", OpRoute},
		{"INSERT INTO t VALUES (1)", OpRoute},
		{"CREATE TABLE t (a INT)", OpRoute},
		{"LOCK TABLES t WRITE", OpRoute},
		{"KILL CONNECTION_ID()", OpKillSelf},
		{"KILL QUERY CONNECTION_ID()", OpKillSelf},
		{"KILL 42", OpKill},
		{"KILL QUERY 42", OpKill},
		{"SELECT * FROM performance_schema.session_connect_attrs", OpConnectAttrs},
		{"  ;  ", OpEmpty},
		{"/* nothing */", OpComment},
		{"XA START 'x'", OpXA},
		{"SHOW XA STATUS", OpShowXAStatus},
		{"BEGIN", OpBegin},
		{"START TRANSACTION", OpBegin},
		{"COMMIT", OpCommit},
		{"ROLLBACK", OpRollback},
		{"USE shop", OpUse},
		{"SET @a = 1", OpSet},
		{"SHOW DATABASES", OpShowDatabases},
		{"UNLOCK TABLES", OpUnlockTables},
		{"SAVEPOINT sp", OpSavepoint},
		{"RELEASE SAVEPOINT sp", OpSavepoint},
		{"ROLLBACK TO SAVEPOINT sp", OpSavepoint},
	}
	p := NewParser()
	for _, tt := range tests {
		st, err := p.Parse(tt.sql)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.sql, err)
		}
		if got := OpOf(st); got != tt.want {
			t.Errorf("OpOf(%q) = %v, want %v (kind %d)", tt.sql, got, tt.want, st.Kind)
		}
	}
}
