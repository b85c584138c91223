package backend

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// A held command goes out, in order after what was held before it, when
// its answer is read; a command too large to hold goes out at once, after
// what was held.
func TestHeldConn(t *testing.T) {
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
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	peer := <-got
	defer peer.Close()
	h := newHeldConn(nc)
	if h == nil {
		t.Fatal("a TCP connection must be holdable")
	}
	// A Dialer's wrapper may read or write itself: raw I/O would bypass it.
	if newHeldConn(struct{ *net.TCPConn }{nc.(*net.TCPConn)}) != nil {
		t.Fatal("a wrapped connection must not be held")
	}
	received := func(n int) []byte {
		t.Helper()
		buf := make([]byte, n)
		_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(peer, buf); err != nil {
			t.Fatalf("peer read: %v", err)
		}
		return buf
	}
	nothingYet := func() {
		t.Helper()
		_ = peer.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if n, _ := peer.Read(make([]byte, 1)); n != 0 {
			t.Fatal("a held command was sent before its answer was read")
		}
	}

	h.hold = true
	_, _ = h.Write([]byte("one"))
	_, _ = h.Write([]byte("two"))
	nothingYet()
	go func() { _, _ = peer.Write([]byte("ok")) }()
	p := make([]byte, 2)
	if n, err := h.Read(p); err != nil || string(p[:n]) != "ok" {
		t.Fatalf("read %q, %v", p[:n], err)
	}
	if b := received(6); string(b) != "onetwo" {
		t.Fatalf("peer got %q", b)
	}

	// Held, then one too large to hold: both go out at once, in order.
	h.hold = true
	_, _ = h.Write([]byte("small"))
	big := bytes.Repeat([]byte("b"), maxHeld+1)
	done := make(chan []byte)
	go func() { done <- received(5 + len(big)) }()
	if _, err := h.Write(big); err != nil {
		t.Fatal(err)
	}
	if b := <-done; string(b[:5]) != "small" || !bytes.Equal(b[5:], big) {
		t.Fatal("the held command did not go out first")
	}

	// Not held: written at once.
	_, _ = h.Write([]byte("now"))
	if b := received(3); string(b) != "now" {
		t.Fatalf("peer got %q", b)
	}

	// WriteHeld sends what a failed send left held.
	b := &Conn{held: h}
	b.HoldUntilRead()
	_, _ = h.Write([]byte("left"))
	nothingYet()
	if err := b.WriteHeld(); err != nil {
		t.Fatal(err)
	}
	if got := received(4); string(got) != "left" {
		t.Fatalf("peer got %q", got)
	}
}
