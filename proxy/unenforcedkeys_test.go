package proxy

import (
	"reflect"
	"testing"

	"github.com/xaproxy/xaproxy/catalog"
	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/sharding"
)

func TestUnenforcedKeys(t *testing.T) {
	cfg, err := conf.Parse([]byte(`users: [{name: app, password: x}]
shards:
  - {name: s0, dsn: "root@tcp(127.0.0.1:3310)/"}
  - {name: s1, dsn: "root@tcp(127.0.0.1:3311)/"}
schemas:
  - name: shop
    default_shard: s0
    tables:
      - {name: users, shard_key: id, algorithm: mod}
      - {name: regions, broadcast: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	rules := sharding.New(cfg)
	key := func(name string, cols ...string) catalog.Index { return catalog.Index{Name: name, Columns: cols} }
	snap := catalog.Snapshot{Shard: "s0", Schemas: []string{"shop"}, Tables: []*catalog.Table{
		{Schema: "shop", Name: "users", Unique: []catalog.Index{key("PRIMARY", "id"), key("email", "email"), key("by_tenant", "tenant", "ID")}},
		{Schema: "shop", Name: "regions", Unique: []catalog.Index{key("PRIMARY", "id"), key("name", "name")}},
		{Schema: "shop", Name: "plain", Unique: []catalog.Index{key("PRIMARY", "id"), key("code", "code")}},
	}}
	c := catalog.Build(1, []catalog.Snapshot{snap}, func(string, string) []string { return []string{"s0"} })
	want := []unenforcedKey{{schema: "shop", table: "users", key: "email", shardKey: "id"}}
	if got := unenforcedKeys(rules, c); !reflect.DeepEqual(got, want) {
		t.Errorf("unenforcedKeys = %+v, want %+v", got, want)
	}
}
