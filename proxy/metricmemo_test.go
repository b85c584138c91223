package proxy

import "testing"

func TestMemoResolvesOnKeyChange(t *testing.T) {
	var m memo[string, int]
	calls := 0
	resolve := func(k string) int { calls++; return len(k) }
	for _, tc := range []struct {
		key       string
		want      int
		wantCalls int
	}{
		{"ab", 2, 1},
		{"ab", 2, 1}, // same key: remembered
		{"abc", 3, 2},
		{"ab", 2, 3},
		{"", 0, 4},
		{"", 0, 4},
	} {
		if got := m.get(tc.key, resolve); got != tc.want || calls != tc.wantCalls {
			t.Fatalf("get(%q) = %d after %d resolves, want %d after %d", tc.key, got, calls, tc.want, tc.wantCalls)
		}
	}
}
