package proxy

import "testing"

// TestLevelName: @@tx_isolation as a session sets it, by name or number,
// becomes what SET TRANSACTION ISOLATION LEVEL takes; anything else is
// not guessed.
func TestLevelName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"'READ-COMMITTED'", "READ COMMITTED", true},
		{"'read-uncommitted'", "READ UNCOMMITTED", true},
		{"REPEATABLE-READ", "REPEATABLE READ", true},
		{"'SERIALIZABLE'", "SERIALIZABLE", true},
		{"1", "READ COMMITTED", true},
		{"3", "SERIALIZABLE", true},
		{"4", "", false},
		{"@@global.tx_isolation", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := levelName(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("levelName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
