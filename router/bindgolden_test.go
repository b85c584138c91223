package router

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// goldenBinds is the per-shard text of templateCases bound with 12
// parameter sets each, with and without LockReads, as bind writes it.
// testdata/bind_golden.txt holds what the code that restored the edited
// tree wrote before templates (commit 4a02f1d checked the two equal on 60
// sets): rewriting per shard must keep writing the same bytes, or change
// the file on purpose (XAPROXY_UPDATE_GOLDEN=1 go test -run TestBindGolden).
func goldenBinds(t *testing.T, bind func(p *Plan, params []Param, opts BindOptions) (*Exec, error)) string {
	r := sysbenchRouter(t)
	var b strings.Builder
	for _, sql := range templateCases {
		p := planBindCase(t, r, bindCase{sql: sql})
		n := strings.Count(sql, "?") - strings.Count(sql, "'x?'") - strings.Count(sql, "'a?b'")
		fmt.Fprintf(&b, "# %s\n", sql)
		for i := range 12 {
			params := templateParams(n, i)
			for _, lock := range []bool{false, true} {
				fmt.Fprintf(&b, "## %d lock=%v\n", i, lock)
				e, err := bind(p, params, BindOptions{LockReads: lock, AutoInc: seqIDs()})
				if err != nil {
					fmt.Fprintf(&b, "error: %v\n", err)
					continue
				}
				fmt.Fprintf(&b, "op=%v insertid=%d\n", e.Op, e.InsertID)
				for _, part := range e.Parts {
					fmt.Fprintf(&b, "%s rows=%d: %s\n", part.Shard, len(part.ValuesRows), part.SQL)
				}
			}
		}
	}
	return b.String()
}

func TestBindGolden(t *testing.T) {
	const file = "testdata/bind_golden.txt"
	got := goldenBinds(t, (*Plan).BindWith)
	if os.Getenv("XAPROXY_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		g, w := "", ""
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s line %d:\n got %s\nwant %s", file, i+1, g, w)
		}
	}
}
