package backend

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// greeting builds a protocol 10 greeting payload with the given lower
// capabilities and MariaDB extended capabilities.
func greeting(caps uint16, ext uint32) []byte {
	p := append([]byte{10}, "5.5.5-10.11.19-MariaDB\x00"...)
	p = append(p, 1, 0, 0, 0)    // connection id
	p = append(p, "scramble"...) // scramble part 1
	p = append(p, 0)             // filler
	p = binary.LittleEndian.AppendUint16(p, caps)
	p = append(p, 45, 2, 0) // charset, status
	p = binary.LittleEndian.AppendUint16(p, 0x81bf)
	p = append(p, 21, 0, 0, 0, 0, 0, 0) // scramble length, reserved (6)
	p = binary.LittleEndian.AppendUint32(p, ext)
	return append(p, "scramble-part\x00mysql_native_password\x00"...)
}

func TestOffersExtMetadata(t *testing.T) {
	tests := []struct {
		name string
		p    []byte
		want bool
	}{
		{"MariaDB 10.11", greeting(0xf7fe, 0x1f), true},
		{"CLIENT_MYSQL set: the bytes are filler", greeting(0xf7ff, 0x1f), false},
		{"other extended capabilities only", greeting(0xf7fe, 0x07), false},
		{"MySQL", greeting(0xffff, 0), false},
		{"not protocol 10", append([]byte{9}, greeting(0xf7fe, 0x1f)[1:]...), false},
		{"cut short", greeting(0xf7fe, 0x1f)[:40], false},
	}
	for _, tt := range tests {
		if got := offersExtMetadata(tt.p); got != tt.want {
			t.Errorf("%s: offersExtMetadata = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// response builds a handshake response packet (header included).
func response(caps uint32, user string) []byte {
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = append(p, 0, 0, 0, 0, 45)
	p = append(p, make([]byte, 23)...)
	if user != "" {
		p = append(append(p, user...), 0, 0)
	}
	return append([]byte{byte(len(p)), 0, 0, 1}, p...)
}

func TestAskExtMetadata(t *testing.T) {
	const (
		protocol41 = 1 << 9
		ssl        = 1 << 11
	)
	tests := []struct {
		name     string
		pkt      []byte
		want     bool
		wantCaps uint32
	}{
		{"response", response(protocol41|clientMySQL|0x80000, "app"), true, protocol41 | 0x80000},
		{"SSL request", response(protocol41|clientMySQL|ssl, ""), false, protocol41 | clientMySQL | ssl},
		{"response announcing SSL", response(protocol41|clientMySQL|ssl, "app"), false, protocol41 | clientMySQL | ssl},
		{"protocol 3.20", response(clientMySQL, "app"), false, clientMySQL},
	}
	for _, tt := range tests {
		before := bytes.Clone(tt.pkt)
		if got := askExtMetadata(tt.pkt); got != tt.want {
			t.Errorf("%s: askExtMetadata = %v, want %v", tt.name, got, tt.want)
		}
		if caps := binary.LittleEndian.Uint32(tt.pkt[4:]); caps != tt.wantCaps {
			t.Errorf("%s: capabilities %#x, want %#x", tt.name, caps, tt.wantCaps)
		}
		ext := binary.LittleEndian.Uint32(tt.pkt[4+28:])
		if tt.want && ext != extMetadata || !tt.want && !bytes.Equal(tt.pkt, before) {
			t.Errorf("%s: packet %q (extended %#x), was %q", tt.name, tt.pkt, ext, before)
		}
	}
	// A packet that is not the first (sequence 1) is left alone.
	p := response(protocol41|clientMySQL, "app")
	p[3] = 3
	if askExtMetadata(p) {
		t.Error("askExtMetadata rewrote a packet of sequence 3")
	}
}

func TestStripExtMeta(t *testing.T) {
	fixed := "\x0c\x2d\x00\x00\x00\x00\x00\xfc\x00\x00\x27\x00\x00"
	head := "\x03def\x04shop\x04docs\x04docs\x01j\x01j"
	tests := []struct {
		name, def, want string
		ok              bool
	}{
		{"json", head + "\x06\x01\x04json" + fixed, head + fixed, true},
		{"empty block", head + "\x00" + fixed, head + fixed, true},
		{"12-byte block", head + "\x0c\x00\x0aabcdefghij" + fixed, head + fixed, true},
		{"no block", head + fixed, "", false},
		{"truncated", head + "\x06\x01\x04js", "", false},
	}
	for _, tt := range tests {
		got, ok := stripExtMeta([]byte(tt.def))
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("%s: stripExtMeta = %q, %v, want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
