package wire

import (
	"io"
	"net"
	"os"
	"syscall"
)

// WriteRead writes a request on a socket and waits for the answer without
// first trying a read that would find nothing. Go's network reads always
// try the socket before they wait for it, and right after a request the
// peer has had no time to answer: that read returns EAGAIN, a system call
// per round trip that an event-driven proxy (HAProxy) does not make
// (docs/performance.md, "After the twenty-fifth round"). The request is
// written from inside the socket's raw read instead: the runtime clears
// the socket's readiness before the callback runs, and the answer can only
// arrive after the request left, so its readiness is never missed.
//
// Only for a peer that sends nothing unasked: a MariaDB server to its
// client. Bytes that arrived since the last read and before the raw read
// began lose their readiness there, and the wait would not end. A client
// of the proxy may send its next command before it has the answer to the
// last (pipelining, or a command without an answer such as
// COM_STMT_SEND_LONG_DATA or COM_STMT_CLOSE), so the proxy's client side
// must keep Go's ordinary read.
type WriteRead struct {
	conn net.Conn
	raw  syscall.RawConn
	// step is the raw read's callback, made once (a method value
	// allocates); one call's state follows.
	step  func(fd uintptr) bool
	out   []byte
	p     []byte
	after func() bool
	wrote bool
	stop  bool
	n     int
	werr  error
	rerr  error
}

// NewWriteRead is nil where c is not a socket (a pipe in tests): the
// caller writes and reads the ordinary way.
func NewWriteRead(c net.Conn) *WriteRead {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &WriteRead{conn: c, raw: raw}
	w.step = w.rawStep
	return w
}

// Outcome says how far Do got.
type Outcome int

const (
	// Read: out was written; n and err are the read's.
	Read Outcome = iota
	// Stopped: out was written and after asked not to read.
	Stopped
	// Unwritten: rest of out was not written, and nothing was read. err
	// is the write's error; nil when the caller is to write rest the
	// ordinary way and then read (the socket's buffer was full, or the
	// read deadline had passed before anything was written).
	Unwritten
)

// Do writes out, runs after (when not nil; true stops before the read),
// then reads into p once the socket is readable.
func (w *WriteRead) Do(out, p []byte, after func() bool) (o Outcome, rest []byte, n int, err error) {
	w.out, w.p, w.after = out, p, after
	w.wrote, w.stop, w.n, w.werr, w.rerr = false, false, 0, nil, nil
	werr := w.raw.Read(w.step)
	rest = w.out
	w.out, w.p, w.after = nil, nil, nil
	switch {
	case !w.wrote:
		if w.werr != nil && w.werr != syscall.EAGAIN {
			return Unwritten, rest, 0, w.opError("write", w.werr)
		}
		return Unwritten, rest, 0, nil
	case w.stop:
		return Stopped, nil, 0, nil
	case werr != nil:
		return Read, nil, 0, werr // the wait failed: deadline, closed
	case w.rerr != nil:
		return Read, nil, 0, w.opError("read", w.rerr)
	case w.n == 0:
		return Read, nil, 0, io.EOF
	}
	return Read, nil, w.n, nil
}

func (w *WriteRead) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: w.conn.LocalAddr().Network(), Source: w.conn.LocalAddr(), Addr: w.conn.RemoteAddr(), Err: os.NewSyscallError(op, err)}
}

// rawStep is the raw read's callback: first the request, then the read
// once the socket is readable. True ends the raw read.
func (w *WriteRead) rawStep(fd uintptr) bool {
	if !w.wrote {
		for len(w.out) > 0 {
			n, err := syscall.Write(int(fd), w.out)
			if err == syscall.EINTR {
				continue
			}
			if n > 0 {
				w.out = w.out[n:]
			} else if err == nil {
				err = syscall.EAGAIN // no progress: the ordinary write waits
			}
			if err != nil {
				w.werr = err
				return true
			}
		}
		w.wrote = true
		if w.after != nil && w.after() {
			w.stop = true
			return true
		}
		return false // wait for the answer
	}
	for {
		n, err := syscall.Read(int(fd), w.p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // readiness left over from before: wait again
		}
		w.n, w.rerr = max(n, 0), err
		return true
	}
}
