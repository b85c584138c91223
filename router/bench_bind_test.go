package router

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/xaproxy/xaproxy/sharding"
)

// The cost of binding a cached plan that is rewritten per shard: the
// sysbench oltp_read_write range reads over a table hash-sharded on two
// shards, an IN list split by shard, a multi-row INSERT split by shard, an
// INSERT given an AUTO_INCREMENT id, and a point read made a locking read.
// Serial and parallel (b.RunParallel: every goroutine binds the one plan,
// as sessions running the same statement shape do), e.g.
//
//	go test -run '^$' -bench BenchmarkBind -benchmem -mutexprofile mutex.out ./router

// sysbenchRouter has sbtest1 hash-sharded on id over two shards, sbtest2,
// whose id is AUTO_INCREMENT, as sysbench --auto_inc=on makes it, and
// sbtest3, co-located with sbtest1, for joins.
func sysbenchRouter(t testing.TB) *Router {
	t.Helper()
	r := routerWith(t, 2, `
  - name: sbtest
    default_shard: s0
    tables:
      - {name: sbtest1, shard_key: id, algorithm: hash}
      - {name: sbtest2, shard_key: id, algorithm: hash}
      - {name: sbtest3, shard_key: id, algorithm: hash}
`)
	withCatalog(t, r, map[string][]string{
		"sbtest.sbtest1": {"id int", "k int", "c char(120)", "pad char(60)"},
		"sbtest.sbtest2": {"id int auto_increment", "k int", "c char(120)", "pad char(60)", "KEY PRIMARY id"},
		"sbtest.sbtest3": {"id int", "k int", "c char(120)", "pad char(60)"},
	})
	return r
}

// bindCase is a statement and the parameters of the i-th execution.
type bindCase struct {
	name   string
	sql    string
	params func(i int) []Param
	opts   BindOptions
	parts  int // the parts every execution must have
}

func rangeParams(i int) []Param {
	lo := int64(i%100000) + 1
	return []Param{intParam(lo), intParam(lo + 99)}
}

// idsOn lists n ids of sbtest1 rows on each of its shards.
func idsOn(t testing.TB, r *Router, n int) map[string][]int64 {
	t.Helper()
	_, table := r.rules.Schema("sbtest").Lookup("sbtest1")
	out := map[string][]int64{}
	for id := int64(1); len(out["s0"]) < n || len(out["s1"]) < n; id++ {
		m, err := table.LocateValues([]sharding.Value{sharding.IntValue(id)})
		if err != nil {
			t.Fatal(err)
		}
		for s := range m {
			out[s] = append(out[s], id)
		}
	}
	return out
}

func bindCases(t testing.TB, r *Router) []bindCase {
	on := idsOn(t, r, 2000)
	// spread is four ids, two on each shard.
	spread := func(i int) []int64 {
		return []int64{on["s0"][i%1000], on["s1"][i%1000], on["s0"][i%1000+1000], on["s1"][i%1000+1000]}
	}
	var ids atomic.Uint64
	autoInc := func(_, _ string, n int, _ uint64) (uint64, error) { return ids.Add(uint64(n)) - uint64(n) + 1, nil }
	row := func(id int64) []Param {
		return []Param{intParam(id), intParam(id * 7), {Literal: quoteString("c-" + strconv.FormatInt(id, 10))}, {Literal: "'pad'"}}
	}
	return []bindCase{
		{name: "between", sql: "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?", params: rangeParams, parts: 2},
		{name: "order", sql: "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", params: rangeParams, parts: 2},
		{name: "distinct", sql: "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", params: rangeParams, parts: 2},
		{name: "sum", sql: "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?", params: rangeParams, parts: 2},
		{name: "in", sql: "SELECT c FROM sbtest1 WHERE id IN (?, ?, ?, ?)", parts: 2, params: func(i int) []Param {
			var ps []Param
			for _, id := range spread(i) {
				ps = append(ps, intParam(id))
			}
			return ps
		}},
		{name: "insert4", sql: "INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?), (?, ?, ?, ?)", parts: 2, params: func(i int) []Param {
			var ps []Param
			for _, id := range spread(i) {
				ps = append(ps, row(id)...)
			}
			return ps
		}},
		{name: "insert_autoinc", sql: "INSERT INTO sbtest2 (k, c, pad) VALUES (?, ?, ?)", parts: 1, opts: BindOptions{AutoInc: autoInc},
			params: func(i int) []Param { return row(int64(i))[1:] }},
		{name: "point_lockreads", sql: "SELECT c FROM sbtest1 WHERE id = ?", parts: 1, opts: BindOptions{LockReads: true},
			params: func(i int) []Param { return []Param{intParam(int64(i%100000) + 1)} }},
	}
}

func planBindCase(t testing.TB, r *Router, c bindCase) *Plan {
	t.Helper()
	st, err := NewParser().Parse(c.sql)
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Plan(st, "app", "sbtest")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBindBenchCases checks that the benchmarks measure what they say:
// the multi-shard cases bind to several rewritten parts.
func TestBindBenchCases(t *testing.T) {
	r := sysbenchRouter(t)
	for _, c := range bindCases(t, r) {
		p := planBindCase(t, r, c)
		for i := range 1024 {
			e, err := p.BindWith(c.params(i), c.opts)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(e.Parts) != c.parts || e.Parts[0].SQL == "" {
				t.Fatalf("%s #%d: %d parts %+v, want %d rewritten", c.name, i, len(e.Parts), e.Parts, c.parts)
			}
		}
	}
}

func BenchmarkBind(b *testing.B) {
	r := sysbenchRouter(b)
	for _, c := range bindCases(b, r) {
		p := planBindCase(b, r, c)
		// Parameters made beforehand: only the bind is measured.
		sets := make([][]Param, 1024)
		for i := range sets {
			sets[i] = c.params(i)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := p.BindWith(sets[i%len(sets)], c.opts); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			var seq atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1000003))
				for pb.Next() {
					if _, err := p.BindWith(sets[i%len(sets)], c.opts); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
