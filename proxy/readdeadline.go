package proxy

import (
	"errors"
	"os"
	"time"
)

// A session waits for each command at most frontend.idle_timeout, which is
// a read deadline on the client's socket, moved after every statement.
// Moving a socket's deadline updates a runtime timer (a lock and a heap
// operation) on the hottest path of all, so the deadline on the socket is
// moved lazily: setReadDeadline records when the wait must end (want) and
// leaves a deadline already armed that fires no later; when that one fires
// before want, Read arms want and reads on. A read gives up exactly when
// want passes, as if want had been armed from the start.

// readDeadline is the read deadline a session asked for and the one armed
// on its socket; zero times mean none.
type readDeadline struct {
	want  time.Time
	armed time.Time
}

// setReadDeadline makes reads from the client give up at t (zero: never).
// Every read deadline of a served session is set here, so that armed
// always is the socket's.
func (b *bufferedConn) setReadDeadline(t time.Time) {
	b.dl.want = t
	switch {
	case b.dl.armed.IsZero() && t.IsZero():
		return
	case !b.dl.armed.IsZero() && (t.IsZero() || !t.Before(b.dl.armed)):
		return // the armed deadline fires first; Read moves it to want
	}
	b.dl.armed = t
	_ = b.Conn.SetReadDeadline(t)
}

// armReadDeadline arms t on the socket now, for reads that bypass Read
// (refusePacket drains the socket itself).
func (b *bufferedConn) armReadDeadline(t time.Time) {
	b.dl.want, b.dl.armed = t, t
	_ = b.Conn.SetReadDeadline(t)
}

// readConn reads from the socket under the deadline asked for: a deadline
// that fired before want is moved to want, and the read goes on.
func (b *bufferedConn) readConn(p []byte) (int, error) {
	for {
		n, err := b.Conn.Read(p)
		if n > 0 || err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || !b.rearm() {
			return n, err
		}
	}
}

// rearm arms want after the armed deadline fired; false when want itself
// has passed (or the deadline that fired was not set through
// setReadDeadline: the handshake's).
func (b *bufferedConn) rearm() bool {
	if b.dl.armed.IsZero() || (!b.dl.want.IsZero() && !time.Now().Before(b.dl.want)) {
		return false
	}
	b.dl.armed = b.dl.want
	_ = b.Conn.SetReadDeadline(b.dl.want)
	return true
}
