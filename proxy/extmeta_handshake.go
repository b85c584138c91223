package proxy

import (
	"bytes"
	"encoding/binary"
)

// MariaDB announces its extended capabilities (MARIADB_CLIENT_EXTENDED_METADATA
// among them) by clearing CLIENT_MYSQL (bit 0, CLIENT_LONG_PASSWORD to
// MySQL) in its greeting and putting them in the last 4 of the greeting's
// 10 reserved bytes; a client that wants some clears CLIENT_MYSQL in its
// handshake response too and lists them in bytes 28-31 (the last 4 of the 23
// reserved bytes).
//
// The proxy offers extended metadata (the only extended capability it
// offers) in a client's greeting while every shard's pool says its last
// new connection negotiated it (backend.Pool.ExtendedMetadata): shard
// definitions then carry the block the client must see (a JSON column's
// format), which the proxy cannot make up. The pools dial at start-up
// (backend.CheckShards runs before the listener opens); a shard that could
// not be reached, runs TLS or is not MariaDB withholds the offer until a
// connection to it negotiates. Whether a session has it is decided at its
// handshake and kept for its life: COM_CHANGE_USER and
// COM_RESET_CONNECTION keep the capabilities, as MariaDB does. Should a
// shard connection dialled later not negotiate, its definitions reach such
// a client with the empty block.

const (
	clientMySQL = 1 << 0
	// extMetadata is MARIADB_CLIENT_EXTENDED_METADATA (1<<35), bit 3 of the
	// extended capabilities.
	extMetadata = 1 << 3
)

// greetingExtCapsAt is the offset of the extended capabilities in a
// greeting payload (protocol 10), and of its lower capability bytes; ok is
// false when p is not such a greeting.
func greetingExtCapsAt(p []byte) (capsAt, extAt int, ok bool) {
	if len(p) < 1 || p[0] != 10 {
		return 0, 0, false
	}
	nul := bytes.IndexByte(p[1:], 0)
	if nul < 0 {
		return 0, 0, false
	}
	// version, NUL, connection id (4), scramble part 1 (8), filler (1)
	capsAt = 1 + nul + 1 + 4 + 8 + 1
	// capabilities (2), charset (1), status (2), capabilities (2),
	// scramble length (1), reserved (10: the last 4 are MariaDB's)
	extAt = capsAt + 2 + 1 + 2 + 2 + 1 + 6
	if len(p) < extAt+4 {
		return 0, 0, false
	}
	return capsAt, extAt, true
}

// announceExtCaps rewrites a greeting payload in place to offer ext as
// MariaDB's extended capabilities (ext 0: offer none, CLIENT_MYSQL set).
func announceExtCaps(p []byte, ext uint32) bool {
	capsAt, extAt, ok := greetingExtCapsAt(p)
	if !ok {
		return false
	}
	if ext == 0 {
		p[capsAt] |= clientMySQL
	} else {
		p[capsAt] &^= clientMySQL
	}
	binary.LittleEndian.PutUint32(p[extAt:], ext)
	return true
}

// clientExtCaps reads the extended capabilities a handshake response
// payload asks for: none when it sets CLIENT_MYSQL or is too short.
func clientExtCaps(p []byte) uint32 {
	if len(p) < 32 || binary.LittleEndian.Uint32(p)&clientMySQL != 0 {
		return 0
	}
	return binary.LittleEndian.Uint32(p[28:])
}

// extCapsOffered is what a new client's greeting offers: extended metadata
// when every shard's connections negotiated it, nothing otherwise.
func (s *Server) extCapsOffered() uint32 {
	if len(s.pools) == 0 {
		return 0
	}
	for _, p := range s.pools {
		if yes, _ := p.ExtendedMetadata(); !yes {
			return 0
		}
	}
	return extMetadata
}

// firstPayload is the payload of the first packet in raw (the bytes a
// client sent during its handshake): its handshake response, or under TLS
// its SSL request, which carries the same capabilities in the clear
// (MariaDB's clients build both from one buffer). nil when raw does not
// hold a whole packet.
func firstPayload(raw []byte) []byte {
	if len(raw) < 4 {
		return nil
	}
	n := int(raw[0]) | int(raw[1])<<8 | int(raw[2])<<16
	if len(raw) < 4+n {
		return nil
	}
	return raw[4 : 4+n]
}
