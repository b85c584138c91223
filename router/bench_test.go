package router

import "testing"

// BenchmarkTextStatement is the router's share of one text query: parse,
// plan and bind (go test -bench . ./router).
func BenchmarkTextStatement(b *testing.B) {
	r := shardedRouter(b)
	p := NewParser()
	for _, sql := range []string{
		"BEGIN",
		"SELECT c FROM sbtest1 WHERE id = 4711",
		"SELECT user_id, total FROM orders WHERE user_id = 4711",
		"UPDATE orders SET total = total + 1 WHERE user_id = 4711",
		"SELECT SUM(total) FROM orders WHERE user_id BETWEEN 1 AND 100",
	} {
		b.Run(sql, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				st, err := p.Parse(sql)
				if err != nil {
					b.Fatal(err)
				}
				if st.Kind != KindBegin {
					plan, err := r.Plan(st, "app", "shop")
					if err != nil {
						b.Fatal(err)
					}
					if _, err := plan.BindWith(nil, BindOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkTextStatementCached is the same through the shape cache.
func BenchmarkTextStatementCached(b *testing.B) {
	r := shardedRouter(b)
	p := NewParser()
	for _, sql := range []string{
		"SELECT c FROM sbtest1 WHERE id = 4711",
		"SELECT user_id, total FROM orders WHERE user_id = 4711",
		"UPDATE orders SET total = total + 1 WHERE user_id = 4711",
		"SELECT SUM(total) FROM orders WHERE user_id BETWEEN 1 AND 100",
	} {
		st, err := p.Parse(sql)
		if err != nil {
			b.Fatal(err)
		}
		r.RememberPlan(p, sql, st, "app", "shop")
		r.RememberPlan(p, sql, st, "app", "shop")
		b.Run(sql, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, plan, params, ok := r.CachedPlan(sql, "app", "shop")
				if !ok {
					b.Fatal("not cached")
				}
				if _, err := plan.BindWith(params, BindOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
