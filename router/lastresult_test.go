package router

import "testing"

func TestLastResultFlags(t *testing.T) {
	p := NewParser()
	tests := []struct {
		sql    string
		use    LastResultUse
		effect FoundRowsEffect
	}{
		{"SELECT FOUND_ROWS()", ReadsFoundRows, FoundSent},
		{"select row_count() as r", ReadsRowCount, FoundSent},
		{"SELECT found_rows(), ROW_COUNT()", ReadsFoundRows | ReadsRowCount, FoundSent},
		{"INSERT INTO log VALUES (ROW_COUNT())", ReadsRowCount, FoundKeep},
		{"SELECT * FROM t WHERE id > FOUND_ROWS()", ReadsFoundRows, FoundSent},
		{"SELECT 1", 0, FoundSent},
		{"SELECT * FROM t LIMIT 2", 0, FoundSent},
		{"SELECT * FROM t ORDER BY id LIMIT 2", 0, FoundSent},
		{"SELECT * FROM t LIMIT 2 OFFSET 1", 0, FoundReadBack},
		{"SELECT * FROM t LIMIT 1, 2", 0, FoundReadBack},
		{"SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 2", 0, FoundCalc},
		{"SELECT SQL_CALC_FOUND_ROWS * FROM t", 0, FoundCalc},
		{"SELECT id FROM t UNION SELECT id FROM u LIMIT 1", 0, FoundReadBack},
		{"SELECT id FROM t WHERE id = 1 INTO @x", 0, FoundReadBack},
		{"SELECT * FROM (SELECT * FROM t LIMIT 1 OFFSET 1) d", 0, FoundSent},
		{"SELECT * FROM t FOR UPDATE", 0, FoundSent},
		{"SHOW TABLES", 0, FoundSent},
		{"SHOW VARIABLES LIKE 'auto%'", 0, FoundSent},
		{"SHOW COLUMNS FROM t", 0, FoundSent},
		{"SHOW INDEX FROM t", 0, FoundSent},
		{"SHOW DATABASES", 0, FoundSent},
		{"SHOW COUNT(*) WARNINGS", 0, FoundSent},
		{"SHOW WARNINGS", 0, FoundKeep},
		{"SHOW CREATE TABLE t", 0, FoundKeep},
		{"SHOW PROCESSLIST", 0, FoundKeep},
		{"SHOW GRANTS", 0, FoundKeep},
		{"EXPLAIN SELECT * FROM t", 0, FoundKeep},
		{"DESCRIBE t", 0, FoundSent},
		{"DESC t id", 0, FoundSent},
		{"INSERT INTO t VALUES (1)", 0, FoundKeep},
		{"UPDATE t SET v = 1", 0, FoundKeep},
		{"DELETE FROM t", 0, FoundKeep},
		{"SET @x = 1", 0, FoundKeep},
		{"CREATE TABLE x (id int)", 0, FoundKeep},
		{"DELETE FROM t RETURNING id, ROW_COUNT()", ReadsRowCount, FoundKeep},
		// MariaDB's forms the parser rejects.
		{"SELECT id INTO @x FROM t WHERE id = 1", 0, FoundReadBack},
		{"SELECT id INTO @x FROM t WHERE id = FOUND_ROWS()", ReadsFoundRows, FoundReadBack},
		{"SHOW ENGINE INNODB MUTEX", 0, FoundUnparsed},
	}
	for _, tc := range tests {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if st.LastResult != tc.use || st.FoundRows != tc.effect {
			t.Errorf("%s: use %d effect %d; want %d %d", tc.sql, st.LastResult, st.FoundRows, tc.use, tc.effect)
		}
	}
}
