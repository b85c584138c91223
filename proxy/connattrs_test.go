package proxy

import (
	"encoding/binary"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/router"
)

// handshakeResponse builds a protocol 4.1 handshake response with attrs.
func handshakeResponse(attrs []router.ConnectAttr) []byte {
	caps := uint32(mysql.CLIENT_PROTOCOL_41 | mysql.CLIENT_SECURE_CONNECTION | mysql.CLIENT_PLUGIN_AUTH | mysql.CLIENT_CONNECT_ATTRS | mysql.CLIENT_CONNECT_WITH_DB)
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = append(p, make([]byte, 28)...)
	p = append(p, "app\x00"...)
	p = append(p, 2, 0xaa, 0xbb)
	p = append(p, "shop\x00mysql_native_password\x00"...)
	var block []byte
	for _, a := range attrs {
		block = append(block, mysql.PutLengthEncodedString([]byte(a.Name))...)
		block = append(block, mysql.PutLengthEncodedString([]byte(a.Value))...)
	}
	p = append(p, mysql.PutLengthEncodedString(block)...)
	return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), 1}, p...)
}

func TestOrderedAttrs(t *testing.T) {
	attrs := []router.ConnectAttr{{Name: "zeta", Value: "1"}, {Name: "_os", Value: "linux"}, {Name: "alpha"}}
	m := map[string]string{"zeta": "1", "_os": "linux", "alpha": ""}
	for _, tc := range []struct {
		name string
		raw  []byte
		want []string
	}{
		{"client order", handshakeResponse(attrs), []string{"zeta", "_os", "alpha"}},
		{"truncated read: by name", handshakeResponse(attrs)[:20], []string{"_os", "alpha", "zeta"}},
		{"SSL request: by name", append([]byte{32, 0, 0, 1}, binary.LittleEndian.AppendUint32(nil, mysql.CLIENT_PROTOCOL_41|mysql.CLIENT_SSL)...), []string{"_os", "alpha", "zeta"}},
	} {
		got := orderedAttrs(tc.raw, m)
		var names []string
		for _, a := range got {
			names = append(names, a.Name)
		}
		if len(names) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, names, tc.want)
			continue
		}
		for i := range names {
			if names[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, names, tc.want)
				break
			}
		}
	}
}

// TestHandshakeAttrsMalformed: a handshake response whose attribute block
// lies about its lengths is not read (the attributes are then listed by
// name, from go-mysql's map), never read past its end.
func TestHandshakeAttrsMalformed(t *testing.T) {
	good := handshakeResponse([]router.ConnectAttr{{Name: "k", Value: "v"}})
	head := good[:len(good)-5] // up to the attribute block (\x04 \x01k \x01v)
	frame := func(payload []byte) []byte {
		return append([]byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), 1}, payload...)
	}
	for _, tc := range []struct {
		name  string
		block []byte
	}{
		{"block length truncated", []byte{0xfc, 1}},
		{"block length huge", []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 'k'}},
		{"block longer than packet", []byte{9, 1, 'k'}},
		{"pair truncated", []byte{3, 1, 'k', 5}},
		{"value length truncated", []byte{4, 1, 'k', 0xfd, 1}},
		{"block is NULL", []byte{0xfb}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := frame(append(append([]byte{}, head[4:]...), tc.block...))
			if list, ok := handshakeAttrs(raw); ok {
				t.Errorf("read %v from a malformed block", list)
			}
		})
	}
}
