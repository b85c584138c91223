// Package wire reads the MySQL protocol's variable-length fields from
// client input without trusting it: every length is checked against the
// bytes actually there, so a truncated or lying packet is reported, never
// read past. (go-mysql's mysql.LengthEncodedInt and LengthEncodedString
// index past the end of a truncated field and overflow on huge lengths:
// fine for a server's answers, not for what a client sends.)
package wire

import (
	"encoding/binary"
	"math"
)

// LenEncInt reads the length-encoded integer at the start of p: its value
// and the bytes it took. null is true for 0xFB, which encodes SQL NULL
// where a value may be NULL. ok is false when p is empty, truncated, or
// starts with 0xFF (the error-packet marker, no integer).
func LenEncInt(p []byte) (v uint64, n int, null, ok bool) {
	if len(p) == 0 {
		return 0, 0, false, false
	}
	switch p[0] {
	case 0xfb:
		return 0, 1, true, true
	case 0xfc:
		n = 3
	case 0xfd:
		n = 4
	case 0xfe:
		n = 9
	case 0xff:
		return 0, 0, false, false
	default:
		return uint64(p[0]), 1, false, true
	}
	if len(p) < n {
		return 0, 0, false, false
	}
	var b [8]byte
	copy(b[:], p[1:n])
	return binary.LittleEndian.Uint64(b[:]), n, false, true
}

// LenEncString splits the length-encoded string at the start of p off
// it. null is true for 0xFB (SQL NULL, s empty). ok is false when the
// length is malformed or announces more bytes than p holds. s aliases p.
func LenEncString(p []byte) (s, rest []byte, null, ok bool) {
	v, n, null, ok := LenEncInt(p)
	if !ok {
		return nil, p, false, false
	}
	if null {
		return nil, p[n:], true, true
	}
	if v > uint64(len(p)-n) || v > math.MaxInt {
		return nil, p, false, false
	}
	end := n + int(v)
	return p[n:end:end], p[end:], false, true
}
