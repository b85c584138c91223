package proxy

import (
	"io"
	"net"
	"testing"
)

// readCountingConn counts the reads that reach the socket.
type readCountingConn struct {
	net.Conn
	reads int
}

func (c *readCountingConn) Read(p []byte) (int, error) {
	c.reads++
	return c.Conn.Read(p)
}

// TestServedReads checks that a served session reads a command the way
// go-mysql asks for it (its 4-byte header, then its payload) with one read
// from the socket when go-mysql's own reader is unbuffered (TLS offered),
// and passes reads straight through when go-mysql buffers them itself.
func TestServedReads(t *testing.T) {
	tests := []struct {
		name        string
		bufferReads bool
		wantReads   int
	}{
		{name: "go-mysql unbuffered: one read per command", bufferReads: true, wantReads: 1},
		{name: "go-mysql buffered: reads pass through", bufferReads: false, wantReads: 2},
	}
	// COM_STMT_EXECUTE of statement 1 with one integer parameter.
	cmd := []byte{20, 0, 0, 0, 0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 8, 0, 0x96, 0x13, 0, 0, 0, 0}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			rc := &readCountingConn{Conn: server}
			b := newBufferedConn(rc, 0)
			b.serve(tt.bufferReads)
			go func() { _, _ = client.Write(cmd) }()
			hdr := make([]byte, 4)
			if _, err := io.ReadFull(b, hdr); err != nil {
				t.Fatal(err)
			}
			n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
			payload := make([]byte, n)
			if _, err := io.ReadFull(b, payload); err != nil {
				t.Fatal(err)
			}
			if string(payload) != string(cmd[4:]) {
				t.Fatalf("payload %x, want %x", payload, cmd[4:])
			}
			if rc.reads != tt.wantReads {
				t.Fatalf("%d reads from the socket, want %d", rc.reads, tt.wantReads)
			}
		})
	}
}
