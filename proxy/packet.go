package proxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// errIdle: the client sent no command within frontend.idle_timeout.
var errIdle = errors.New("idle timeout")

// maxKeptPacket bounds the command buffer a session keeps between
// commands; a larger packet's buffer is dropped after use.
const maxKeptPacket = 1 << 20

// limitedPacket collects one client packet (all its 16 MB chunks) and
// refuses to grow past max. go-mysql reads a packet into an io.Writer in
// 16 KiB pieces without allocating its announced length up front when the
// writer is not a bytes.Buffer (it does not expose the header, so the
// length cannot be checked before the payload is read), so a client
// announcing a huge packet costs at most max bytes of buffer (1.5 max while
// the buffer grows) before it is refused. readPacket, which sees the
// header, refuses such a packet before reading any of it.
type limitedPacket struct {
	b    []byte
	max  int64
	over bool
}

var errPacketTooLarge = errors.New("packet too large")

func (p *limitedPacket) Write(d []byte) (int, error) {
	n := int64(len(p.b)) + int64(len(d))
	if n > p.max {
		p.over = true
		return 0, errPacketTooLarge
	}
	if n > int64(cap(p.b)) {
		// The buffer holds at most max bytes (and, while growing, the
		// previous half-size one).
		p.grow(n, p.max)
	}
	p.b = append(p.b, d...)
	return len(d), nil
}

// grow makes room for at least need bytes, doubling the buffer (4 KiB at
// least) but never past limit.
func (p *limitedPacket) grow(need, limit int64) {
	grown := make([]byte, len(p.b), min(limit, max(need, 2*int64(cap(p.b)), 4096)))
	copy(grown, p.b)
	p.b = grown
}

// readPacket reads one packet (all its 16 MB chunks) from rd into p,
// checking and advancing the sequence number seq as go-mysql does: its
// ReadPacketTo for a session whose packets reach go-mysql through s.nc.rd
// unchanged (no TLS layer, no compression: directReads). go-mysql's
// reader took a pooled buffer and ran two copy loops through three
// interfaces per command, 6.6 % of the proxy's CPU outside system calls
// in read_write's profile.
func readPacket(rd *bufio.Reader, seq *uint8, p *limitedPacket) error {
	for {
		h, err := rd.Peek(4)
		if err != nil {
			return err
		}
		length := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
		if h[3] != *seq {
			return fmt.Errorf("invalid sequence %d != %d", h[3], *seq)
		}
		*seq++
		_, _ = rd.Discard(4)
		if err := p.readFrom(rd, length); err != nil {
			return err
		}
		if length < mysql.MaxPayloadLen {
			return nil
		}
	}
}

// readFrom appends n bytes read from r, refusing at once when they would
// pass max. The buffer grows with the bytes that arrive (doubling, never
// to the announced length at once): a client that announces a large
// packet and sends little of it holds memory for what it sent.
func (p *limitedPacket) readFrom(r io.Reader, n int) error {
	if int64(len(p.b))+int64(n) > p.max {
		p.over = true
		return errPacketTooLarge
	}
	for n > 0 {
		if len(p.b) == cap(p.b) {
			p.grow(int64(len(p.b))+1, max(int64(len(p.b)+n), 4096))
		}
		k := min(n, cap(p.b)-len(p.b))
		got, err := io.ReadFull(r, p.b[len(p.b):len(p.b)+k])
		p.b = p.b[:len(p.b)+got]
		if err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// readCommand reads the next command packet, waiting at most
// frontend.idle_timeout for it. A packet larger than
// frontend.max_packet_size is refused with 1153 and the connection is
// closed, as MySQL does with max_allowed_packet: the rest of the packet is
// never buffered.
func (s *Session) readCommand(live *settings) ([]byte, error) {
	var deadline time.Time
	if live.idleTimeout > 0 {
		deadline = time.Now().Add(live.idleTimeout)
	}
	s.nc.setReadDeadline(deadline)
	s.conn.ResetSequence()
	// The session's own collector: a local one escapes into go-mysql's
	// reader as an io.Writer, an allocation per command.
	s.cmdPkt = limitedPacket{b: s.pkt[:0], max: live.maxPacket}
	var err error
	if s.directReads {
		err = readPacket(s.nc.rd, &s.conn.Sequence, &s.cmdPkt)
	} else {
		err = s.conn.ReadPacketTo(&s.cmdPkt)
	}
	b, over := s.cmdPkt.b, s.cmdPkt.over
	s.cmdPkt.b = nil // s.pkt alone decides which buffer is kept
	if cap(b) <= maxKeptPacket {
		s.pkt = b[:0]
	} else {
		s.pkt = nil
	}
	switch {
	case over:
		s.refusePacket(live.maxPacket)
		return nil, errPacketTooLarge
	case isOutOfOrder(err):
		s.refuseOutOfOrder(err)
		return nil, err
	case err != nil && !deadline.IsZero() && !time.Now().Before(deadline):
		return nil, errIdle
	case err != nil:
		return nil, err
	}
	return b, nil
}

// refusePacket answers an oversized packet with 1153 and ends the
// connection. The client may still be sending the packet: the proxy stops
// its own side, then reads and discards (without keeping anything) until
// the client closes or a few seconds pass, so that the client reads the
// error instead of a connection reset.
func (s *Session) refusePacket(limit int64) {
	s.srv.metrics.closed.WithLabelValues("packet_too_large").Inc()
	s.srv.log.Info("client packet too large; connection closed", "conn", s.id, "user", s.user, "max_packet_size", limit)
	_ = s.writeErr(mysql.NewError(mysql.ER_NET_PACKET_TOO_LARGE, fmt.Sprintf(
		"Got a packet bigger than 'max_allowed_packet' bytes: xaproxy frontend.max_packet_size is %d bytes", limit)))
	_ = s.nc.Flush()
	if tc, ok := s.nc.Conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	s.nc.armReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.Copy(io.Discard, io.LimitReader(s.nc.Conn, 1<<30))
}

// isOutOfOrder tells a packet whose sequence number is not the one
// expected, which go-mysql's packet reader reports only by its text
// ("invalid sequence %d != %d"; TestOutOfOrder catches a change of it).
func isOutOfOrder(err error) bool {
	return err != nil && strings.Contains(err.Error(), "invalid sequence")
}

// refuseOutOfOrder answers a packet out of order as MariaDB does: 1156,
// then the connection is closed (the caller ends the session), since what
// follows in the stream cannot be trusted to start a packet.
func (s *Session) refuseOutOfOrder(err error) {
	s.srv.metrics.closed.WithLabelValues("packets_out_of_order").Inc()
	s.srv.log.Debug("client packet out of order; connection closed", "conn", s.id, "user", s.user, "err", err)
	_ = s.writeErr(errOutOfOrder())
	_ = s.nc.Flush()
}
