package proxy

import "testing"

func TestMatchLike(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"shop", "shop", true},
		{"SHOP", "shop", true},
		{"sh%", "shop", true},
		{"%op", "shop", true},
		{"s_op", "shop", true},
		{"s_p", "shop", false},
		{"%", "", true},
		{"a\\_b", "a_b", true},
		{"a\\_b", "axb", false},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := matchLike(tt.pat, tt.s); got != tt.want {
			t.Errorf("matchLike(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	for _, v := range []string{"1", "ON", "true", "'on'"} {
		if b, ok := parseBool(v); !ok || !b {
			t.Errorf("parseBool(%q) = %v, %v", v, b, ok)
		}
	}
	for _, v := range []string{"0", "OFF", "false"} {
		if b, ok := parseBool(v); !ok || b {
			t.Errorf("parseBool(%q) = %v, %v", v, b, ok)
		}
	}
	if _, ok := parseBool("2"); ok {
		t.Error("parseBool(2) accepted")
	}
}
