package proxy

import (
	"testing"

	"github.com/xaproxy/xaproxy/backend"
)

// TestTxCharsSQL: what SET TRANSACTION tells a shard connection, which
// carries the session's variables: the isolation level when one is chosen,
// and READ WRITE only where the session's default is READ ONLY (a READ
// ONLY transaction is enforced by the proxy, so it is never sent).
func TestTxCharsSQL(t *testing.T) {
	on, off := true, false
	tests := []struct {
		name      string
		sessionRO string // @@session.tx_read_only ("": not set)
		isolation string
		readOnly  *bool
		want      string
	}{
		{"nothing chosen", "", "", nil, ""},
		{"isolation only", "", "SERIALIZABLE", nil, "ISOLATION LEVEL SERIALIZABLE"},
		{"READ WRITE in a READ WRITE session", "0", "", &off, ""},
		{"READ ONLY is enforced by the proxy", "0", "", &on, ""},
		{"READ WRITE in a READ ONLY session", "1", "", &off, "READ WRITE"},
		{"READ WRITE in an ON session", "ON", "", &off, "READ WRITE"},
		{"both", "1", "READ COMMITTED", &off, "ISOLATION LEVEL READ COMMITTED, READ WRITE"},
		{"session's mode in a READ ONLY session", "1", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{}
			if tt.sessionRO != "" {
				s.vars = s.vars.With(backend.Var{Name: "@@session.tx_read_only", Value: tt.sessionRO})
			}
			if got := s.txCharsSQL(tt.isolation, tt.readOnly); got != tt.want {
				t.Errorf("txCharsSQL(%q, %v) = %q, want %q", tt.isolation, tt.readOnly, got, tt.want)
			}
		})
	}
}
