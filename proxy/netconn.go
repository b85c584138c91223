package proxy

import (
	"bufio"
	"fmt"
	"net"
)

// bufferedConn batches a response's packets into few writes: go-mysql's
// packet writer issues one write per packet. Writes go straight through
// until buffering is switched on after the handshake.
type bufferedConn struct {
	net.Conn
	bw       *bufio.Writer
	buffered bool
	// greeting is the first packet written, the server's initial
	// handshake, and later the handshake's other writes (an auth switch,
	// when go-mysql sent one, carries a new scramble): the scramble
	// COM_CHANGE_USER needs again (changeuser.go).
	greeting []byte
	later    [][]byte
	// received is what the client sent during the handshake (its first
	// bytes, up to maxReceived): its handshake response lists its
	// connection attributes in order, which go-mysql keeps only as a map.
	received []byte
	// extCaps are the MariaDB extended capabilities the greeting offers
	// (extmeta_handshake.go).
	extCaps uint32
	// checked: the client's first packet was read and checked
	// (handshake_check.go); pending is what of it go-mysql has not read.
	checked bool
	pending []byte
	// dl is the read deadline of a served session (readdeadline.go).
	dl readDeadline
	// rd buffers a served session's reads where go-mysql does not: when
	// the greeting offers TLS, go-mysql reads every packet unbuffered, so
	// each command cost two reads (its header, then its payload).
	rd *bufio.Reader
}

// socketReader reads from the socket under the session's read deadline,
// beneath rd.
type socketReader struct{ b *bufferedConn }

func (r socketReader) Read(p []byte) (int, error) { return r.b.readConn(p) }

// serve switches to the served session's I/O once the handshake is done:
// responses are buffered until Flush, and reads too when go-mysql's own
// reader is unbuffered.
func (b *bufferedConn) serve(bufferReads bool) {
	b.buffered = true
	if bufferReads {
		b.rd = bufio.NewReaderSize(socketReader{b}, 16<<10)
	}
}

const maxReceived = 64 << 10

func (b *bufferedConn) Read(p []byte) (int, error) {
	if b.rd != nil {
		return b.rd.Read(p)
	}
	if !b.buffered && !b.checked && b.greeting != nil {
		if err := b.checkFirstPacket(); err != nil {
			return 0, err
		}
	}
	if len(b.pending) > 0 {
		n := copy(p, b.pending)
		b.pending = b.pending[n:]
		return n, nil
	}
	n, err := b.readConn(p)
	if !b.buffered && len(b.received) < maxReceived {
		b.received = append(b.received, p[:n]...)
	}
	return n, err
}

// checkFirstPacket reads the client's answer to the greeting, its
// handshake response (or SSL request), whole, and refuses one that go-mysql
// could not parse safely: the client gets 1043 and the connection is
// closed. A sound one is handed to go-mysql unchanged.
func (b *bufferedConn) checkFirstPacket() error {
	b.checked = true
	pkt, err := readClientPacket(b.Conn, maxHandshakePacket)
	if err == nil {
		err = checkHandshakeResponse(pkt[4:])
		if err == nil {
			b.pending = pkt
			if len(b.received) < maxReceived {
				b.received = append(b.received, pkt...)
			}
			return nil
		}
	}
	if len(pkt) >= 4 {
		_, _ = b.Conn.Write(badHandshakePacket(pkt[3], err.Error()))
		_ = b.Conn.Close()
		return fmt.Errorf("%w: %v", errHandshakeRefused, err)
	}
	return err
}

func newBufferedConn(c net.Conn, extCaps uint32) *bufferedConn {
	return &bufferedConn{Conn: c, bw: bufio.NewWriterSize(c, 32*1024), extCaps: extCaps}
}

func (b *bufferedConn) Write(p []byte) (int, error) {
	if !b.buffered {
		if b.greeting == nil {
			b.greeting = append([]byte{}, p...)
			if b.extCaps != 0 && len(p) > 4 && announceExtCaps(b.greeting[4:], b.extCaps) {
				n, err := b.Conn.Write(b.greeting)
				return min(n, len(p)), err
			}
		} else {
			b.later = append(b.later, append([]byte{}, p...))
		}
		return b.Conn.Write(p)
	}
	return b.bw.Write(p)
}

// Flush sends what the current response buffered.
func (b *bufferedConn) Flush() error { return b.bw.Flush() }
