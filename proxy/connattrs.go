package proxy

import (
	"bytes"
	"encoding/binary"
	"sort"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/wire"
	"github.com/xaproxy/xaproxy/router"
)

// A client's connection attributes are listed in the order it sent them
// (performance_schema ORDINAL_POSITION). go-mysql keeps them as a map, so
// the order is read again from the handshake response the client sent. A
// TLS client's response is encrypted on the wire: its attributes, and any
// that cannot be read back the same as go-mysql's, are listed by name.

// orderedAttrs lists the attributes go-mysql read (m) in the client's
// order, read from raw, the bytes the client sent during the handshake.
func orderedAttrs(raw []byte, m map[string]string) []router.ConnectAttr {
	if list, ok := handshakeAttrs(raw); ok && sameAttrs(list, m) {
		return list
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	list := make([]router.ConnectAttr, len(names))
	for i, k := range names {
		list[i] = router.ConnectAttr{Name: k, Value: m[k]}
	}
	return list
}

func sameAttrs(list []router.ConnectAttr, m map[string]string) bool {
	if len(list) != len(m) {
		return false
	}
	for _, a := range list {
		if v, ok := m[a.Name]; !ok || v != a.Value {
			return false
		}
	}
	return true
}

// handshakeAttrs reads the attributes of a protocol 4.1 handshake response
// packet (with its header) at the start of raw; false when raw does not
// hold one (an SSL request, a truncated read).
func handshakeAttrs(raw []byte) ([]router.ConnectAttr, bool) {
	if len(raw) < 4 {
		return nil, false
	}
	n := int(raw[0]) | int(raw[1])<<8 | int(raw[2])<<16
	if len(raw) < 4+n || n < 32 {
		return nil, false
	}
	p := raw[4 : 4+n]
	caps := binary.LittleEndian.Uint32(p)
	if caps&mysql.CLIENT_PROTOCOL_41 == 0 || caps&mysql.CLIENT_SSL != 0 && n == 32 {
		return nil, false
	}
	p = p[32:]
	_, p, ok := cutNUL(p) // user
	if !ok {
		return nil, false
	}
	switch {
	case caps&mysql.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0:
		if _, p, ok = lenEncString(p); !ok {
			return nil, false
		}
	case caps&mysql.CLIENT_SECURE_CONNECTION != 0:
		if len(p) < 1 || len(p) < 1+int(p[0]) {
			return nil, false
		}
		p = p[1+int(p[0]):]
	default:
		if _, p, ok = cutNUL(p); !ok {
			return nil, false
		}
	}
	if caps&mysql.CLIENT_CONNECT_WITH_DB != 0 {
		if _, p, ok = cutNUL(p); !ok {
			return nil, false
		}
	}
	if caps&mysql.CLIENT_PLUGIN_AUTH != 0 {
		if _, p, ok = cutNUL(p); !ok {
			return nil, false
		}
	}
	if caps&mysql.CLIENT_CONNECT_ATTRS == 0 {
		return nil, true
	}
	return attrBlock(p)
}

// attrBlock reads a length-encoded block of name/value pairs.
func attrBlock(p []byte) ([]router.ConnectAttr, bool) {
	block, _, ok := lenEncString(p)
	if !ok {
		return nil, false
	}
	var list []router.ConnectAttr
	for len(block) > 0 {
		var k, v []byte
		if k, block, ok = lenEncString(block); !ok {
			return nil, false
		}
		if v, block, ok = lenEncString(block); !ok {
			return nil, false
		}
		list = append(list, router.ConnectAttr{Name: string(k), Value: string(v)})
	}
	return list, true
}

// lenEncString splits a length-encoded string off p; a NULL, truncated
// or malformed one is not ok.
func lenEncString(p []byte) (s, rest []byte, ok bool) {
	s, rest, null, ok := wire.LenEncString(p)
	if !ok || null {
		return nil, p, false
	}
	return bytes.Clone(s), rest, true
}
