package proxy

import (
	"encoding/binary"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// outcome is what the proxy learns from a forwarded response.
type outcome struct {
	status  uint16         // server status of the last OK/EOF
	srvErr  *mysql.MyError // the server's error packet, if the statement failed
	lost    error          // the backend connection failed mid-response
	wroteOK bool           // the response ended in OK/EOF
	// insertID is the last OK packet's insert id: non-zero when the
	// statement may have changed LAST_INSERT_ID() (lastinsert.go).
	insertID uint64
	// warnings is the last OK or EOF packet's warning count.
	warnings uint16
}

// forward relays one command's response from a shard to the client: row
// and column packets untouched (no per-row decoding, memory stays bounded
// whatever the result size), OK and EOF packets rewritten so that their
// status flags describe the client's session, not the pooled connection.
// A non-nil error means the client connection failed.
func (s *Session) forward(c backend.Reply) (outcome, error) {
	var o outcome
	for {
		p, err := s.readBackend(c)
		if err != nil {
			o.lost = err
			return o, s.writeErr(errShardUnavailable(c.Shard(), err))
		}
		switch p[4] {
		case mysql.OK_HEADER:
			more, err := s.relayOK(c, p, &o)
			if err != nil || !more {
				return o, err
			}
			continue
		case mysql.ERR_HEADER:
			return o, s.relayErr(p, &o)
		case mysql.LocalInFile_HEADER:
			// LOAD DATA LOCAL INFILE: the shard asks for the client's file.
			if err := s.relayLocalInfile(c, p, &o); err != nil || o.lost != nil || o.srvErr != nil {
				return o, err
			}
			continue // the shard's answer to the statement
		}
		// A result set: column count, column definitions, EOF, rows, EOF.
		n, _, _ := mysql.LengthEncodedInt(p[4:])
		s.noteResultSet()
		if err := s.conn.WritePacket(p); err != nil {
			c.MarkBroken()
			return o, err
		}
		for i := uint64(0); i < n; i++ {
			if err := s.relayRaw(c, &o); err != nil || o.lost != nil {
				return o, err
			}
		}
		// EOF after the column definitions.
		p, err = s.readBackend(c)
		if err != nil {
			o.lost = err
			return o, s.writeErr(errShardUnavailable(c.Shard(), err))
		}
		if err := s.relayEOF(p); err != nil {
			c.MarkBroken()
			return o, err
		}
		more := false
		for {
			// Rows already received go out in bulk, untouched but for
			// their sequence numbers; written through the client's packet
			// connection (TLS when the client uses it). The frontend never
			// offers compression; were it on, rows go packet by packet.
			if s.conn.Compression == mysql.MYSQL_COMPRESS_NONE {
				if n, err := c.RelayRows(s.conn.Conn.Conn, &s.conn.Sequence); err != nil {
					c.MarkBroken()
					return o, err
				} else if n > 0 {
					s.noteRowsSent(n)
					continue
				}
			}
			p, err = s.readBackend(c)
			if err != nil {
				o.lost = err
				return o, s.writeErr(errShardUnavailable(c.Shard(), err))
			}
			if isEOF(p[4:]) {
				o.status = eofStatus(p)
				o.warnings = eofWarnings(p)
				more = o.status&mysql.SERVER_MORE_RESULTS_EXISTS != 0
				if s.timedOut.Load() && !more {
					// Interrupted by frontend.query_timeout: rows cut short
					// (or a SLEEP that returned early) must not look like a
					// complete result.
					o.srvErr = s.errQueryTimeout()
					return o, s.writeErr(o.srvErr)
				}
				o.wroteOK = true
				if err := s.relayEOF(p); err != nil {
					c.MarkBroken()
					return o, err
				}
				break
			}
			if p[4] == mysql.ERR_HEADER {
				return o, s.relayErr(p, &o)
			}
			s.noteRowsSent(1)
			if err := s.conn.WritePacket(p); err != nil {
				c.MarkBroken()
				return o, err
			}
		}
		if !more {
			return o, nil
		}
	}
}

// readBackend reads a packet into the session's scratch buffer, leaving
// four bytes in front for the client-side header.
func (s *Session) readBackend(c backend.Reply) ([]byte, error) {
	p, err := c.ReadPacket(s.buf[:4])
	if err != nil {
		return nil, err
	}
	if len(p) < 5 {
		c.MarkBroken()
		return nil, errMalformed("empty packet from shard")
	}
	if cap(p) <= 1<<20 {
		s.buf = p[:4]
	}
	return p, nil
}

// relayErr relays a shard's error packet, or 3024 in its place when the
// proxy interrupted the statement for frontend.query_timeout.
func (s *Session) relayErr(p []byte, o *outcome) error {
	s.errsWritten++
	s.noteFailed()
	o.srvErr = parseErrPacket(p[4:])
	if me := s.timeoutError(o.srvErr); me != o.srvErr {
		o.srvErr = me
		return s.writeErr(me)
	}
	s.noteError(o.srvErr)
	s.srv.metrics.countError(o.srvErr)
	return s.conn.WritePacket(p)
}

// relayRaw relays one column definition.
func (s *Session) relayRaw(c backend.Reply, o *outcome) error {
	p, err := s.readBackend(c)
	if err != nil {
		o.lost = err
		return s.writeErr(errShardUnavailable(c.Shard(), err))
	}
	if err := s.writeColumnDef(p, c.ExtendedMetadata()); err != nil {
		c.MarkBroken()
		return err
	}
	return nil
}

// relayOK re-encodes an OK packet with the session's status; it reports
// whether more results follow.
func (s *Session) relayOK(c backend.Reply, p []byte, o *outcome) (bool, error) {
	b := p[5:]
	affected, _, n := mysql.LengthEncodedInt(b)
	b = b[n:]
	insertID, _, n := mysql.LengthEncodedInt(b)
	b = b[n:]
	var status, warnings uint16
	if len(b) >= 4 {
		status = binary.LittleEndian.Uint16(b)
		warnings = binary.LittleEndian.Uint16(b[2:])
		b = b[4:]
	}
	o.status = status
	o.warnings = warnings
	o.wroteOK = true
	if insertID != 0 {
		o.insertID = insertID
	}
	info := backend.OKInfo(b)
	return status&mysql.SERVER_MORE_RESULTS_EXISTS != 0,
		s.writeOKStatus(s.affectedForClient(affected, info), insertID, s.status(status), warnings, info)
}

func (s *Session) relayEOF(p []byte) error {
	if len(p) >= 9 {
		st := s.status(binary.LittleEndian.Uint16(p[7:]))
		p[7], p[8] = byte(st), byte(st>>8)
	}
	return s.conn.WritePacket(p)
}

// isEOF tells an EOF packet from a row that starts with 0xfe (a
// length-encoded value of 2^24 bytes or more).
func isEOF(b []byte) bool { return b[0] == mysql.EOF_HEADER && len(b) < 9 }

func parseErrPacket(b []byte) *mysql.MyError {
	e := &mysql.MyError{State: "HY000"}
	if len(b) < 3 {
		e.Code = mysql.ER_UNKNOWN_ERROR
		e.Message = "malformed error packet from shard"
		return e
	}
	e.Code = binary.LittleEndian.Uint16(b[1:])
	b = b[3:]
	if len(b) >= 6 && b[0] == '#' {
		e.State = string(b[1:6])
		b = b[6:]
	}
	e.Message = string(b)
	return e
}

// forwardFieldList relays a COM_FIELD_LIST response: column definitions
// ending in EOF, or an error.
func (s *Session) forwardFieldList(c backend.Reply) (outcome, error) {
	var o outcome
	for {
		p, err := s.readBackend(c)
		if err != nil {
			o.lost = err
			return o, s.writeErr(errShardUnavailable(c.Shard(), err))
		}
		switch {
		case p[4] == mysql.ERR_HEADER:
			o.srvErr = parseErrPacket(p[4:])
			return o, s.conn.WritePacket(p)
		case isEOF(p[4:]):
			o.status = eofStatus(p)
			o.warnings = eofWarnings(p)
			o.wroteOK = true
			return o, s.relayEOF(p)
		}
		if err := s.writeColumnDef(p, c.ExtendedMetadata()); err != nil {
			c.MarkBroken()
			return o, err
		}
	}
}

// eofStatus reads the status flags of an EOF packet (with header room).
// eofWarnings is an EOF packet's warning count (header at p[:4]).
func eofWarnings(p []byte) uint16 {
	if len(p) < 9 {
		return 0
	}
	return binary.LittleEndian.Uint16(p[5:])
}

func eofStatus(p []byte) uint16 {
	if len(p) < 9 {
		return 0
	}
	return binary.LittleEndian.Uint16(p[7:])
}
