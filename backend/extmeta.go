package backend

import (
	"bytes"
	"encoding/binary"
	"net"

	lenenc "github.com/xaproxy/xaproxy/internal/wire"
)

// MariaDB's extended metadata (MARIADB_CLIENT_EXTENDED_METADATA, 1<<35): a
// connection that negotiated it gets, in every column definition, a
// length-encoded block after org_name naming the column's data type
// ("uuid", "inet6", "point") or format ("json"), so that the proxy can pass
// it on to clients that asked for it. MariaDB offers its extended
// capabilities by clearing CLIENT_MYSQL (bit 0) in its greeting and listing
// them in the last 4 of the greeting's 10 reserved bytes; a client asks by
// clearing CLIENT_MYSQL in its handshake response and listing them in bytes
// 28-31 (the last 4 of its 23 reserved bytes). go-mysql's client writes
// neither, so extMetaConn rewrites its handshake response on the way out.
// Over TLS the response is encrypted by then: TLS shards are not asked.

const (
	clientMySQL = 1 << 0
	// extMetadata is MARIADB_CLIENT_EXTENDED_METADATA, bit 3 of the
	// extended capabilities.
	extMetadata = 1 << 3
)

// extMetaConn is the stream of a connection being dialled: it reads the
// shard's greeting as it passes and, when the greeting offers extended
// metadata, asks for it in the handshake response, the first packet
// written. After the handshake it only passes bytes through.
type extMetaConn struct {
	net.Conn
	greeting []byte // bytes of the greeting read so far
	read     bool   // the greeting was read whole
	offered  bool   // and offers extended metadata
	wrote    bool   // the handshake response went out
	asked    bool   // and asks for extended metadata
}

func (c *extMetaConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.read {
		c.greeting = append(c.greeting, p[:n]...)
		if len(c.greeting) >= 4 {
			size := int(c.greeting[0]) | int(c.greeting[1])<<8 | int(c.greeting[2])<<16
			if len(c.greeting) >= 4+size {
				c.read, c.offered = true, offersExtMetadata(c.greeting[4:4+size])
				c.greeting = nil
			}
		}
	}
	return n, err
}

func (c *extMetaConn) Write(p []byte) (int, error) {
	if !c.wrote {
		c.wrote = true
		if c.read && c.offered {
			c.asked = askExtMetadata(p)
		}
	}
	return c.Conn.Write(p)
}

// offersExtMetadata tells whether a greeting payload (protocol 10) offers
// MariaDB's extended metadata.
func offersExtMetadata(p []byte) bool {
	if len(p) < 1 || p[0] != 10 {
		return false
	}
	nul := bytes.IndexByte(p[1:], 0)
	if nul < 0 {
		return false
	}
	// version, NUL, connection id (4), scramble part 1 (8), filler (1)
	capsAt := 1 + nul + 1 + 4 + 8 + 1
	// capabilities (2), charset (1), status (2), capabilities (2),
	// scramble length (1), reserved (10: the last 4 are MariaDB's)
	extAt := capsAt + 2 + 1 + 2 + 2 + 1 + 6
	if len(p) < extAt+4 || p[capsAt]&clientMySQL != 0 {
		return false
	}
	return binary.LittleEndian.Uint32(p[extAt:])&extMetadata != 0
}

// askExtMetadata rewrites a handshake response packet (header included)
// in place to ask for extended metadata. It leaves alone, and says false
// for, anything else: an SSL request (whatever follows it is encrypted) or
// a packet too short to be a protocol 4.1 response.
func askExtMetadata(pkt []byte) bool {
	const (
		clientProtocol41 = 1 << 9
		clientSSL        = 1 << 11
	)
	if len(pkt) < 4 {
		return false
	}
	size := int(pkt[0]) | int(pkt[1])<<8 | int(pkt[2])<<16
	p := pkt[4:]
	// capabilities (4), max packet (4), charset (1), reserved (23), a user
	// name: an SSL request is 32 bytes, a response at least 33.
	if pkt[3] != 1 || size != len(p) || size <= 32 {
		return false
	}
	caps := binary.LittleEndian.Uint32(p)
	if caps&clientProtocol41 == 0 || caps&clientSSL != 0 {
		return false
	}
	binary.LittleEndian.PutUint32(p, caps&^clientMySQL)
	binary.LittleEndian.PutUint32(p[28:], binary.LittleEndian.Uint32(p[28:])|extMetadata)
	return true
}

// stripExtMeta returns def, a column definition payload carrying the
// extended metadata block after org_name, without the block (a new
// slice); ok is false when def is not such a definition.
func stripExtMeta(def []byte) (plain []byte, ok bool) {
	at, end, ok := ExtMetaSpan(def)
	if !ok {
		return nil, false
	}
	return append(append(make([]byte, 0, len(def)-(end-at)), def[:at]...), def[end:]...), true
}

// ExtMetaSpan locates the extended metadata block of def, a column
// definition payload that carries one: def[at:end] is the block with its
// length. ok is false when def is not such a definition.
func ExtMetaSpan(def []byte) (at, end int, ok bool) {
	for range 6 {
		if at, ok = SkipLenenc(def, at); !ok {
			return 0, 0, false
		}
	}
	end, ok = SkipLenenc(def, at)
	if !ok || len(def) < end+13 || def[end] != 0x0c {
		return 0, 0, false
	}
	return at, end, true
}

// SkipLenenc returns the offset after the length-encoded string at b[at:].
func SkipLenenc(b []byte, at int) (int, bool) {
	if at >= len(b) {
		return 0, false
	}
	n, size, ok := LenencInt(b[at:])
	if !ok || uint64(len(b)-at-size) < n {
		return 0, false
	}
	return at + size + int(n), true
}

// LenencInt reads a length-encoded integer that is a length: as
// internal/wire.LenEncInt (bounds-checked, unlike go-mysql's LengthEncodedInt),
// except that NULL (0xfb) is no length either.
func LenencInt(b []byte) (n uint64, size int, ok bool) {
	n, size, null, ok := lenenc.LenEncInt(b)
	if !ok || null {
		return 0, 0, false
	}
	return n, size, true
}

// ExtendedMetadata tells whether the connection dialled last to this
// pool's shard negotiated extended metadata; known is false before the
// first connection. The proxy offers extended metadata to its clients only
// while every pool says yes (a TLS shard never does).
func (p *Pool) ExtendedMetadata() (yes, known bool) {
	switch p.extMeta.Load() {
	case 1:
		return true, true
	case 2:
		return false, true
	}
	return false, false
}

// noteExtMeta records what a new connection negotiated.
func (p *Pool) noteExtMeta(c *Conn) {
	if c.extMeta {
		p.extMeta.Store(1)
	} else {
		p.extMeta.Store(2)
	}
}
