package proxy

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestParseSQLPrepare(t *testing.T) {
	cases := []struct {
		sql    string
		ok     bool
		want   sqlPrepCmd
		errSub bool // a syntax error in the command
	}{
		{sql: "SELECT 1"},
		{sql: "DROP TABLE t"},
		{sql: "EXECUTED"},
		{sql: "PREPARE s FROM 'select ?'", ok: true, want: sqlPrepCmd{op: opPrepare, name: "s", src: "'select ?'"}},
		{sql: "  /* c */ prepare `my``s` from \"select 'a'\" ;", ok: true, want: sqlPrepCmd{op: opPrepare, name: "my`s", src: "\"select 'a'\""}},
		{sql: "PREPARE s FROM 'it''s \\' ok'", ok: true, want: sqlPrepCmd{op: opPrepare, name: "s", src: "'it''s \\' ok'"}},
		{sql: "PREPARE s FROM _latin1'select 1'", ok: true, want: sqlPrepCmd{op: opPrepare, name: "s", src: "_latin1'select 1'"}},
		{sql: "PREPARE s FROM @q", ok: true, want: sqlPrepCmd{op: opPrepare, name: "s", src: "@q"}},
		{sql: "PREPARE s FROM @`my q`", ok: true, want: sqlPrepCmd{op: opPrepare, name: "s", src: "@`my q`"}},
		{sql: "PREPARE s FROM CONCAT('a', 'b')", ok: true, errSub: true},
		{sql: "EXECUTE IMMEDIATE CONCAT('SELECT ', 1)", ok: true, errSub: true},
		{sql: "PREPARE s 'x'", ok: true, errSub: true},
		{sql: "PREPARE s FROM 'x", ok: true, errSub: true},
		{sql: "PREPARE s FROM 'x' junk", ok: true, errSub: true},
		{sql: "EXECUTE s", ok: true, want: sqlPrepCmd{op: opExecute, name: "s"}},
		{sql: "execute S using @a, 'x,y', (1, 2), -3 ;", ok: true, want: sqlPrepCmd{op: opExecute, name: "S", using: []string{"@a", "'x,y'", "(1, 2)", "-3"}}},
		{sql: "EXECUTE s USING", ok: true, errSub: true},
		{sql: "EXECUTE s USING 1,", ok: true, errSub: true},
		{sql: "EXECUTE s USING (1", ok: true, errSub: true},
		{sql: "EXECUTE IMMEDIATE 'select ?' USING 5", ok: true, want: sqlPrepCmd{op: opImmediate, src: "'select ?'", using: []string{"5"}}},
		{sql: "EXECUTE IMMEDIATE @q", ok: true, want: sqlPrepCmd{op: opImmediate, src: "@q"}},
		{sql: "EXECUTE immediate", ok: true, want: sqlPrepCmd{op: opExecute, name: "immediate"}},
		{sql: "EXECUTE immediate USING 1", ok: true, want: sqlPrepCmd{op: opExecute, name: "immediate", using: []string{"1"}}},
		{sql: "DEALLOCATE PREPARE s", ok: true, want: sqlPrepCmd{op: opDeallocate, name: "s"}},
		{sql: "drop\nprepare s;", ok: true, want: sqlPrepCmd{op: opDeallocate, name: "s"}},
		{sql: "DEALLOCATE s", ok: false},
		{sql: "DEALLOCATE PREPARE s USING 1", ok: true, errSub: true},
	}
	for _, c := range cases {
		got, ok := parseSQLPrepare(c.sql)
		if ok != c.ok {
			t.Errorf("%q: ok %v, want %v", c.sql, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if c.errSub {
			if got.err == nil {
				t.Errorf("%q: no syntax error, got %+v", c.sql, got)
			}
			continue
		}
		if got.err != nil {
			t.Errorf("%q: %v", c.sql, got.err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v, want %+v", c.sql, got, c.want)
		}
	}
}

func TestSubstituteMarkers(t *testing.T) {
	cases := []struct {
		sql      string
		literals []string
		want     string
		err      bool
	}{
		{"SET @x = ?", []string{"5"}, "SET @x = 5", false},
		{"SELECT ?, '?', \"?\", `?`, ? /* ? */ -- ?\n, ? # ?", []string{"1", "'a'", "NULL"}, "SELECT 1, '?', \"?\", `?`, 'a' /* ? */ -- ?\n, NULL # ?", false},
		{"SELECT 'it''s ?', 'a\\'?', ?", []string{"2"}, "SELECT 'it''s ?', 'a\\'?', 2", false},
		{"SELECT 1 /*! , ? */", []string{"7"}, "SELECT 1 /*! , 7 */", false},
		{"SELECT ?", nil, "", true},
		{"SELECT 1", []string{"1"}, "", true},
	}
	for _, c := range cases {
		got, err := substituteMarkers(c.sql, c.literals)
		if (err != nil) != c.err {
			t.Errorf("%q: err %v, want error %v", c.sql, err, c.err)
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.sql, got, c.want)
		}
	}
}

// An expression as the statement text is refused as unsupported (1235),
// not reported as a syntax error: MariaDB accepts it.
func TestParseSQLPrepareExpressionSource(t *testing.T) {
	for _, sql := range []string{"PREPARE s FROM CONCAT('a', 'b')", "EXECUTE IMMEDIATE CONCAT('SELECT ', 1)"} {
		cmd, ok := parseSQLPrepare(sql)
		me, isMy := cmd.err.(*mysql.MyError)
		if !ok || !isMy || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, "user variable") {
			t.Errorf("%s: %v", sql, cmd.err)
		}
	}
}
