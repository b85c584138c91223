package proxy

import "testing"

func TestMatchedRows(t *testing.T) {
	for _, tc := range []struct {
		info string
		n    uint64
		ok   bool
	}{
		{"Rows matched: 3  Changed: 1  Warnings: 0", 3, true},
		{"Rows matched: 0  Changed: 0  Warnings: 0", 0, true},
		{"Rows matched: 18446744073709551615  Changed: 0  Warnings: 0", 18446744073709551615, true},
		{"Records: 2  Duplicates: 1  Warnings: 0", 0, false},
		{"", 0, false},
		{"Rows matched: x", 0, false},
	} {
		n, ok := matchedRows(tc.info)
		if n != tc.n || ok != tc.ok {
			t.Errorf("matchedRows(%q) = %d, %v; want %d, %v", tc.info, n, ok, tc.n, tc.ok)
		}
	}
}
