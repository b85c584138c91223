package proxy

import "testing"

// The words read without a server; anything else is MariaDB's to judge.
func TestAutocommitLiteral(t *testing.T) {
	for v, want := range map[string]int{
		"1": 1, "ON": 1, "`on`": 1, "TRUE": 1, "0": 0, "`OFF`": 0, "false": 0,
		"'ON'": -1, "2": -1, "DEFAULT": -1, "@`ac`": -1, "``": -1, "`": -1, "'off '": -1,
	} {
		on, ok := autocommitLiteral(v)
		got := -1
		if ok && on {
			got = 1
		} else if ok {
			got = 0
		}
		if got != want {
			t.Errorf("autocommitLiteral(%q) = %d, want %d", v, got, want)
		}
	}
}
