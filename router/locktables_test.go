package router

import (
	"reflect"
	"testing"
)

// LOCK TABLES of tables on different shards: each shard locks the tables
// it holds, in the statement's order.
func TestPlanLockTables(t *testing.T) {
	r := shardedRouter(t)
	tests := []struct {
		sql  string
		want []Part
	}{
		{"LOCK TABLES orders READ", []Part{{Shard: "s0"}, {Shard: "s1"}, {Shard: "s2"}}},
		{"LOCK TABLES countries WRITE, orders READ /*!32311 LOCAL */", []Part{{Shard: "s0"}, {Shard: "s1"}, {Shard: "s2"}}},
		{"LOCK TABLES notes WRITE", []Part{{Shard: "s0"}}},
		{"LOCK TABLES `notes` READ /*!32311 LOCAL */,`orders` READ /*!32311 LOCAL */", []Part{
			{Shard: "s0", SQL: ""},
			{Shard: "s1", SQL: "LOCK TABLES `orders` READ LOCAL"},
			{Shard: "s2", SQL: "LOCK TABLES `orders` READ LOCAL"},
		}},
		{"LOCK TABLES shop.orders WRITE, notes WRITE", []Part{
			{Shard: "s0"},
			{Shard: "s1", SQL: "LOCK TABLES `shop`.`orders` WRITE"},
			{Shard: "s2", SQL: "LOCK TABLES `shop`.`orders` WRITE"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			p, err := planFor(t, r, tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			e, err := p.Bind(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(e.Parts, tt.want) {
				t.Fatalf("parts = %+v, want %+v", e.Parts, tt.want)
			}
		})
	}
}
