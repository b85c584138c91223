package backend

import "testing"

func TestSetStatement(t *testing.T) {
	empty := State{}
	a := empty.With(Var{"@@session.sql_mode", "'ANSI'"}, Var{"@x", "1"})
	b := empty.With(Var{"@x", "2"}, Var{"NAMES", "latin1"})
	tests := []struct {
		name     string
		from, to State
		want     string
	}{
		{"equal", a, a, ""},
		{"from empty", empty, a, "SET @@session.sql_mode = 'ANSI', @x = 1"},
		{"to empty resets", a, empty, "SET @@session.sql_mode = DEFAULT, @x = NULL"},
		{"names first, then diffs", a, b, "SET NAMES latin1, @@session.sql_mode = DEFAULT, @x = 2"},
		{"names reset", b, empty, "SET NAMES utf8mb4, @x = NULL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SetStatement(tt.from, tt.to); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStateKeyIgnoresOrder(t *testing.T) {
	x := State{}.With(Var{"@a", "1"}, Var{"@b", "2"})
	y := State{}.With(Var{"@b", "2"}).With(Var{"@a", "1"})
	if x.Key() != y.Key() {
		t.Fatalf("keys differ: %q vs %q", x.Key(), y.Key())
	}
	if x.Without("@a").Key() == x.Key() {
		t.Fatal("Without did not change the key")
	}
}
