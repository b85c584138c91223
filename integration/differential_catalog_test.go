package integration

import "fmt"

// catalogForms compares 60 catalog forms in both protocols and reports how
// the proxy routed them (its xaproxy_queries_total by route): each form was
// refused before the catalog ("join ... not on their shard keys").
func (s *diffStats) catalogForms(dbs diffDBs, g *diffGen, admin string) {
	s.t.Helper()
	routed := func() (single, merged float64) {
		return proxyMetric(s.t, admin, `xaproxy_queries_total{route="single",type="select"}`),
			proxyMetric(s.t, admin, `xaproxy_queries_total{route="merge",type="select"}`)
	}
	s0, m0 := routed()
	for i := 0; i < 60; i++ {
		s.compare(dbs, g.catalogForm(), i%2 == 0)
	}
	s1, m1 := routed()
	msg := fmt.Sprintf("differential: catalog forms: 60 queries (unqualified join columns, formerly refused): %.0f routed to one shard, %.0f merged over several", s1-s0, m1-m0)
	s.t.Log(msg)
	fmt.Println(msg)
}
