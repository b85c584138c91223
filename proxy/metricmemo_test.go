package proxy

import (
	"slices"
	"testing"
)

func TestMemoRemembersRecentKeys(t *testing.T) {
	var m memo[string, int]
	var resolved []string
	resolve := func(k string) int { resolved = append(resolved, k); return len(k) }
	// A transaction's cycle of kinds fits: each key is resolved once.
	cycle := []string{"begin", "select", "update", "delete", "insert", "commit"}
	for range 3 {
		for _, k := range cycle {
			if got := m.get(k, resolve); got != len(k) {
				t.Fatalf("get(%q) = %d, want %d", k, got, len(k))
			}
		}
	}
	if len(resolved) != len(cycle) {
		t.Fatalf("resolved %q for three rounds of %d keys, want each once", resolved, len(cycle))
	}
	// One key more: the oldest ("begin") is forgotten, the others kept.
	resolved = nil
	for _, k := range []string{"replace", "select", "commit", "replace", "begin"} {
		if got := m.get(k, resolve); got != len(k) {
			t.Fatalf("get(%q) = %d, want %d", k, got, len(k))
		}
	}
	if want := []string{"replace", "begin"}; !slices.Equal(resolved, want) {
		t.Fatalf("resolved %q, want %q", resolved, want)
	}
}
