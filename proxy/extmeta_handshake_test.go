package proxy

import (
	"encoding/binary"
	"testing"
)

// greeting is a protocol 10 greeting payload as MariaDB 10.11 shapes it.
func greeting(caps uint16, ext uint32) []byte {
	p := append([]byte{10}, "10.11.19-MariaDB\x00"...)
	p = append(p, 1, 0, 0, 0)        // connection id
	p = append(p, "abcdefgh\x00"...) // scramble part 1, filler
	p = binary.LittleEndian.AppendUint16(p, caps)
	p = append(p, 45, 2, 0, 0xff, 0x81, 21) // charset, status, upper capabilities, scramble length
	p = append(p, 0, 0, 0, 0, 0, 0)
	p = binary.LittleEndian.AppendUint32(p, ext)
	return append(p, "ijklmnopqrst\x00mysql_native_password\x00"...)
}

func TestAnnounceExtCaps(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		ext  uint32
		want []byte
	}{
		{"offer extended metadata", greeting(0xf7ff, 0), extMetadata, greeting(0xf7fe, extMetadata)},
		{"offer none", greeting(0xf7fe, 0x1d), 0, greeting(0xf7ff, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !announceExtCaps(tc.in, tc.ext) || string(tc.in) != string(tc.want) {
				t.Errorf("got %q, want %q", tc.in, tc.want)
			}
		})
	}
	for _, bad := range [][]byte{nil, {9, 0}, {10, 'x'}, greeting(0, 0)[:30]} {
		if announceExtCaps(bad, extMetadata) {
			t.Errorf("%q taken for a greeting", bad)
		}
	}
}

func TestClientExtCaps(t *testing.T) {
	resp := func(caps, ext uint32) []byte {
		p := binary.LittleEndian.AppendUint32(nil, caps)
		p = append(p, make([]byte, 24)...)
		return append(binary.LittleEndian.AppendUint32(p, ext), "app\x00"...)
	}
	tests := []struct {
		name string
		p    []byte
		want uint32
	}{
		{"MariaDB client asking", resp(0x000fa684, extMetadata|1), extMetadata | 1},
		{"CLIENT_MYSQL set: the bytes are filler", resp(0x000fa685, extMetadata), 0},
		{"asks none", resp(0x000fa684, 0), 0},
		{"too short", resp(0x000fa684, extMetadata)[:31], 0},
	}
	for _, tc := range tests {
		if got := clientExtCaps(tc.p); got != tc.want {
			t.Errorf("%s: %#x, want %#x", tc.name, got, tc.want)
		}
	}
}
