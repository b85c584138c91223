package router

import (
	"testing"

	"github.com/xaproxy/xaproxy/internal/sqllex"
)

func TestReadRoutineDef(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want *RoutineDef // Body not compared; nil: not such a definition
		body string      // how the body starts, when set
	}{
		{sql: "CREATE FUNCTION f(x INT) RETURNS INT RETURN x", want: &RoutineDef{Verb: "create", Object: "function", Name: "f"}, body: "(x INT)"},
		{sql: "create or replace definer = `a`@`%` aggregate function if not exists shop.`my f`() returns int begin return 1; end",
			want: &RoutineDef{Verb: "create", Object: "function", Schema: "shop", Name: "my f", Aggregate: true, Definer: "a@%"}},
		{sql: "CREATE DEFINER=CURRENT_USER() FUNCTION f() RETURNS INT RETURN 1", want: &RoutineDef{Verb: "create", Object: "function", Name: "f"}},
		{sql: "CREATE DEFINER='app'@'localhost' FUNCTION f() RETURNS INT RETURN 1", want: &RoutineDef{Verb: "create", Object: "function", Name: "f", Definer: "app@localhost"}},
		{sql: "CREATE DEFINER=root@127.0.0.1 FUNCTION f() RETURNS INT RETURN 1", want: &RoutineDef{Verb: "create", Object: "function", Name: "f", Definer: "root@127.0.0.1"}},
		{sql: "CREATE DEFINER=CURRENT_ROLE PROCEDURE p() SELECT 1", want: &RoutineDef{Verb: "create", Object: "procedure", Name: "p"}},
		{sql: "CREATE DEFINER=some_role FUNCTION f() RETURNS INT RETURN 1", want: &RoutineDef{Verb: "create", Object: "function", Name: "f", Definer: "some_role"}},
		{sql: "CREATE FUNCTION udf RETURNS STRING SONAME 'udf.so'", want: &RoutineDef{Verb: "create", Object: "function", Name: "udf", Library: true}},
		{sql: "CREATE AGGREGATE FUNCTION udf RETURNS REAL SONAME 'udf.so'", want: &RoutineDef{Verb: "create", Object: "function", Name: "udf", Library: true, Aggregate: true}},
		{sql: "DROP FUNCTION IF EXISTS f", want: &RoutineDef{Verb: "drop", Object: "function", Name: "f"}},
		{sql: "DROP FUNCTION crm.f", want: &RoutineDef{Verb: "drop", Object: "function", Schema: "crm", Name: "f"}},
		{sql: "ALTER FUNCTION f COMMENT 'x'", want: &RoutineDef{Verb: "alter", Object: "function", Name: "f"}},
		{sql: "ALTER PROCEDURE p SQL SECURITY INVOKER", want: &RoutineDef{Verb: "alter", Object: "procedure", Name: "p"}},
		{sql: "SHOW CREATE FUNCTION f", want: &RoutineDef{Verb: "show", Object: "function", Name: "f"}},
		{sql: "SHOW CREATE TRIGGER shop.tr", want: &RoutineDef{Verb: "show", Object: "trigger", Schema: "shop", Name: "tr"}},
		{sql: "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
			want: &RoutineDef{Verb: "create", Object: "trigger", Name: "tr", Table: TableRef{Name: "t"}}, body: " SET NEW.a = 1"},
		{sql: "CREATE OR REPLACE TRIGGER IF NOT EXISTS shop.tr AFTER update ON shop.t FOR EACH ROW FOLLOWS other INSERT INTO log VALUES (1)",
			want: &RoutineDef{Verb: "create", Object: "trigger", Schema: "shop", Name: "tr", Table: TableRef{Schema: "shop", Name: "t"}}, body: " INSERT INTO log"},
		// What mariadb-dump writes, once its executable comments are opened.
		{sql: " CREATE  DEFINER=`root`@`localhost` TRIGGER tr BEFORE UPDATE ON `t` FOR EACH ROW SET NEW.a = 2 ",
			want: &RoutineDef{Verb: "create", Object: "trigger", Name: "tr", Table: TableRef{Name: "t"}, Definer: "root@localhost"}},
		{sql: "DROP TRIGGER IF EXISTS tr", want: &RoutineDef{Verb: "drop", Object: "trigger", Name: "tr"}},
		{sql: "/* why */ DROP TRIGGER tr", want: &RoutineDef{Verb: "drop", Object: "trigger", Name: "tr"}},
		{sql: "CREATE TRIGGER tr INSTEAD OF INSERT ON t FOR EACH ROW SET @a = 1"},
		{sql: "CREATE TRIGGER tr BEFORE INSERT ON t SET @a = 1"},
		{sql: "CREATE FUNCTION IF EXISTS f() RETURNS INT RETURN 1"},
		{sql: "DROP FUNCTION IF NOT EXISTS f"},
		{sql: "CREATE OR FUNCTION f() RETURNS INT RETURN 1"},
		{sql: "CREATE DEFINER FUNCTION f() RETURNS INT RETURN 1"},
		{sql: "CREATE TABLE function (a INT)"},
		{sql: "DROP TABLE t"},
		{sql: "SHOW FUNCTION STATUS"},
		{sql: "CREATE FUNCTION 'unterminated"},
		{sql: "CREATE FUNCTION"},
		{sql: ""},
	} {
		got := readRoutineDef(skipCommentsAndSpace(tc.sql), sqllex.Mode{})
		if tc.want == nil {
			if got != nil {
				t.Errorf("%q: %+v, want none", tc.sql, *got)
			}
			continue
		}
		if got == nil {
			t.Errorf("%q: none, want %+v", tc.sql, *tc.want)
			continue
		}
		body := got.Body
		got.Body = ""
		if *got != *tc.want {
			t.Errorf("%q: %+v, want %+v", tc.sql, *got, *tc.want)
		}
		if tc.body != "" && (len(body) < len(tc.body) || body[:len(tc.body)] != tc.body) {
			t.Errorf("%q: body %q, want it to start %q", tc.sql, body, tc.body)
		}
	}
}
