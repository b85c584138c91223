package router

import (
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

func testRouter(t *testing.T) *Router {
	t.Helper()
	return routerWith(t, 2, `
  - {name: shop, default_shard: s0}
  - {name: crm, default_shard: s1}
`)
}

func TestTarget(t *testing.T) {
	r := testRouter(t)
	p := NewParser()
	tests := []struct {
		sql, db   string
		wantShard string
		wantCode  uint16
	}{
		{"SELECT 1", "", "s1", 0}, // first schema by name: crm
		{"SELECT 1", "shop", "s0", 0},
		{"SELECT * FROM t", "crm", "s1", 0},
		{"SELECT * FROM shop.t", "crm", "s0", 0},
		{"SELECT * FROM t", "", "", mysql.ER_NO_DB_ERROR},
		{"SELECT * FROM shop.a JOIN crm.b", "", "", mysql.ER_NOT_SUPPORTED_YET},
		{"SELECT * FROM mysql.user", "shop", "", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SELECT * FROM nope.t", "shop", "", mysql.ER_BAD_DB_ERROR},
		{"SELECT * FROM information_schema.tables", "", "s1", 0},
		{"SHOW TABLES", "", "", mysql.ER_NO_DB_ERROR},
		{"SHOW TABLES", "shop", "s0", 0},
		{"SHOW TABLES FROM crm", "shop", "s1", 0},
		{"SHOW TABLES FROM mysql", "shop", "", mysql.ER_DBACCESS_DENIED_ERROR},
		{"SHOW COLUMNS FROM t", "", "", mysql.ER_NO_DB_ERROR},
		{"SHOW VARIABLES", "", "s1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.sql+"@"+tt.db, func(t *testing.T) {
			st, err := p.Parse(tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			shard, err := r.Target(st, "app", tt.db)
			if tt.wantCode != 0 {
				me, ok := backend.ServerError(err)
				if !ok || me.Code != tt.wantCode {
					t.Fatalf("err = %v, want code %d", err, tt.wantCode)
				}
				return
			}
			if err != nil || shard != tt.wantShard {
				t.Fatalf("Target = %q, %v; want %q", shard, err, tt.wantShard)
			}
		})
	}
}
