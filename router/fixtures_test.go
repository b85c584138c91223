package router

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xaproxy/xaproxy/conf"
	"github.com/xaproxy/xaproxy/sharding"
)

// routerWith is a Router over n shards s0, s1, ... and the schemas of the
// YAML list items given (indented as under `schemas:`).
func routerWith(t testing.TB, n int, schemas string) *Router {
	t.Helper()
	var b strings.Builder
	b.WriteString("users: [{name: app, password: x}]\nshards:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {name: s%d, dsn: \"root@tcp(127.0.0.1:%d)/\"}\n", i, 3310+i)
	}
	b.WriteString("schemas:\n" + schemas)
	cfg, err := conf.Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return New(sharding.New(cfg))
}
