package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"github.com/xaproxy/xaproxy/conf"
)

// selfSignedValidity is how long a generated certificate is valid. It
// lives as long as the process, so the bound only matters to clients
// that check dates without checking the issuer.
const selfSignedValidity = 10 * 365 * 24 * time.Hour

// selfSignedCert makes the certificate the frontend presents when none is
// configured (frontend.tls.self_signed): an ECDSA P-256 key, which every
// TLS library clients use accepts, and a certificate for the host names
// and addresses in names, self-signed. random is the source of the key
// and the serial number.
func selfSignedCert(names []string, now time.Time, random io.Reader) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, fmt.Errorf("generate the TLS key: %w", err)
	}
	serial, err := randSerial(random)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"xaproxy self-signed"}},
		// An hour back, for clients whose clocks are behind.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		// A CA certificate, so that a client can trust it with --ssl-ca.
		IsCA: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create the TLS certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse the generated TLS certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// randSerial is a random 128-bit serial number, as RFC 5280 suggests.
func randSerial(random io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(random, b); err != nil {
		return nil, fmt.Errorf("generate the TLS serial number: %w", err)
	}
	b[0] &= 0x7f // positive
	return new(big.Int).SetBytes(b), nil
}

// selfSignedNames are the names the generated certificate is for: the
// host name (its common name), then localhost and the loopback addresses.
func selfSignedNames(hostname string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if hostname != "" && hostname != "localhost" {
		names = append([]string{hostname}, names...)
	}
	return names
}

// certFingerprint is the SHA-256 fingerprint of a certificate as
// `openssl x509 -fingerprint -sha256` prints it (upper-case hex bytes
// joined by colons), for clients that pin it.
func certFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// generatedCert returns the process's self-signed certificate, making it
// (and logging its fingerprint) on first use: it stays the same across
// reloads, so that clients that pinned it keep connecting.
func (s *Server) generatedCert() (*tls.Certificate, error) {
	s.certMu.Lock()
	defer s.certMu.Unlock()
	if s.selfCert != nil {
		return s.selfCert, nil
	}
	hostname, _ := os.Hostname()
	names := selfSignedNames(hostname)
	cert, err := selfSignedCert(names, time.Now(), rand.Reader)
	if err != nil {
		return nil, err
	}
	s.selfCert = cert
	s.log.Info("frontend TLS: no cert_file/key_file configured; serving a self-signed certificate generated at start (frontend.tls.self_signed)",
		"sha256", certFingerprint(cert.Certificate[0]), "names", strings.Join(names, ","), "not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	return cert, nil
}

// frontendCert is the certificate clients switching to TLS get under cfg:
// the configured one, else the generated one when self_signed is on, else
// none (TLS off).
func (s *Server) frontendCert(cfg *conf.Config) (*tls.Certificate, error) {
	t := cfg.Frontend.TLS
	switch {
	case t.Enabled():
		return t.Certificate, nil
	case t.Generated():
		return s.generatedCert()
	}
	return nil, nil
}
