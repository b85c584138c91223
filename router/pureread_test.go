package router

import (
	"slices"
	"testing"
)

// TestPureRead: only what cannot change anything by itself is a pure read;
// every statement a review showed writing through a read counts as a
// write.
func TestPureRead(t *testing.T) {
	tests := []struct {
		sql    string
		pure   bool
		tables []TableRef
	}{
		{"SELECT c FROM sbtest1 WHERE id = ?", true, []TableRef{{Name: "sbtest1"}}},
		{"SELECT SUM(k) FROM db1.sbtest2 WHERE id BETWEEN ? AND ?", true, []TableRef{{Schema: "db1", Name: "sbtest2"}}},
		{"SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN 1 AND 9 ORDER BY c", true, []TableRef{{Name: "sbtest1"}}},
		{"SELECT bal FROM Accounts WHERE id = 1 FOR UPDATE", true, []TableRef{{Name: "Accounts"}}},
		{"SELECT a.id, COUNT(*) FROM t a JOIN u ON a.id = u.id WHERE a.v IN (1, 2) GROUP BY a.id HAVING COUNT(*) > 1 LIMIT 3", true, []TableRef{{Name: "t"}, {Name: "u"}}},
		{"SELECT * FROM (SELECT id FROM t) d WHERE EXISTS (SELECT 1 FROM u WHERE u.id = d.id)", true, []TableRef{{Name: "t"}, {Name: "u"}}},
		{"SELECT id FROM t UNION ALL SELECT id FROM u", true, []TableRef{{Name: "t"}, {Name: "u"}}},
		{"SELECT CONCAT(a, 'x'), COALESCE(b, 0), CAST(c AS CHAR), CASE WHEN d THEN 1 ELSE 2 END FROM t", true, []TableRef{{Name: "t"}}},
		{"SELECT 1", true, nil},
		{"SELECT @x", true, nil},

		// A stored function may write; a qualified name is always one.
		{"SELECT noted(bal) FROM accounts", false, nil},
		{"SELECT bank.concat(bal) FROM accounts", false, nil},
		// TiDB's aggregates are stored functions on MariaDB.
		{"SELECT APPROX_COUNT_DISTINCT(bal) FROM accounts", false, nil},
		{"SELECT APPROX_PERCENTILE(bal, 50) FROM accounts", false, nil},
		// A CTE's name may hide a view's.
		{"WITH rich AS (SELECT 1) SELECT * FROM rich", false, nil},
		{"SELECT * FROM (WITH x AS (SELECT 1 AS a) SELECT a FROM x) d", false, nil},
		// Executable comments are code: the proxy expands them before it
		// parses, and sends the shards the expanded text.
		{"SELECT bal /*M!, noted(bal) */ FROM accounts", false, nil},
		{"SELECT bal /*!, noted(bal) */ FROM accounts", false, nil},
		// Sequences, locks, sleeping, the session's own values.
		{"SELECT NEXTVAL(s)", false, nil},
		{"SELECT NEXT VALUE FOR s", false, nil},
		{"SELECT GET_LOCK('a', 0)", false, nil},
		{"SELECT SLEEP(0)", false, nil},
		{"SELECT LAST_INSERT_ID()", false, nil},
		{"SELECT @x := 1", false, nil},
		{"SELECT id INTO @a FROM t WHERE id = 1", false, nil},
		{"SELECT id FROM t INTO OUTFILE '/tmp/x'", false, nil},
		{"SELECT ROW_NUMBER() OVER (ORDER BY id) FROM t", false, nil},
		{"SELECT GROUP_CONCAT(id) FROM t", false, nil},
		// Text that lexers may read apart (a review's cases): a backslash
		// (NO_BACKSLASH_ESCAPES, ANSI_QUOTES), bytes outside ASCII (gbk's
		// 0x5C second bytes, latin1's 0xA0 space after "--"), an
		// executable comment the expander left.
		{"SELECT COUNT(*), 'x\\' FROM transfers WHERE src = 1", false, nil},
		{"SELECT COUNT(*) AS \"x\\\" -- \" FROM t", false, nil},
		{"SELECT COUNT(*) --\xa0 '\nFROM t -- '", false, nil},
		{"SELECT COUNT(*) AS '\xbf\x5c' FROM t", false, nil},
		{"SELECT n FROM `v\xc3\xa9`", false, nil},
		{"SELECT 1 FROM t WHERE a = 1\x0b", false, nil},
		{"SELECT bal /* plain */ FROM t", true, []TableRef{{Name: "t"}}},
		// Quoted, these call a stored function of the name.
		{"SELECT `substr`(a, 1) FROM t", false, nil},
		{"SELECT SUBSTRING(a, 1), LEFT(a, 1), RIGHT(a, 1), IF(a, 1, 2) FROM t", false, nil},
		// Not a SELECT.
		{"INSERT INTO t VALUES (1)", false, nil},
		{"UPDATE t SET v = 1", false, nil},
		{"DO noted(1)", false, nil},
		{"CALL p()", false, nil},
		{"SET @x = noted(1)", false, nil},
		{"EXECUTE s", false, nil},
		{"EXPLAIN SELECT * FROM t", false, nil},
	}
	for _, tc := range tests {
		sql, err := ExpandExecutableComments(tc.sql, AssumedServerVersion, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		st, err := NewParser().Parse(sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if st.PureRead != tc.pure {
			t.Errorf("%s: pure read %v, want %v", tc.sql, st.PureRead, tc.pure)
		}
		if !slices.Equal(st.ReadTables, tc.tables) {
			t.Errorf("%s: tables %v, want %v", tc.sql, st.ReadTables, tc.tables)
		}
	}
}

func TestReadTablesQuery(t *testing.T) {
	got := ReadTablesQuery([]TableRef{{Schema: "bank", Name: "a'b"}, {Schema: "x", Name: ""}})
	want := "SELECT @@lower_case_table_names, @@sql_mode, ''" +
		" UNION ALL SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = _utf8mb3 X'62616e6b' AND TABLE_NAME = _utf8mb3 X'612762'" +
		" UNION ALL SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = _utf8mb3 X'78' AND TABLE_NAME = _utf8mb3''" +
		" LIMIT 18446744073709551615"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
