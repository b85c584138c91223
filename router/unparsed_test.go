package router

import (
	"errors"
	"slices"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestCheckUnparsed(t *testing.T) {
	p := NewParser()
	for _, c := range []struct {
		sql  string
		code uint16 // 0: allowed
	}{
		{"SELECT '1' SOUNDS LIKE '1'", 0},
		{"SELECT 'mysql.user', '1' SOUNDS LIKE '1'", mysql.ER_DBACCESS_DENIED_ERROR}, // strings count too
		{"SELECT user, '1' SOUNDS LIKE '1' FROM mysql.user", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SELECT 1 SOUNDS LIKE 1 FROM `performance_schema` . threads", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SELECT 1 SOUNDS LIKE 1 FROM mysqlx.t", 0},
		{"SELECT 1 SOUNDS LIKE 1 FROM mysql/**/.user", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SELECT 1 SOUNDS LIKE 1 FROM \"sys\".x", mysql.ER_DBACCESS_DENIED_ERROR},
		{"CREATE USER e@'%' IDENTIFIED VIA unix_socket", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"/* x */ SHUTDOWN WAIT FOR ALL SLAVES", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"INSTALL SONAME 'ha_blackhole'", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SHOW EXPLAIN FOR 8", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR}, // a shard's thread: another connection's plan
		{"show analyze format=json for 8", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SHOW TABLE_STATISTICS", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR}, // every database's
		{"SHOW index_statistics", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SHOW USER_STATISTICS", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SET @x := 1 SOUNDS LIKE 1", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SET STATEMENT max_statement_time = 1 FOR SELECT 1 SOUNDS LIKE 1", 0},
		{"SET STATEMENT max_statement_time = 1 FOR SELECT 1 SOUNDS LIKE 1 FROM t FOR UPDATE", 0},
		// The statement SET STATEMENT runs is checked too.
		{"SET STATEMENT max_statement_time = 1 FOR CREATE USER e@'%' IDENTIFIED VIA unix_socket", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SET STATEMENT max_statement_time=1 FOR\tSHUTDOWN WAIT FOR ALL SLAVES", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SET NAMES cp1251", 0},
		{"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", mysql.ER_NOT_SUPPORTED_YET},
		{"LOCK TABLE t WRITE CONCURRENT", mysql.ER_NOT_SUPPORTED_YET},
	} {
		st, err := p.Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if st.Kind != KindUnparsed {
			t.Fatalf("%s: parsed (kind %v): pick a statement the parser cannot read", c.sql, st.Kind)
		}
		err = CheckUnparsed(st, "app", func() []string { return []string{"shop"} })
		var me *mysql.MyError
		switch {
		case c.code == 0 && err != nil:
			t.Errorf("%s: refused: %v", c.sql, err)
		case c.code != 0 && (!errors.As(err, &me) || me.Code != c.code):
			t.Errorf("%s: %v, want error %d", c.sql, err, c.code)
		}
	}
}

func TestUnparsedMayLeaveState(t *testing.T) {
	p := NewParser()
	for _, c := range []struct {
		sql  string
		want bool
	}{
		{"SELECT '1' SOUNDS LIKE '1'", false},
		{"CREATE TEMPORARY TABLE tt (x INT, y INT AS (x + 1) PERSISTENT)", true},
		{"CREATE TEMPORARY SEQUENCE sq", true},
		{"SELECT GET_LOCK('a', 0), 1 SOUNDS LIKE 1", true},
		{"SELECT 1 SOUNDS LIKE 1 INTO @x", true},
		{"SELECT LAST_INSERT_ID(5), 1 SOUNDS LIKE 1", true},
		{"SELECT LAST_INSERT_ID(), 1 SOUNDS LIKE 1", false},
		{"CREATE PROCEDURE p() BEGIN SET @x = 1; CREATE TEMPORARY TABLE t (x INT); END", false},
		{"CREATE OR REPLACE TEMPORARY TABLE tt (x INT, y INT AS (x + 1) PERSISTENT)", true},
	} {
		st, err := p.Parse(c.sql)
		if err != nil || st.Kind != KindUnparsed {
			t.Fatalf("%s: %v, kind %v: pick a statement the parser cannot read", c.sql, err, st.Kind)
		}
		if got := st.ConnState == ConnStateUnknown; got != c.want {
			t.Errorf("%s: may leave state %v, want %v", c.sql, got, c.want)
		}
	}
}

func TestCalledFuncs(t *testing.T) {
	p := NewParser()
	for _, c := range []struct {
		sql  string
		want []FuncRef
	}{
		{"SELECT 1", nil},
		{"SELECT fx(), fx(2), shop.g(1) FROM t WHERE UPPER(a) = 'X'", []FuncRef{{"", "fx"}, {"shop", "g"}, {"", "UPPER"}}},
		{"INSERT INTO t (a) VALUES (f(1)) RETURNING g(a)", []FuncRef{{"", "f"}, {"", "g"}}},
		// TiDB's aggregate keywords MariaDB lacks call stored functions
		// there; its builtins stay out.
		{"SELECT APPROX_COUNT_DISTINCT(a), approx_percentile(a, 50), COUNT(a), SUM(a) FROM t", []FuncRef{{"", "APPROX_COUNT_DISTINCT"}, {"", "approx_percentile"}}},
	} {
		st, err := p.Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if !slices.Equal(st.Funcs, c.want) {
			t.Errorf("%s: calls %v, want %v", c.sql, st.Funcs, c.want)
		}
	}
	st, _ := p.Parse("CREATE FUNCTION f() RETURNS INT BEGIN SET @x = 1; RETURN 1; END")
	if !Redefines(st) {
		t.Errorf("CREATE FUNCTION, unparsed, does not redefine the schema")
	}
}

func TestUnparsedListsRoutines(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"SHOW PACKAGE STATUS WHERE Db = 'shop'", true},
		{"show package body status where Db = 'shop';", true},
		{"/* c */ SHOW PACKAGE STATUS LIKE 'p%'", true},
		{"SHOW PACKAGE STATUS", true},
		{"SHOW PACKAGE STATUS WHERE Db = (SELECT MAX(s) FROM t)", false},
		{"SHOW PACKAGE STATUS LIKE 'x' OR 1", false},
		{"SHOW PACKAGE BODY `p`", false},
		{"SHOW CREATE PACKAGE p", false},
	}
	for _, tt := range tests {
		if got := unparsedListsRoutines(tt.sql); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.sql, got, tt.want)
		}
	}
}
