package backend

import "testing"

func TestVersionID(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"5.5.5-10.11.19-MariaDB-0+deb12u1", 101119, true}, // MariaDB's handshake
		{"10.11.6-MariaDB-log", 101106, true},
		{"10.6.16-MariaDB-1:10.6.16+maria~ubu2004", 100616, true},
		{"11.4.2-MariaDB", 110402, true},
		{"8.0.36", 80036, true},
		{"5.7.44-log", 50744, true},
		{"", 0, false},
		{"garbage", 0, false},
	}
	for _, tt := range tests {
		got, ok := versionID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("versionID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
