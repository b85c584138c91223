package proxy

import (
	"testing"

	"github.com/xaproxy/xaproxy/engine"
)

// TestOnceConditions: the shards' lists of once-converted constants make
// one server's list when each is the start of the longest; otherwise the
// order is the rows' and nothing is put together.
func TestOnceConditions(t *testing.T) {
	w := func(v string) engine.Row {
		return engine.Row{[]byte("Warning"), []byte("1292"), []byte("Truncated incorrect DECIMAL value: '" + v + "'")}
	}
	for _, c := range []struct {
		name  string
		lists [][]engine.Row
		want  []engine.Row // nil: not put together
	}{
		{"same", [][]engine.Row{{w("x")}, {w("x")}}, []engine.Row{w("x")}},
		{"start of the longest", [][]engine.Row{{w("x1")}, {w("x1"), w("y2")}}, []engine.Row{w("x1"), w("y2")}},
		{"longest first", [][]engine.Row{{w("q"), w("p")}, {w("q")}, {w("q"), w("p")}}, []engine.Row{w("q"), w("p")}},
		{"one constant twice", [][]engine.Row{{w("x"), w("x")}, {w("x"), w("x")}}, []engine.Row{w("x"), w("x")}},
		{"opposite orders", [][]engine.Row{{w("q"), w("p")}, {w("p"), w("q")}}, nil},
		{"different starts", [][]engine.Row{{w("q")}, {w("p"), w("q")}}, nil},
	} {
		got, ok := onceConditions(c.lists)
		if ok != (c.want != nil) || len(got) != len(c.want) {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, ok, c.want)
			continue
		}
		for i := range got {
			if !sameCondition(got[i], c.want[i]) {
				t.Errorf("%s: row %d %q, want %q", c.name, i, got[i], c.want[i])
			}
		}
	}
}
