package backend

import (
	"slices"
	"testing"
)

func TestSetStatements(t *testing.T) {
	empty := State{}
	a := empty.With(Var{"@@session.sql_mode", "'ANSI'"}, Var{"@x", "1"})
	utf8 := empty.With(CharsetVars("utf8mb4", "utf8mb4_general_ci", true)...)
	latin1 := empty.With(CharsetVars("latin1", "latin1_swedish_ci", true)...).With(Var{"@x", "'\xe9'"})
	unicode := empty.With(CharsetVars("utf8mb4", "utf8mb4_unicode_ci", false)...)
	unicodeConn45 := unicode.With(Var{VarCollation, "'utf8mb4_general_ci'"})
	// Handshake 224, then SET character_set_client = utf8mb4: results
	// keep 224, client gets the default.
	unicodeResults := unicode.With(Var{VarCharsetClient, "'utf8mb4'"})
	unicodeClientNull := unicode.With(Var{VarCharsetResults, "NULL"})
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
			"SET @@session.character_set_client = 'latin1', @@session.character_set_results = 'latin1', @@session.collation_connection = 'latin1_swedish_ci'",
			"SET @@session.sql_mode = DEFAULT, @x = '\xe9'",
		}},
		{"charset alone", latin1.Without("@x"), utf8, []string{
			"SET @@session.character_set_client = 'utf8mb4', @@session.character_set_results = 'utf8mb4', @@session.collation_connection = 'utf8mb4_general_ci'",
		}},
		{"one charset variable", utf8, noResults, []string{"SET @@session.character_set_results = NULL"}},
		{"fresh connection gets the session's charset", unsyncedCharset(), utf8, []string{
			"SET @@session.character_set_client = 'utf8mb4', @@session.character_set_results = 'utf8mb4', @@session.collation_connection = 'utf8mb4_general_ci'",
		}},
		{"fresh connection, unknown handshake collation: server defaults", unsyncedCharset(), a, []string{
			"SET @@session.character_set_client = DEFAULT, @@session.character_set_results = DEFAULT, @@session.collation_connection = DEFAULT",
			"SET @@session.sql_mode = 'ANSI', @x = 1",
		}},
		{"non-default collation: SET NAMES", utf8, unicode, []string{
			"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'",
		}},
		{"fresh connection, non-default collation", unsyncedCharset(), unicode, []string{
			"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'",
		}},
		{"non-default client and results, another connection collation", latin1.Without("@x"), unicodeConn45, []string{
			"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci', @@session.collation_connection = 'utf8mb4_general_ci'",
		}},
		{"non-default results only", utf8, unicodeResults, []string{
			"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci', @@session.character_set_client = 'utf8mb4'",
		}},
		{"non-default client, results NULL", latin1.Without("@x"), unicodeClientNull, []string{
			"SET NAMES 'utf8mb4' COLLATE 'utf8mb4_unicode_ci', @@session.character_set_results = NULL",
		}},
		{"back to defaults: assignments by name", unicode, utf8, []string{
			"SET @@session.character_set_client = 'utf8mb4', @@session.character_set_results = 'utf8mb4', @@session.collation_connection = 'utf8mb4_general_ci'",
		}},
		{"non-default to unknown handshake collation: server defaults", unicode, empty, []string{
			"SET @@session.character_set_client = DEFAULT, @@session.character_set_results = DEFAULT, @@session.collation_connection = DEFAULT",
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
	for _, st := range []State{{}, State{}.With(CharsetVars("utf8mb4", "utf8mb4_general_ci", true)...), State{}.With(CharsetVars("utf8mb4", "utf8mb4_unicode_ci", false)...), State{}.With(CharsetVars("binary", "binary", true)...)} {
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

// The values a state works out when it is made are the ones its
// assignments give, through every way of making one.
func TestStateHotValues(t *testing.T) {
	empty := State{}
	utf8 := empty.With(CharsetVars("utf8mb4", "utf8mb4_general_ci", true)...)
	unicode := empty.With(CharsetVars("utf8mb4", "utf8mb4_unicode_ci", false)...)
	mode := utf8.With(Var{VarSQLMode, "'ANSI_QUOTES'"})
	tests := []struct {
		name               string
		st                 State
		charsetKey, client string
		sqlMode            string
		hasSQLMode         bool
	}{
		{"zero", empty, "|", "", "", false},
		{"made empty", utf8.Without(VarCharsetClient).Without(VarCharsetResults).Without(VarCollation), "|", "", "", false},
		{"no charset", empty.With(Var{"@x", "1"}), "|", "", "", false},
		{"handshake", utf8, "'utf8mb4'|'utf8mb4_general_ci'", "utf8mb4", "", false},
		{"collation", unicode, "'utf8mb4' COLLATE 'utf8mb4_unicode_ci'|'utf8mb4_unicode_ci'", "utf8mb4", "", false},
		{"client NULL", utf8.With(Var{VarCharsetClient, "NULL"}), "NULL|'utf8mb4_general_ci'", "", "", false},
		{"sql_mode", mode, "'utf8mb4'|'utf8mb4_general_ci'", "utf8mb4", "'ANSI_QUOTES'", true},
		{"sql_mode empty", mode.With(Var{VarSQLMode, "''"}), "'utf8mb4'|'utf8mb4_general_ci'", "utf8mb4", "''", true},
		{"sql_mode gone", mode.Without(VarSQLMode), "'utf8mb4'|'utf8mb4_general_ci'", "utf8mb4", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.st.CharsetKey(); got != tt.charsetKey {
				t.Errorf("CharsetKey() = %q, want %q", got, tt.charsetKey)
			}
			if got := tt.st.ClientCharset(); got != tt.client {
				t.Errorf("ClientCharset() = %q, want %q", got, tt.client)
			}
			v, ok := tt.st.SQLMode()
			if v != tt.sqlMode || ok != tt.hasSQLMode {
				t.Errorf("SQLMode() = %q, %v, want %q, %v", v, ok, tt.sqlMode, tt.hasSQLMode)
			}
			get := func(name string) string { v, _ := tt.st.Get(name); return v }
			want := stmtVars{mode: get(VarSQLMode), client: get(VarCharsetClient), results: get(VarCharsetResults), coll: get(VarCollation)}
			if tt.st.hot.stmt != want {
				t.Errorf("prepared statements' variables %+v, want %+v", tt.st.hot.stmt, want)
			}
		})
	}
}
