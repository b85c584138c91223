package backend

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"

	"github.com/go-mysql-org/go-mysql/client"
)

// ClientTLSConfig returns the TLS configuration a shard DSN's tls
// parameter asks for, as go-sql-driver reads it: "true" encrypts and
// verifies the shard's certificate for the host of addr, against roots
// (backend.tls_ca_file) or, when nil, the system roots; "skip-verify"
// encrypts without verifying; "" or "false" means no TLS (nil). addr is
// the DSN's address (host:port, or a socket path).
func ClientTLSConfig(mode, addr string, roots *x509.CertPool) (*tls.Config, error) {
	switch mode {
	case "", "false":
		return nil, nil
	case "skip-verify":
		return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, nil
	case "true":
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("tls=true needs a host name to verify the certificate against: %w", err)
		}
		return &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12}, nil
	}
	return nil, fmt.Errorf("tls=%s is not supported: use true, skip-verify or false", mode)
}

// withTLS is a client option that makes a connection switch to TLS during
// the handshake (nil: stay in the clear). The dialer passes it to
// client.ConnectWithDialer with the Target's TLS configuration.
func withTLS(cfg *tls.Config) client.Option {
	return func(c *client.Conn) error {
		if cfg != nil {
			c.SetTLSConfig(cfg.Clone())
		}
		return nil
	}
}
