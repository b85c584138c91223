package integration

import (
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/router"
	"github.com/xaproxy/xaproxy/sharding"
)

// TestDifferentialRoutes plans the statements TestDifferential generates
// (same seed) with the router alone, no servers, and counts how many run on
// one shard, on several, or are refused: the figures that tell how routing
// changes from one version to the next.
func TestDifferentialRoutes(t *testing.T) {
	t.Parallel()
	cfg, err := conf.Parse([]byte(`
users: [{name: app, password: x}]
shards:
  - {name: s0, dsn: "root@tcp(127.0.0.1:1)/"}
  - {name: s1, dsn: "root@tcp(127.0.0.1:2)/"}
  - {name: s2, dsn: "root@tcp(127.0.0.1:3)/"}
schemas:
` + diffSchemas))
	if err != nil {
		t.Fatal(err)
	}
	r := router.New(sharding.New(cfg))
	parser := router.NewParser()
	seed := uint64(20240611)
	data := genDiffData(seed)
	gen := newDiffGen(data, seed)
	var main []diffQuery
	for len(main) < 560 {
		main = append(main, gen.next())
	}
	kgen := newDiffGen(data, seed^0x6b657973)
	var keys []diffQuery
	for len(keys) < 220 {
		keys = append(keys, kgen.keyForm())
	}
	count := func(label string, qs []diffQuery) {
		one, several, refused := 0, 0, 0
		byKind := map[string]*[3]int{}
		var kinds []string
		for _, q := range qs {
			if byKind[q.kind] == nil {
				byKind[q.kind] = &[3]int{}
				kinds = append(kinds, q.kind)
			}
			before := [3]int{one, several, refused}
			st, err := parser.Parse(q.sql)
			if err != nil {
				refused++
				continue
			}
			p, err := r.Plan(st, "app", "shop")
			var e *router.Exec
			if err == nil {
				e, err = p.Bind(routeParams(q.args))
			}
			switch {
			case err != nil:
				refused++
			case len(e.Parts) == 1:
				one++
			default:
				several++
			}
			k := byKind[q.kind]
			k[0] += one - before[0]
			k[1] += several - before[1]
			k[2] += refused - before[2]
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			c := byKind[k]
			t.Logf("    %-28s one shard %3d  several %3d  refused %3d", k, c[0], c[1], c[2])
		}
		msg := fmt.Sprintf("differential routes: %s: %d statements, %d on one shard, %d on several, %d refused", label, len(qs), one, several, refused)
		t.Log(msg)
		fmt.Println(msg)
	}
	count("generated", main)
	count("key forms", keys)
}

// routeParams turns generated arguments into bound parameters for routing.
func routeParams(args []any) []router.Param {
	out := make([]router.Param, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			out[i] = router.Param{Null: true, Literal: "NULL", Key: sharding.NullValue()}
		case int64:
			out[i] = router.Param{Literal: strconv.FormatInt(v, 10), Key: sharding.IntValue(v)}
		case float64:
			out[i] = router.Param{Literal: strconv.FormatFloat(v, 'e', -1, 64), Key: sharding.FloatValue(v)}
		case string:
			out[i] = router.Param{Literal: sqlQuote(v), Key: sharding.StringValue(v)}
		}
	}
	return out
}
