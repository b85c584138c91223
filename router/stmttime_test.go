package router

import (
	"testing"

	"github.com/xaproxy/xaproxy/catalog"
)

func TestReadsStatementTime(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SELECT NOW()", true},
		{"SELECT k, NOW(6) FROM t", true},
		{"UPDATE t SET at = CURRENT_TIMESTAMP WHERE k > 1", true},
		{"UPDATE t SET at = CURRENT_TIMESTAMP(3)", true},
		{"INSERT INTO t VALUES (1, LOCALTIME), (2, LOCALTIMESTAMP())", true},
		{"SELECT * FROM t WHERE d = CURDATE()", true},
		{"SELECT * FROM t WHERE d > CURRENT_DATE - INTERVAL 1 DAY", true},
		{"SELECT CURTIME(), CURRENT_TIME", true},
		{"SELECT UTC_DATE(), UTC_TIME(), UTC_TIMESTAMP()", true},
		{"SELECT UNIX_TIMESTAMP()", true},
		{"SELECT * FROM t WHERE at > DATE_SUB(NOW(), INTERVAL 1 HOUR)", true},
		{"SELECT * FROM t WHERE k IN (SELECT k FROM u WHERE at < NOW())", true},
		{"SELECT k, @@timestamp FROM t", true},
		{"SELECT k, @@session.TIMESTAMP FROM t", true},
		{"SELECT @timestamp FROM t", false},
		{"SELECT UNIX_TIMESTAMP(at) FROM t", false},
		{"SELECT SYSDATE()", false},
		{"SELECT 'NOW()' FROM t", false},
		{"SELECT * FROM t WHERE at > '2024-01-01'", false},
		{"DELETE FROM t WHERE k = 1", false},
		{"INSERT INTO t (k) VALUES (1) RETURNING k, NOW()", true},
		{"INSERT INTO t (k) VALUES (1) RETURNING k", false},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := readsStatementTime(st); got != tc.want {
			t.Errorf("readsStatementTime(%s) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}

func TestObservesStatementTime(t *testing.T) {
	r := testRouter(t)
	snap := catalog.Snapshot{Shard: "s0", Schemas: []string{"shop"}, Tables: []*catalog.Table{
		{Schema: "shop", Name: "stamped", Columns: []catalog.Column{{Name: "k", Type: "int(11)"}, {Name: "at", Type: "timestamp", HasDefault: true, Default: "current_timestamp()", OnUpdateNow: true}}},
		{Schema: "shop", Name: "plain", Columns: []catalog.Column{{Name: "k", Type: "int(11)"}, {Name: "at", Type: "datetime", Nullable: true, HasDefault: true, Default: "NULL"}}},
		{Schema: "shop", Name: "v_today", View: true, Definition: "select `shop`.`plain`.`k` AS `k` from `shop`.`plain` where `shop`.`plain`.`at` >= curdate()"},
	}}
	r.SetCatalog(catalog.Build(r.Catalog().Gen()+1, []catalog.Snapshot{snap}, func(string, string) []string { return []string{"s0"} }))
	p := NewParser()
	for _, tc := range []struct {
		sql, db string
		want    bool
	}{
		{"INSERT INTO stamped (k) VALUES (1), (2)", "shop", true},
		{"UPDATE stamped SET k = k + 1", "shop", true},
		{"UPDATE shop.stamped SET k = k + 1", "crm", true},
		{"UPDATE plain SET k = k + 1", "shop", false},
		{"UPDATE plain SET at = NOW()", "shop", true},
		{"SELECT * FROM stamped", "shop", false}, // reads the stored times
		{"SELECT k, NOW() FROM plain", "shop", true},
		{"INSERT INTO plain (k) VALUES (1)", "shop", false},
		{"SELECT k FROM v_today", "shop", true},
		{"SELECT COUNT(*) FROM shop.v_today", "crm", true},
	} {
		st, err := p.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		if got := r.ObservesStatementTime(st, tc.db); got != tc.want {
			t.Errorf("ObservesStatementTime(%s in %s) = %v, want %v", tc.sql, tc.db, got, tc.want)
		}
	}
}
