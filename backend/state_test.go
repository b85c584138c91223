package backend

import (
	"slices"
	"testing"
)

func TestSetStatements(t *testing.T) {
	empty := State{}
	a := empty.With(Var{"@@session.sql_mode", "'ANSI'"}, Var{"@x", "1"})
	utf8 := empty.With(CharsetVars("utf8mb4", "45")...)
	latin1 := empty.With(CharsetVars("latin1", "8")...).With(Var{"@x", "'\xe9'"})
	noResults := utf8.With(Var{VarCharsetResults, "NULL"})
	tests := []struct {
		name     string
		from, to State
		want     []string
	}{
		{"equal", a, a, nil},
		{"from empty", empty, a, []string{"SET @@session.sql_mode = 'ANSI', @x = 1"}},
		{"to empty resets", a, empty, []string{"SET @@session.sql_mode = DEFAULT, @x = CAST(NULL AS BINARY)"}},
		{"charset own statement, first", a, latin1, []string{
			"SET @@session.character_set_client = 'latin1', @@session.character_set_results = 'latin1', @@session.collation_connection = 8",
			"SET @@session.sql_mode = DEFAULT, @x = '\xe9'",
		}},
		{"charset alone", latin1.Without("@x"), utf8, []string{
			"SET @@session.character_set_client = 'utf8mb4', @@session.character_set_results = 'utf8mb4', @@session.collation_connection = 45",
		}},
		{"one charset variable", utf8, noResults, []string{"SET @@session.character_set_results = NULL"}},
		{"fresh connection gets the session's charset", unsyncedCharset(), utf8, []string{
			"SET @@session.character_set_client = 'utf8mb4', @@session.character_set_results = 'utf8mb4', @@session.collation_connection = 45",
		}},
		{"fresh connection, unknown handshake collation: server defaults", unsyncedCharset(), a, []string{
			"SET @@session.character_set_client = DEFAULT, @@session.character_set_results = DEFAULT, @@session.collation_connection = DEFAULT",
			"SET @@session.sql_mode = 'ANSI', @x = 1",
		}},
		{"reused connection, unknown handshake collation: server defaults", latin1, empty, []string{
			"SET @@session.character_set_client = DEFAULT, @@session.character_set_results = DEFAULT, @@session.collation_connection = DEFAULT",
			"SET @x = CAST(NULL AS BINARY)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SetStatements(tt.from, tt.to); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFreshConnectionNeverMatches(t *testing.T) {
	// Whatever a session holds, a fresh connection's charset is set.
	for _, st := range []State{{}, State{}.With(CharsetVars("utf8mb4", "45")...), State{}.With(CharsetVars("binary", "63")...)} {
		qs := SetStatements(unsyncedCharset(), st)
		if len(qs) == 0 {
			t.Errorf("state %q: no SET on a fresh connection", st.Key())
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"utf8mb4", "'utf8mb4'"},
		{"a'b", "'a''b'"},
		{`a\b`, `'a\\b'`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
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
