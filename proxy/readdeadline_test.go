package proxy

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// countingConn counts the read deadlines set on a connection.
type countingConn struct {
	net.Conn
	sets int
}

func (c *countingConn) SetReadDeadline(t time.Time) error {
	c.sets++
	return c.Conn.SetReadDeadline(t)
}

// TestReadDeadline checks that a read from the client gives up exactly
// at the deadline last asked for, whatever deadline is armed on the
// socket, and that a later deadline is not armed until an earlier one
// fires.
func TestReadDeadline(t *testing.T) {
	const unit = 40 * time.Millisecond
	tests := []struct {
		name string
		// first and then are the deadlines asked for in turn, as offsets
		// from the start (0: none); the read starts after then.
		first, then time.Duration
		// data is when the peer writes (0: never).
		data time.Duration
		// wantErrAt is when the read must fail (0: it must succeed).
		wantErrAt time.Duration
		// sets is how many deadlines reached the socket before the read.
		sets int
	}{
		{name: "a later deadline waits for the earlier to fire", first: 2 * unit, then: 6 * unit, data: 4 * unit, sets: 1},
		{name: "the read gives up at the later deadline", first: 2 * unit, then: 5 * unit, wantErrAt: 5 * unit, sets: 1},
		{name: "an earlier deadline is armed at once", first: 6 * unit, then: 2 * unit, wantErrAt: 2 * unit, sets: 2},
		{name: "no deadline after one: the read waits", first: 2 * unit, then: 0, data: 4 * unit, sets: 1},
		{name: "none at all arms nothing", first: 0, then: 0, data: 2 * unit, sets: 0},
		{name: "a first deadline is armed", first: 0, then: 3 * unit, wantErrAt: 3 * unit, sets: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			cc := &countingConn{Conn: server}
			b := newBufferedConn(cc, 0)
			b.buffered = true
			start := time.Now()
			at := func(d time.Duration) time.Time {
				if d == 0 {
					return time.Time{}
				}
				return start.Add(d)
			}
			b.setReadDeadline(at(tt.first))
			b.setReadDeadline(at(tt.then))
			if cc.sets != tt.sets {
				t.Errorf("%d deadlines set on the socket, want %d", cc.sets, tt.sets)
			}
			if tt.data > 0 {
				go func() {
					time.Sleep(time.Until(start.Add(tt.data)))
					_, _ = client.Write([]byte("x"))
				}()
			}
			// A read that would never give up ends with the pipe, closed
			// long after any expected answer.
			guard := time.AfterFunc(time.Until(start.Add(max(tt.data, tt.wantErrAt)+time.Second)), func() { _ = client.Close() })
			defer guard.Stop()
			n, err := b.Read(make([]byte, 1))
			took := time.Since(start)
			switch {
			case tt.wantErrAt == 0 && (err != nil || n != 1):
				t.Fatalf("read after %v: %d, %v; want the peer's byte", took, n, err)
			case tt.wantErrAt == 0 && took < tt.data:
				t.Fatalf("read returned after %v, before the peer wrote at %v", took, tt.data)
			case tt.wantErrAt > 0 && !errors.Is(err, os.ErrDeadlineExceeded):
				t.Fatalf("read after %v: %d, %v; want a deadline error", took, n, err)
			case tt.wantErrAt > 0 && (took < tt.wantErrAt || took > tt.wantErrAt+time.Second/2):
				t.Fatalf("read gave up after %v, want %v", took, tt.wantErrAt)
			}
		})
	}
}

// TestArmReadDeadline checks that a deadline armed for a read that
// bypasses Read replaces an earlier one on the socket.
func TestArmReadDeadline(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	b := newBufferedConn(server, 0)
	b.buffered = true
	start := time.Now()
	b.setReadDeadline(start.Add(20 * time.Millisecond))
	b.armReadDeadline(start.Add(100 * time.Millisecond))
	_, err := server.Read(make([]byte, 1)) // the socket itself, as refusePacket reads
	if took := time.Since(start); !errors.Is(err, os.ErrDeadlineExceeded) || took < 100*time.Millisecond {
		t.Fatalf("raw read: %v after %v, want a deadline error after 100ms", err, took)
	}
}
