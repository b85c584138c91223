package router

import (
	"errors"

	"github.com/go-mysql-org/go-mysql/mysql"
	"strings"
	"testing"
)

func TestFilterInfoSchema(t *testing.T) {
	r := routerWith(t, 2, `
  - {name: shop, default_shard: s0}
  - name: crm
    default_shard: s1
    tables: [{name: leads, shard_key: id, algorithm: hash}]
`)
	p := NewParser()
	lit := utf8mb3Literal
	view := InfoSchemaView{Schemas: []string{"crm", "shop"}, Shard: "s0"}
	for _, tc := range []struct {
		sql, db string
		view    InfoSchemaView
		want    []string // substrings of the text run; nil: the client's text
		code    uint16
	}{
		{sql: "SELECT 1", view: view},
		{sql: "SELECT * FROM shop.items", view: view},
		{sql: "SELECT TABLE_NAME FROM information_schema.TABLES", view: view, want: []string{
			"FROM (SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (" + lit("information_schema") + ", " + lit("shop") + ") OR (TABLE_SCHEMA = " + lit("crm") + " AND TABLE_NAME IN (" + lit("leads") + "))) AS `TABLES`",
			"SELECT `TABLE_NAME` AS `TABLE_NAME`"}},
		{sql: "select count(*) from tables t", db: "information_schema", view: InfoSchemaView{Schemas: []string{"shop"}, Shard: "s0"}, want: []string{
			"(SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (" + lit("information_schema") + ", " + lit("shop") + ")) AS `t`", "AS `count(*)`"}},
		{sql: "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA", view: view, want: []string{
			"SCHEMA_NAME IN (" + lit("information_schema") + ", " + lit("crm") + ", " + lit("shop") + ")"}},
		{sql: "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?", view: view, want: []string{"WHERE `TABLE_SCHEMA`=?"}},
		{sql: "SELECT * FROM information_schema.COLLATIONS", view: view},
		{sql: "SELECT * FROM information_schema.INNODB_TRX", view: view, code: 1227},
		{sql: "SELECT * FROM innodb_sys_tables", db: "information_schema", view: view, code: 1227},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		before, _ := Restore(st.Node)
		got, err := r.FilterInfoSchema(st, tc.sql, tc.db, tc.view)
		if (err != nil || got != tc.sql) && !NeedsInfoView(st, tc.db) {
			t.Errorf("%s: filtered, yet NeedsInfoView says the session may skip the filter", tc.sql)
		}
		if tc.code != 0 {
			if code := errCode(err); code != tc.code {
				t.Errorf("%s: error %v, want %d", tc.sql, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if after, _ := Restore(st.Node); after != before {
			t.Errorf("%s: the statement was changed: %s", tc.sql, after)
		}
		if tc.want == nil && got != tc.sql {
			t.Errorf("%s: rewritten to %s", tc.sql, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: text lacks %q:\n%s", tc.sql, w, got)
			}
		}
	}
}

// errCode is a MySQL error's code, 0 for other errors.
func errCode(err error) uint16 {
	var me *mysql.MyError
	if errors.As(err, &me) {
		return me.Code
	}
	return 0
}

func TestNeedsInfoView(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql, db string
		want    bool
	}{
		{sql: "BEGIN", db: "shop"},
		{sql: "COMMIT", db: "shop"},
		{sql: "SELECT 1"},
		{sql: "UPDATE items SET n = n + 1 WHERE id = 3", db: "shop"},
		{sql: "SELECT c FROM sbtest1 WHERE id = 7", db: "information_schema_x"},
		{sql: "SHOW TABLES", db: "shop", want: true},
		{sql: "SHOW OPEN TABLES", want: true},
		{sql: "SHOW TABLE STATUS", db: "shop", want: true},
		{sql: "SELECT * FROM information_schema.TABLES", want: true},
		{sql: "select count(*) from tables", db: "information_schema", want: true},
		{sql: "SELECT * FROM items WHERE id IN (SELECT 1 FROM INFORMATION_SCHEMA.COLUMNS)", db: "shop", want: true},
		{sql: "INSERT INTO t SELECT TABLE_NAME FROM information_schema.TABLES", db: "shop", want: true},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := NeedsInfoView(st, tc.db); got != tc.want {
			t.Errorf("NeedsInfoView(%q, db %q) = %v, want %v", tc.sql, tc.db, got, tc.want)
		}
	}
}
