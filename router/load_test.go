package router

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestPlanLoadData(t *testing.T) {
	r := routerWith(t, 2, `
  - name: shop
    default_shard: s0
    tables:
      - {name: orders, shard_key: user_id, algorithm: hash}
      - {name: logs, shard_key: id, algorithm: hash, shards: [s1]}
      - {name: countries, broadcast: true}
  - name: crm
    default_shard: s1
`)
	tests := []struct {
		sql     string
		shard   string
		errPart string // the refusal names this
	}{
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE notes", shard: "s0"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE crm.contacts FIELDS TERMINATED BY ','", shard: "s1"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' REPLACE INTO TABLE logs (id, msg)", shard: "s1"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE orders", errPart: "LOAD DATA into sharded table shop.orders is not supported: its rows would have to be split by the shard key across shards s0, s1"},
		{sql: "LOAD DATA LOCAL INFILE '/tmp/f' INTO TABLE countries", errPart: "LOAD DATA into broadcast table shop.countries is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if tt.errPart != "" {
				var me *mysql.MyError
				if err == nil || !asMy(err, &me) || me.Code != mysql.ER_NOT_SUPPORTED_YET || !strings.Contains(me.Message, tt.errPart) {
					t.Fatalf("err %v, want 1235 containing %q", err, tt.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ex, err := p.Bind(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !ex.Single() || ex.Parts[0].Shard != tt.shard || !p.Write() {
				t.Fatalf("parts %+v, write %v; want the statement as it is on %s", ex.Parts, p.Write(), tt.shard)
			}
		})
	}
}

func asMy(err error, me **mysql.MyError) bool {
	m, ok := err.(*mysql.MyError)
	*me = m
	return ok
}
