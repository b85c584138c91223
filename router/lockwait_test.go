package router

import (
	"testing"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

// TestLockWaitForParser: ONLINE and WAIT n / NOWAIT are blanked in DDL,
// keeping the text's length; names and other statements are left.
func TestLockWaitForParser(t *testing.T) {
	tests := []struct {
		sql, want string // want "": nothing blanked
	}{
		{"ALTER ONLINE TABLE t ADD w INT", "ALTER        TABLE t ADD w INT"},
		{"alter table t wait 10 add w int", "alter table t         add w int"},
		{"ALTER ONLINE TABLE t NOWAIT ADD w INT", "ALTER        TABLE t        ADD w INT"},
		{"CREATE INDEX i ON t (v) WAIT 1", "CREATE INDEX i ON t (v)       "},
		{"DROP TABLE a, b NOWAIT", "DROP TABLE a, b       "},
		{"TRUNCATE t NOWAIT", "TRUNCATE t       "},
		{"RENAME TABLE t WAIT 3 TO u", "RENAME TABLE t        TO u"},
		{"ALTER TABLE IF EXISTS t ADD w INT", "ALTER TABLE           t ADD w INT"},
		{"ALTER ONLINE IGNORE TABLE IF EXISTS t NOWAIT ADD w INT", "ALTER        IGNORE TABLE           t        ADD w INT"},
		{"ALTER TABLE db.nowait ADD w INT", ""},
		{"ALTER TABLE t COMMENT 'NOWAIT'", ""},
		{"ALTER TABLE t ADD wait INT", ""}, // WAIT without a number: a name
		{"DROP INDEX i ON db.t NOWAIT", "DROP INDEX i ON db.t       "},
		{"RENAME TABLE t TO u, v NOWAIT TO w", "RENAME TABLE t TO u, v        TO w"},
		// Names where the option cannot stand: NOWAIT is not reserved.
		{"ALTER TABLE IF EXISTS t ADD INDEX nowait (a)", "ALTER TABLE           t ADD INDEX nowait (a)"},
		{"ALTER TABLE t ADD COLUMN nowait INT, ADD nowait2 INT", ""},
		{"ALTER TABLE t CHANGE a nowait INT", ""},
		{"ALTER TABLE t ADD w INT, ADD nowait INT", ""},
		{"CREATE TABLE t (a INT, nowait INT)", ""},
		{"LOCK TABLES t WRITE NOWAIT", ""},       // LOCK TABLES is rewritten per shard
		{"SELECT * FROM t WHERE nowait = 1", ""}, // not DDL
	}
	for _, tc := range tests {
		got, _, ok := lockWaitForParser(tc.sql, sqllex.Mode{})
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.sql, got, tc.want)
		}
	}
	// Planned as the statement it resembles.
	p := NewParser()
	st, err := p.Parse("ALTER ONLINE TABLE t NOWAIT ADD w INT")
	if err != nil || st.Kind == KindUnparsed || !st.ImplicitCommit || st.LockWait != "NOWAIT" {
		t.Errorf("ALTER ONLINE TABLE ... NOWAIT: kind %v, implicit commit %v, lock wait %q, err %v", st.Kind, st.ImplicitCommit, st.LockWait, err)
	}
	if st, _ := p.Parse("TRUNCATE t WAIT 7"); st.LockWait != "WAIT 7" {
		t.Errorf("TRUNCATE t WAIT 7: lock wait %q", st.LockWait)
	}
}
