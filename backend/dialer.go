package backend

import (
	"context"
	"net"
	"time"
)

// Dialer opens the byte stream to a shard. The MySQL handshake, and the
// switch to TLS the Target asks for, run over whatever stream it returns,
// so a test can hand the pool in-memory connections to a fake shard
// (internal/fakeshard) and still exercise the real client protocol.
type Dialer interface {
	Dial(ctx context.Context, t Target) (net.Conn, error)
}

// DialFunc adapts a function to Dialer.
type DialFunc func(ctx context.Context, t Target) (net.Conn, error)

// Dial calls f.
func (f DialFunc) Dial(ctx context.Context, t Target) (net.Conn, error) { return f(ctx, t) }

// NetDialer dials the Target's address over its network ("tcp" when
// unset, or "unix"): the Dialer a pool uses unless told otherwise.
type NetDialer struct {
	Timeout time.Duration
}

// Dial opens a TCP or unix socket connection.
func (d NetDialer) Dial(ctx context.Context, t Target) (net.Conn, error) {
	network := t.Network
	if network == "" {
		network = "tcp"
	}
	nd := net.Dialer{Timeout: d.Timeout}
	return nd.DialContext(ctx, network, t.Addr)
}
