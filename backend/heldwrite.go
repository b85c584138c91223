package backend

import (
	"net"

	"github.com/xaproxy/xaproxy/internal/wire"
)

// maxHeld is the most of a command kept for the read of its answer; a
// larger one is written at once.
const maxHeld = 64 << 10

// heldConn is a shard socket that can keep a command until its answer is
// read, and then write it as the wait for that answer begins
// (wire.WriteRead): a round trip without the read that would find nothing.
// Only a caller that reads the answer next may hold a command: one that
// writes to several shards before it reads any would send each command
// only when it reads that shard's answer, one shard after another. Bytes
// that arrived unasked before a held read are not seen until something
// else arrives: MariaDB sends something unasked only as it closes the
// connection (shutdown, KILL), and the held write then gets a reset
// (TCP) or fails (a Unix socket), which ends the wait.
type heldConn struct {
	net.Conn
	wr   *wire.WriteRead
	hold bool   // writes are kept until the next read
	out  []byte // what is kept
}

// newHeldConn is nil where c is not a plain TCP or Unix socket: a
// Dialer's wrapper that reads or writes itself would be bypassed by the
// raw reads and writes.
func newHeldConn(c net.Conn) *heldConn {
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	wr := wire.NewWriteRead(c)
	if wr == nil {
		return nil
	}
	return &heldConn{Conn: c, wr: wr}
}

func (h *heldConn) Write(p []byte) (int, error) {
	if h.hold && len(h.out)+len(p) <= maxHeld {
		h.out = append(h.out, p...)
		return len(p), nil
	}
	h.hold = false
	if err := h.flush(); err != nil {
		return 0, err
	}
	return h.Conn.Write(p)
}

// flush writes what is kept, in order before anything written after it.
func (h *heldConn) flush() error {
	if len(h.out) == 0 {
		return nil
	}
	_, err := h.Conn.Write(h.out)
	h.out = h.out[:0]
	return err
}

func (h *heldConn) Read(p []byte) (int, error) {
	h.hold = false
	if len(h.out) == 0 {
		return h.Conn.Read(p)
	}
	o, rest, n, err := h.wr.Do(h.out, p, nil)
	h.out = h.out[:copy(h.out, rest)]
	if o == wire.Unwritten {
		if err != nil {
			h.out = h.out[:0]
			return 0, err
		}
		if err := h.flush(); err != nil {
			return 0, err
		}
		return h.Conn.Read(p)
	}
	return n, err
}

// HoldUntilRead keeps the commands written next until the first read of
// an answer, which writes them: for a caller that reads the answer right
// after it sends the command. A no-op on a TLS connection.
func (b *Conn) HoldUntilRead() {
	if b.held != nil {
		b.held.hold = true
	}
}

// WriteHeld writes what HoldUntilRead kept, for a caller that will not
// read an answer after all (its send failed).
func (b *Conn) WriteHeld() error {
	if b.held == nil {
		return nil
	}
	b.held.hold = false
	return b.held.flush()
}
