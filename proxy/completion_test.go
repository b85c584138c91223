package proxy

import "testing"

func TestSaysNo(t *testing.T) {
	tests := []struct {
		sql, word string
		want      bool
	}{
		{"COMMIT", "CHAIN", false},
		{"COMMIT AND NO CHAIN", "CHAIN", true},
		{"commit work and no chain;", "CHAIN", true},
		{"COMMIT AND CHAIN NO RELEASE", "CHAIN", false},
		{"COMMIT AND CHAIN NO RELEASE", "RELEASE", true},
		{"ROLLBACK\n NO\tRELEASE", "RELEASE", true},
		{"ROLLBACK RELEASE", "RELEASE", false},
	}
	for _, tt := range tests {
		if got := saysNo(tt.sql, tt.word); got != tt.want {
			t.Errorf("saysNo(%q, %s) = %v, want %v", tt.sql, tt.word, got, tt.want)
		}
	}
}
