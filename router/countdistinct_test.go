package router

import (
	"strings"
	"testing"
)

func TestCountDistinctOverSeveralColumns(t *testing.T) {
	r := shardedRouter(t)
	e, err := bindSQL(t, r, "SELECT country, COUNT(DISTINCT total), COUNT(*), COUNT(DISTINCT user_id), count(distinct TOTAL) FROM orders GROUP BY country")
	if err != nil {
		t.Fatal(err)
	}
	sql := e.Parts[0].SQL
	if !strings.Contains(sql, "GROUP BY `country`, `total`, `user_id`") || strings.Count(sql, "__xa_d") != 2 {
		t.Errorf("per-shard SQL %q must group by both COUNT(DISTINCT) arguments once each", sql)
	}
	a := e.Merge.Agg
	if a == nil || a.Groups != 1 || len(a.Aggs) != 4 {
		t.Fatalf("agg merge = %+v", a)
	}
	// Columns: 0 country, 1 total, 2 user_id, 3 COUNT(1).
	want := []struct{ col int }{{1}, {3}, {2}, {1}}
	for i, w := range want {
		if a.Aggs[i].Col != w.col {
			t.Errorf("agg %d reads column %d, want %d", i, a.Aggs[i].Col, w.col)
		}
	}
}
