package proxy

import (
	"errors"

	"github.com/xaproxy/xaproxy/internal/wire"
)

// A session answers a command and then waits for the next one. The end of
// the answer is written as that wait begins, by wire.WriteRead: the wait
// then starts without a read that would find nothing (the client has had
// no time to send its next command), one system call less per command.

// flushRead is a session socket's pending answer, written when the next
// read begins.
type flushRead struct {
	// wr is nil where the connection is not a socket (a pipe in tests):
	// answers are then written at once.
	wr *wire.WriteRead
	// pending: out holds an answer to write before the next read. ended
	// runs once it is written (the session's command is over); true
	// stops the session, whose next command is then not read.
	pending bool
	ended   func() (stop bool)
}

// errStopped ends a session whose answer was written while it was being
// closed (shutdown).
var errStopped = errors.New("session closed after its answer")

// onAnswered makes ended what runs once a pending answer is written (a
// method value allocates: made once per session).
func (b *bufferedConn) onAnswered(ended func() bool) { b.fr.ended = ended }

// flushOnRead leaves out to be written when the next read begins. False
// where it cannot be (not a socket, or no onAnswered): the caller flushes
// itself.
func (b *bufferedConn) flushOnRead() bool {
	if b.fr.wr == nil || b.fr.ended == nil {
		return false
	}
	b.fr.pending = true
	return true
}

// settlePending writes a pending answer now, for a command that was read
// without a read from the socket (the client sent it with the one before).
// It tells whether ended asked to stop.
func (b *bufferedConn) settlePending() (stop bool, err error) {
	if !b.fr.pending {
		return false, nil
	}
	b.fr.pending = false
	err = b.Flush()
	return b.fr.ended(), err
}

// flushThenRead writes the pending answer and reads the client's next
// bytes.
func (b *bufferedConn) flushThenRead(p []byte) (int, error) {
	b.fr.pending = false
	o, rest, n, err := b.fr.wr.Do(b.out, p, b.fr.ended)
	b.out = b.out[:copy(b.out, rest)]
	switch o {
	case wire.Stopped:
		return 0, errStopped
	case wire.Unwritten:
		if err != nil {
			b.out = b.out[:0]
			return 0, err
		}
		if err := b.Flush(); err != nil {
			return 0, err
		}
		if b.fr.ended() {
			return 0, errStopped
		}
		return b.Conn.Read(p)
	}
	return n, err
}
