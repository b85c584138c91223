package proxy

import (
	"testing"

	"github.com/xaproxy/xaproxy/router"
)

// TestBareSystemVar: only @@tx_isolation written without a scope, outside
// strings, is SET TRANSACTION's one-shot form.
func TestBareSystemVar(t *testing.T) {
	for _, tt := range []struct {
		sql  string
		want bool
	}{
		{"SET @@tx_isolation = 'READ-COMMITTED'", true},
		{"SET @@TX_ISOLATION='READ-COMMITTED'", true},
		{"SET @@session.tx_isolation = 'READ-COMMITTED'", false},
		{"SET SESSION tx_isolation = 'READ-COMMITTED'", false},
		{"SET tx_isolation = 'READ-COMMITTED'", false},
		{"SET SESSION tx_isolation = 'READ-COMMITTED', @n = '@@tx_isolation'", false},
		{"SET @@tx_isolation_x = 1", false},
		{"SET @ @tx_isolation = 1", false},
	} {
		st, err := router.NewParser().Parse(tt.sql)
		if err != nil {
			t.Fatal(err)
		}
		if got := bareSystemVar(st, "tx_isolation"); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.sql, got, tt.want)
		}
	}
}
