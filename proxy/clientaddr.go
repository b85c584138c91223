package proxy

import "net"

// MariaDB names a client in its messages by its host alone: 1045 says
// "Access denied for user 'app'@'127.0.0.1'", never the client's port.
// go-mysql's handshake writes the address its connection gives, so the
// session's connection gives the host (clientAddr); the port stays in the
// logs and the process list.

// clientAddr is a TCP client address whose text is its host.
type clientAddr struct{ *net.TCPAddr }

func (a clientAddr) String() string { return a.IP.String() }

// RemoteAddr is the client's address, written as its host (clientAddr).
func (b *bufferedConn) RemoteAddr() net.Addr {
	a := b.Conn.RemoteAddr()
	if ta, ok := a.(*net.TCPAddr); ok {
		return clientAddr{ta}
	}
	return a
}

// fullAddr is an address with its port, for the logs.
func fullAddr(a net.Addr) string {
	if ca, ok := a.(clientAddr); ok {
		return ca.TCPAddr.String()
	}
	return a.String()
}

// clientHost is the host of an address "host:port" (the session's
// remote), as MariaDB's messages name the client.
func clientHost(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
