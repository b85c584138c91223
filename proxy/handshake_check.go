package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/wire"
)

// The client's handshake response is parsed by go-mysql's server, which
// indexes past the end of some malformed ones (a truncated length-encoded
// attribute block, a huge attribute length). The proxy reads the response
// first (bufferedConn.checkFirstPacket) and answers one that does not hold
// together as MariaDB does, with 1043 Bad handshake, before go-mysql sees
// it. Under TLS the response travels encrypted inside go-mysql's TLS
// connection, out of the proxy's reach: there the recover in
// Session.handshake is what stands between go-mysql and the process.

// maxHandshakePacket bounds the handshake response the proxy reads before
// the client is authenticated: a response is user, scramble, database,
// plugin and connection attributes, a few KiB at most.
const maxHandshakePacket = 1 << 20

// errHandshakeRefused is what go-mysql's read of a refused handshake
// response returns; the client has its 1043 already.
var errHandshakeRefused = errors.New("malformed handshake response refused with 1043")

// checkHandshakeResponse checks the layout of a protocol 4.1 handshake
// response payload as go-mysql reads it: capabilities, max packet,
// collation, 23 reserved bytes, user, auth data, database, plugin name,
// connection attributes. A 32-byte SSL request is fine (TLS follows).
// Fields go-mysql refuses by itself with an error are left to it.
func checkHandshakeResponse(p []byte) error {
	if len(p) < 32 {
		return fmt.Errorf("%d bytes, shorter than the 32 of its fixed part", len(p))
	}
	caps := binary.LittleEndian.Uint32(p)
	if len(p) == 32 {
		return nil // an SSL request, or a response without a user name that go-mysql refuses
	}
	p = p[32:]
	_, p, ok := cutNUL(p)
	if !ok {
		return errors.New("user name without its NUL")
	}
	switch {
	case caps&mysql.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0:
		if _, p, _, ok = wire.LenEncString(p); !ok {
			return errors.New("auth data longer than the packet")
		}
	case caps&mysql.CLIENT_SECURE_CONNECTION != 0:
		if len(p) < 1 || len(p) < 1+int(p[0]) {
			return errors.New("auth data longer than the packet")
		}
		p = p[1+int(p[0]):]
	default:
		if _, p, ok = cutNUL(p); !ok {
			return errors.New("auth data without its NUL")
		}
	}
	if caps&mysql.CLIENT_CONNECT_WITH_DB != 0 && len(p) > 0 {
		if _, p, ok = cutNUL(p); !ok {
			return errors.New("database name without its NUL")
		}
	}
	if caps&mysql.CLIENT_PLUGIN_AUTH != 0 && len(p) > 0 {
		if _, p, ok = cutNUL(p); !ok {
			return errors.New("auth plugin name without its NUL")
		}
	}
	if caps&mysql.CLIENT_CONNECT_ATTRS == 0 || len(p) == 0 {
		return nil
	}
	return checkAttrs(p)
}

// checkAttrs checks the connection attribute block and what follows it:
// go-mysql reads length-encoded strings up to the end of the packet (or a
// 0xFB), not of the block, so everything there must be well formed.
func checkAttrs(p []byte) error {
	if p[0] == 0xfb {
		return nil
	}
	if _, ok := attrBlock(p); !ok {
		return errors.New("malformed connection attributes")
	}
	_, p, _, _ = wire.LenEncString(p)
	for len(p) > 0 {
		var null, ok bool
		if _, p, null, ok = wire.LenEncString(p); !ok {
			return errors.New("malformed bytes after the connection attributes")
		}
		if null {
			return nil
		}
	}
	return nil
}

// readClientPacket reads one whole packet (header included) of at most
// limit payload bytes from r.
func readClientPacket(r io.Reader, limit int) ([]byte, error) {
	h := make([]byte, 4, 4+512)
	if _, err := io.ReadFull(r, h); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	if n > limit {
		return h, fmt.Errorf("a handshake response of %d bytes, more than the %d accepted", n, limit)
	}
	p := append(h, make([]byte, n)...)
	if _, err := io.ReadFull(r, p[4:]); err != nil {
		return nil, err
	}
	return p, nil
}

// badHandshakePacket is MariaDB's answer to an unreadable handshake
// response: 1043 (08S01) with the sequence number after the client's.
func badHandshakePacket(seq byte, why string) []byte {
	me := toMyError(errBadHandshake(why))
	p := []byte{0, 0, 0, seq + 1, mysql.ERR_HEADER, byte(me.Code), byte(me.Code >> 8), '#'}
	p = append(p, me.State...)
	p = append(p, me.Message...)
	n := len(p) - 4
	p[0], p[1], p[2] = byte(n), byte(n>>8), byte(n>>16)
	return p
}
