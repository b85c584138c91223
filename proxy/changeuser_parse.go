package proxy

import (
	"bytes"
	"encoding/binary"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// changeUserReq is a parsed COM_CHANGE_USER payload (after the command
// byte), laid out as MariaDB's parse_com_change_user_packet reads it.
type changeUserReq struct {
	user string
	auth []byte
	db   string
	// collation is the client's new collation id; 0 when the packet has
	// none (pre-4.1 clients) or names none: the server's defaults apply.
	collation uint16
	plugin    string // "" when the client sent none: mysql_native_password
}

// parseChangeUser decodes COM_CHANGE_USER. caps are the capabilities the
// client negotiated at login, which decide the packet's layout. Connection
// attributes, when present, are only checked for framing: the proxy keeps
// none.
func parseChangeUser(p []byte, caps uint32) (changeUserReq, error) {
	var r changeUserReq
	user, p, ok := cutNUL(p)
	if !ok {
		return r, errMalformed("COM_CHANGE_USER without a NUL-terminated user name")
	}
	r.user = user
	if caps&mysql.CLIENT_SECURE_CONNECTION != 0 {
		if len(p) < 1 || len(p) < 1+int(p[0]) {
			return r, errMalformed("COM_CHANGE_USER with a truncated auth response")
		}
		r.auth, p = bytes.Clone(p[1:1+int(p[0])]), p[1+int(p[0]):]
	} else {
		var a string
		if a, p, ok = cutNUL(p); !ok {
			return r, errMalformed("COM_CHANGE_USER with an unterminated auth response")
		}
		r.auth = []byte(a)
	}
	if r.db, p, ok = cutNUL(p); !ok {
		return r, errMalformed("COM_CHANGE_USER without a NUL-terminated database name")
	}
	if len(p) < 2 {
		return r, nil
	}
	r.collation, p = binary.LittleEndian.Uint16(p), p[2:]
	if caps&mysql.CLIENT_PLUGIN_AUTH != 0 && len(p) > 0 {
		if r.plugin, p, ok = cutNUL(p); !ok {
			return r, errMalformed("COM_CHANGE_USER with an unterminated auth plugin name")
		}
	}
	if caps&mysql.CLIENT_CONNECT_ATTRS != 0 && len(p) > 0 {
		if _, ok := attrBlock(p); !ok {
			return r, errMalformed("COM_CHANGE_USER with truncated connection attributes")
		}
	}
	return r, nil
}

// cutNUL splits a NUL-terminated string off p.
func cutNUL(p []byte) (string, []byte, bool) {
	i := bytes.IndexByte(p, 0)
	if i < 0 {
		return "", p, false
	}
	return string(p[:i]), p[i+1:], true
}

// greetingSalt returns the 20-byte scramble of an initial handshake packet
// (with its 4-byte header) as go-mysql's server writes it: protocol 10,
// version, thread id, 8 bytes, filler, capabilities, collation, status,
// capabilities, scramble length, 10 reserved bytes, the remaining 12 bytes.
// COM_CHANGE_USER's auth response is computed with this scramble, which
// go-mysql keeps private.
func greetingSalt(pkt []byte) ([]byte, bool) {
	if len(pkt) < 5 || pkt[4] != 10 {
		return nil, false
	}
	_, p, ok := cutNUL(pkt[5:])
	if !ok || len(p) < 4+8+1+2+1+2+2+1+10+12 {
		return nil, false
	}
	salt := bytes.Clone(p[4:12])
	p = p[4+8+1+2+1+2+2+1+10:]
	return append(salt, p[:12]...), true
}

// handshakeSalt is the scramble a client holds after login: the greeting's,
// or that of the last auth switch among the handshake's later writes
// (go-mysql draws a new scramble for one). Under TLS those writes are
// encrypted below the point where the proxy sees them, so the scramble is
// uncertain.
func handshakeSalt(greeting []byte, later [][]byte, tls bool) (salt []byte, uncertain bool) {
	salt, _ = greetingSalt(greeting)
	if tls {
		return salt, true
	}
	for _, p := range later {
		if s, ok := switchSalt(p); ok {
			salt = s
		}
	}
	return salt, false
}

// switchSalt returns the scramble of an auth switch request packet (with
// its header): 0xFE, plugin name, NUL, 20 bytes, NUL.
func switchSalt(pkt []byte) ([]byte, bool) {
	if len(pkt) < 5 || pkt[4] != mysql.EOF_HEADER {
		return nil, false
	}
	_, p, ok := cutNUL(pkt[5:])
	if !ok || len(p) != 21 || p[20] != 0 {
		return nil, false
	}
	return bytes.Clone(p[:20]), true
}
