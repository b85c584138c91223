package router

import (
	"errors"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestCheckUnparsed(t *testing.T) {
	p := NewParser()
	for _, c := range []struct {
		sql  string
		code uint16 // 0: allowed
	}{
		{"SELECT CAST('1' AS INT)", 0},
		{"SELECT 'mysql.user', CAST('1' AS INT)", mysql.ER_DBACCESS_DENIED_ERROR}, // strings count too
		{"SELECT user, CAST('1' AS INT) FROM mysql.user", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SELECT CAST(1 AS INT) FROM `performance_schema` . threads", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SELECT CAST(1 AS INT) FROM mysqlx.t", 0},
		{"CREATE USER e@'%' IDENTIFIED VIA unix_socket", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"/* x */ SHUTDOWN WAIT FOR ALL SLAVES", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"INSTALL SONAME 'ha_blackhole'", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SET @x := CAST(1 AS INT)", mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR},
		{"SET STATEMENT max_statement_time = 1 FOR SELECT CAST(1 AS INT)", 0},
		{"SET NAMES cp1251", 0},
	} {
		st, err := p.Parse(c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if st.Kind != KindUnparsed {
			t.Fatalf("%s: parsed (kind %v): pick a statement the parser cannot read", c.sql, st.Kind)
		}
		err = CheckUnparsed(st, "app", []string{"shop"})
		var me *mysql.MyError
		switch {
		case c.code == 0 && err != nil:
			t.Errorf("%s: refused: %v", c.sql, err)
		case c.code != 0 && (!errors.As(err, &me) || me.Code != c.code):
			t.Errorf("%s: %v, want error %d", c.sql, err, c.code)
		}
	}
}
