package wire

import (
	"bytes"
	"testing"
)

func TestLenEncInt(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		v          uint64
		n          int
		null, isOK bool
	}{
		{"empty", nil, 0, 0, false, false},
		{"one byte", []byte{250, 9}, 250, 1, false, true},
		{"null", []byte{0xfb}, 0, 1, true, true},
		{"two bytes", []byte{0xfc, 0x34, 0x12}, 0x1234, 3, false, true},
		{"two bytes truncated", []byte{0xfc, 0x34}, 0, 0, false, false},
		{"three bytes", []byte{0xfd, 1, 2, 3}, 0x030201, 4, false, true},
		{"three bytes truncated", []byte{0xfd, 1, 2}, 0, 0, false, false},
		{"eight bytes", []byte{0xfe, 1, 0, 0, 0, 0, 0, 0, 0x80}, 0x8000000000000001, 9, false, true},
		{"eight bytes truncated", []byte{0xfe, 1, 0, 0, 0, 0, 0, 0}, 0, 0, false, false},
		{"error marker", []byte{0xff, 0, 0}, 0, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, n, null, ok := LenEncInt(tt.in)
			if v != tt.v || n != tt.n || null != tt.null || ok != tt.isOK {
				t.Errorf("LenEncInt(%x) = %d, %d, %v, %v; want %d, %d, %v, %v", tt.in, v, n, null, ok, tt.v, tt.n, tt.null, tt.isOK)
			}
		})
	}
}

func TestLenEncString(t *testing.T) {
	tests := []struct {
		name       string
		in         []byte
		s, rest    []byte
		null, isOK bool
	}{
		{"short", []byte{3, 'a', 'b', 'c', 'd'}, []byte("abc"), []byte("d"), false, true},
		{"empty string", []byte{0}, []byte{}, []byte{}, false, true},
		{"null", []byte{0xfb, 'x'}, nil, []byte("x"), true, true},
		{"truncated value", []byte{5, 'a', 'b'}, nil, nil, false, false},
		{"truncated length", []byte{0xfc, 1}, nil, nil, false, false},
		{"huge length", []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'}, nil, nil, false, false},
		{"length past int", []byte{0xfe, 0, 0, 0, 0, 0, 0, 0, 0x80, 'a'}, nil, nil, false, false},
		{"nothing", nil, nil, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rest, null, ok := LenEncString(tt.in)
			if ok != tt.isOK || null != tt.null {
				t.Fatalf("LenEncString(%x): null %v ok %v, want %v %v", tt.in, null, ok, tt.null, tt.isOK)
			}
			if ok && (!bytes.Equal(s, tt.s) || !bytes.Equal(rest, tt.rest)) {
				t.Errorf("LenEncString(%x) = %q, %q; want %q, %q", tt.in, s, rest, tt.s, tt.rest)
			}
		})
	}
}

func FuzzLenEncString(f *testing.F) {
	f.Add([]byte{3, 'a', 'b', 'c'})
	f.Add([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, p []byte) {
		s, rest, _, ok := LenEncString(p)
		if ok && len(s)+len(rest) > len(p) {
			t.Fatalf("split %d bytes into %d + %d", len(p), len(s), len(rest))
		}
	})
}
