package router

import "testing"

func TestServerSequences(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql                 string
		rand, uuid, nextval bool
		random              string
	}{
		{"SELECT k, RAND(1) FROM t", true, false, false, ""},
		{"UPDATE t SET v = FLOOR(RAND(k) * 10)", false, false, false, ""}, // each call seeded by its row
		{"UPDATE t SET v = RAND(1 + 2)", true, false, false, ""},
		{"UPDATE t SET v = RAND(?)", true, false, false, ""},
		{"INSERT INTO t VALUES (1, RAND(1)), (2, RAND(1))", false, false, false, ""}, // one call per row
		{"INSERT INTO t SET k = 1, v = RAND(1)", false, false, false, ""},
		{"INSERT INTO t VALUES (1, 0), (2, 0) ON DUPLICATE KEY UPDATE v = RAND(1)", true, false, false, ""},
		{"INSERT INTO t VALUES (1, UUID_SHORT()), (2, NEXTVAL(sq))", false, true, true, ""},
		{"INSERT INTO t VALUES (1, 2) RETURNING k, RAND(3), UUID_SHORT()", true, true, false, ""},
		{"DELETE FROM t WHERE k > 0 RETURNING k, NEXTVAL(sq)", false, false, true, ""},
		{"SELECT * FROM t ORDER BY RAND(7) LIMIT 2", true, false, false, ""},
		{"SELECT k, RAND() FROM t", false, false, false, "RAND()"},
		{"SELECT 'RAND(1)', 'UUID_SHORT()', 'NEXTVAL(s)' FROM t", false, false, false, ""},
		{"INSERT INTO t (id, v) VALUES (UUID_SHORT(), 1), (UUID_SHORT(), 2)", false, true, false, ""},
		{"UPDATE t SET token = UUID_SHORT()", false, true, false, ""},
		{"SELECT k, UUID() FROM t", false, false, false, "UUID()"},
		{"SELECT k, NEXTVAL(sq) FROM t", false, false, true, ""},
		{"SELECT k, NEXT VALUE FOR sq FROM t", false, false, true, ""},
		{"SELECT SETVAL(sq, 100), RAND(2), UUID_SHORT() FROM t", true, true, true, ""},
		{"INSERT INTO t VALUES (1, SYS_GUID()), (2, UUID())", false, false, false, "SYS_GUID()"},
		{"UPDATE t SET d = SYSDATE(6) WHERE k = 1", false, false, false, "SYSDATE()"},
		{"DELETE FROM t WHERE RAND() < 0.5", false, false, false, "RAND()"},
		{"INSERT INTO t VALUES (1, 0) ON DUPLICATE KEY UPDATE v = UUID()", false, false, false, "UUID()"},
		{"INSERT INTO t VALUES (1, 2) RETURNING k, SYSDATE()", false, false, false, ""}, // not stored
		{"INSERT INTO t VALUES (1, NOW(6)), (2, 'UUID()')", false, false, false, ""},
		{"INSERT INTO t VALUES (1, HEX(RANDOM_BYTES(16)))", false, false, false, "RANDOM_BYTES()"},
		{"INSERT INTO t VALUES (1, @@server_id, @@GLOBAL.gtid_binlog_pos)", false, false, false, "@@server_id"},
		{"INSERT INTO t VALUES (1, @@sql_mode)", false, false, false, ""},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got, want := ServerSequences(st), (SequenceUse{SeededRand: tc.rand, UUIDShort: tc.uuid, MovesSeq: tc.nextval, Random: tc.random}); got != want {
			t.Errorf("%s: ServerSequences %+v, want %+v", tc.sql, got, want)
		}
	}
}

// RandomWrite: only what is stored in rows counts.
func TestRandomWrite(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct{ sql, want string }{
		{"INSERT INTO t VALUES (1, UUID())", "UUID()"},
		{"UPDATE t SET v = RAND()", "RAND()"},
		{"DELETE FROM t WHERE SYSDATE() > d", "SYSDATE()"},
		{"ALTER TABLE t ADD COLUMN u VARCHAR(40) DEFAULT (UUID())", "UUID()"},
		{"ALTER TABLE t ALTER COLUMN u SET DEFAULT (UUID())", ""},
		{"ALTER TABLE t MODIFY u VARCHAR(40) DEFAULT (UUID())", ""},
		{"CREATE TABLE t (id INT, u VARCHAR(40) DEFAULT (UUID()))", ""},
		{"CREATE TABLE t AS SELECT UUID() AS u", "UUID()"},
		{"SELECT UUID() FROM t", ""},
		{"DELETE FROM t WHERE k = 1 RETURNING UUID()", ""},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := RandomWrite(st); got != tc.want {
			t.Errorf("%s: RandomWrite %q, want %q", tc.sql, got, tc.want)
		}
	}
}
