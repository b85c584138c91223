package wire

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair is a connected loopback socket pair.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		got <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-got
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestWriteReadNotASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if NewWriteRead(a) != nil {
		t.Fatal("a pipe has no raw socket: want nil")
	}
}

func TestWriteRead(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 64<<20) // more than any socket buffer
	cases := []struct {
		name string
		out  []byte
		// peer runs on the other end: what it does decides the outcome.
		peer     func(c net.Conn)
		after    bool // after asks to stop
		deadline bool // a read deadline already past
		want     Outcome
		wantN    int
		wantErr  error
		unsent   bool // rest is not empty
	}{
		{name: "answer", out: []byte("ping"), peer: func(c net.Conn) {
			buf := make([]byte, 4)
			_, _ = io.ReadFull(c, buf)
			_, _ = c.Write([]byte("pong!"))
		}, want: Read, wantN: 5},
		{name: "stopped after the write", out: []byte("bye"), after: true, peer: func(c net.Conn) {}, want: Stopped},
		{name: "peer closes", out: []byte("ping"), peer: func(c net.Conn) {
			buf := make([]byte, 4)
			_, _ = io.ReadFull(c, buf)
			c.Close()
		}, want: Read, wantErr: io.EOF},
		{name: "buffer full", out: big, peer: func(c net.Conn) {}, want: Unwritten, unsent: true},
		{name: "deadline passed", out: []byte("ping"), deadline: true, peer: func(c net.Conn) {}, want: Unwritten, unsent: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, s := tcpPair(t)
			go tc.peer(s)
			w := NewWriteRead(c)
			if w == nil {
				t.Fatal("a TCP connection must give a WriteRead")
			}
			if tc.deadline {
				_ = c.SetReadDeadline(time.Now().Add(-time.Second))
			}
			ran := false
			after := func() bool { ran = true; return tc.after }
			p := make([]byte, 16)
			o, rest, n, err := w.Do(tc.out, p, after)
			if o != tc.want || n != tc.wantN || !errors.Is(err, tc.wantErr) || (len(rest) > 0) != tc.unsent {
				t.Fatalf("Do = %v, %d left, %d, %v; want %v, unsent %v, %d, %v", o, len(rest), n, err, tc.want, tc.unsent, tc.wantN, tc.wantErr)
			}
			if ran != (o != Unwritten) {
				t.Fatalf("after ran: %v, outcome %v", ran, o)
			}
			if tc.name == "answer" && string(p[:n]) != "pong!" {
				t.Fatalf("read %q", p[:n])
			}
			if tc.name == "stopped after the write" {
				buf := make([]byte, 3)
				_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "bye" {
					t.Fatalf("peer read %q, %v", buf, err)
				}
			}
			if tc.deadline && len(rest) != len(tc.out) {
				t.Fatalf("%d of %d bytes left after a deadline, want all", len(rest), len(tc.out))
			}
		})
	}
}

// The wait after the write honours a read deadline set before it.
func TestWriteReadWaitDeadline(t *testing.T) {
	c, s := tcpPair(t)
	go func() { _, _ = io.Copy(io.Discard, s) }()
	w := NewWriteRead(c)
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	o, _, _, err := w.Do([]byte("ping"), make([]byte, 4), nil)
	if o != Read || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Do = %v, %v; want Read, deadline exceeded", o, err)
	}
}
