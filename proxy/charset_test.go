package proxy

import (
	"testing"

	"github.com/xaproxy/xaproxy/backend"
)

// TestInitialCharset: the handshake collation becomes explicit character
// set variables holding that collation, by MariaDB's name for the number
// (213 is not MySQL's utf8_croatian_ci); one MariaDB does not know leaves
// them out, which replays DEFAULT: the server's defaults, what MariaDB
// gives such a client.
func TestInitialCharset(t *testing.T) {
	tests := []struct {
		id                         uint16
		client, results, collation string // "" : not in the state
	}{
		{45, "'utf8mb4'", "'utf8mb4'", "'utf8mb4_general_ci'"},
		{224, "'utf8mb4' COLLATE 'utf8mb4_unicode_ci'", "'utf8mb4' COLLATE 'utf8mb4_unicode_ci'", "'utf8mb4_unicode_ci'"},
		{46, "'utf8mb4' COLLATE 'utf8mb4_bin'", "'utf8mb4' COLLATE 'utf8mb4_bin'", "'utf8mb4_bin'"},
		{8, "'latin1'", "'latin1'", "'latin1_swedish_ci'"},
		{63, "'binary'", "'binary'", "'binary'"},
		{33, "'utf8mb3'", "'utf8mb3'", "'utf8mb3_general_ci'"},
		{213, "'utf8mb3' COLLATE 'utf8mb3_croatian_mysql561_ci'", "'utf8mb3' COLLATE 'utf8mb3_croatian_mysql561_ci'", "'utf8mb3_croatian_mysql561_ci'"},
		{255, "", "", ""}, // utf8mb4_0900_ai_ci: MySQL 8 only
		{248, "", "", ""}, // gb18030_chinese_ci: MySQL 8 only
		{76, "", "", ""},  // utf8mb3_tolower_ci: MySQL 8 only
		{0, "", "", ""},   // no such collation
	}
	for _, tt := range tests {
		st := initialVars(tt.id)
		for _, c := range []struct{ name, want string }{
			{backend.VarCharsetClient, tt.client},
			{backend.VarCharsetResults, tt.results},
			{backend.VarCollation, tt.collation},
		} {
			if got, _ := st.Get(c.name); got != c.want {
				t.Errorf("collation %d: %s = %q, want %q", tt.id, c.name, got, c.want)
			}
		}
		if n := len(st.Vars()); n != 0 && n != 3 {
			t.Errorf("collation %d: %d variables, want the character set only: %q", tt.id, n, st.Key())
		}
	}
}

func TestIsCharsetVar(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"character_set_client", true},
		{"CHARACTER_SET_RESULTS", true},
		{"character_set_connection", true},
		{"collation_connection", true},
		// Replayed as plain session variables: they change no
		// connection character set.
		{"character_set_database", false},
		{"collation_database", false},
		{"character_set_server", false},
		{"sql_mode", false},
	}
	for _, tt := range tests {
		if got := isCharsetVar(tt.name); got != tt.want {
			t.Errorf("isCharsetVar(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIsCharsetSetText(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"SET NAMES cp1251", true},
		{"  set names 'koi8r' collate 'koi8r_bin' ", true},
		{"SET CHARACTER SET cp1251", true},
		{"SET CHARSET cp1251", true},
		{"SET CHARACTER SET", false},
		{"SET NAMES cp1251, @x = 1", false}, // more than the character set
		{"SET NAMES cp1251; DROP TABLE t", false},
		{"SET @x = 1", false},
		{"SELECT 'SET NAMES x'", false},
		{"SET", false},
	}
	for _, tt := range tests {
		if got := isCharsetSetText(tt.sql); got != tt.want {
			t.Errorf("isCharsetSetText(%q) = %v, want %v", tt.sql, got, tt.want)
		}
	}
}
