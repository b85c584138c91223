package proxy

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	perrors "github.com/pingcap/errors"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/xaproxy/xaproxy/backend"
	"github.com/xaproxy/xaproxy/router"
)

// LOAD DATA LOCAL INFILE is relayed: the statement goes to the shard that
// holds the table (router/load.go), on a connection that announced
// CLIENT_LOCAL_FILES; the shard's request for the file (0xFB and the file
// name) goes to the client, the client's file packets go to the shard as
// they come, up to the empty packet that ends the file, and the shard's
// answer (OK with "Records: ..." or an error) is relayed as any other.
// LOAD DATA INFILE without LOCAL reads a file on the shard's server with
// the backend account's FILE privilege: never forwarded.

// erLoadInfileCapabilityDisabled is MariaDB's answer to LOAD DATA LOCAL
// from a client that did not announce CLIENT_LOCAL_FILES.
const erLoadInfileCapabilityDisabled = 4166

func errLocalInfileDisabled() error {
	return mysql.NewError(erLoadInfileCapabilityDisabled, "The used command is not allowed because the MariaDB server or client has disabled the local infile capability")
}

// localFiles tells whether the client announced CLIENT_LOCAL_FILES (the
// proxy announces it to every client).
func (s *Session) localFiles() bool {
	return s.conn != nil && s.conn.Capability()&mysql.CLIENT_LOCAL_FILES != 0
}

// checkLoad refuses the LOAD statements the proxy does not relay.
func (s *Session) checkLoad(st *router.Statement) error {
	if st.Kind == router.KindUnparsed && router.IsLoad(st.SQL) {
		// FIELDS ENCLOSED BY or ESCAPED BY of more than one character:
		// the parser refuses it as MariaDB does.
		var pe *perrors.Error
		if errors.As(st.ParseErr, &pe) && pe.Code() == mysql.ER_WRONG_FIELD_TERMINATORS {
			return mysql.NewDefaultError(mysql.ER_WRONG_FIELD_TERMINATORS)
		}
		// LOAD XML, or LOAD DATA the parser cannot read: whether it reads a
		// file on the shard's server cannot be told.
		return mysql.NewError(mysql.ER_PARSE_ERROR, fmt.Sprintf(
			"xaproxy cannot parse this LOAD statement (%v); it relays LOAD DATA LOCAL INFILE, and LOAD XML is not supported", st.ParseErr))
	}
	n, ok := st.Node.(*ast.LoadDataStmt)
	if !ok {
		return nil
	}
	if n.FileLocRef != ast.FileLocClient {
		return mysql.NewError(mysql.ER_SPECIFIC_ACCESS_DENIED_ERROR,
			"Access denied; you need (at least one of) the FILE privilege(s) for this operation: xaproxy does not forward LOAD DATA INFILE, which reads a file on the shard's server; use LOAD DATA LOCAL INFILE, which sends the client's file")
	}
	if !s.localFiles() {
		return errLocalInfileDisabled()
	}
	return nil
}

// relayLocalInfile answers the shard's request for a file (req, with
// header room) by streaming the client's file to it. The shard's answer
// to the statement is read next, as usual. A non-nil error means the
// client connection failed; o.lost is set when the shard's did.
func (s *Session) relayLocalInfile(c backend.Reply, req []byte, o *outcome) error {
	if !s.localFiles() {
		// Parsed statements were refused before (checkLoad): only a shard
		// asking for no reason gets here. An empty file ends its load.
		return s.refuseLocalInfile(c, o)
	}
	if err := s.conn.WritePacket(req); err != nil {
		c.MarkBroken()
		return err
	}
	if err := s.nc.Flush(); err != nil {
		c.MarkBroken()
		return err
	}
	live := s.srv.live.Load()
	var shardErr error
	for {
		p, err := s.readFilePacket(live)
		if err != nil {
			// The shard is in the middle of the load: its connection
			// cannot be reused.
			c.MarkBroken()
			o.lost = err
			if errors.Is(err, errPacketTooLarge) {
				s.refusePacket(live.maxPacket)
			} else if isOutOfOrder(err) {
				s.refuseOutOfOrder(err)
			}
			return err
		}
		if shardErr == nil {
			if shardErr = c.WriteData(p); shardErr != nil {
				o.lost = shardErr
			}
		}
		if len(p) == 4 {
			break // the empty packet: end of file
		}
	}
	if shardErr != nil {
		return s.writeErr(errShardUnavailable(c.Shard(), shardErr))
	}
	return nil
}

// readFilePacket reads one packet of the client's file, with four bytes
// of header room, under the limits of a command packet.
func (s *Session) readFilePacket(live *settings) ([]byte, error) {
	var deadline time.Time
	if live.idleTimeout > 0 {
		deadline = time.Now().Add(live.idleTimeout)
	}
	s.nc.setReadDeadline(deadline)
	p := limitedPacket{b: make([]byte, 4, 4+min(live.maxPacket, 64<<10)), max: live.maxPacket + 4}
	if err := s.conn.ReadPacketTo(&p); err != nil {
		if p.over {
			return nil, errPacketTooLarge
		}
		return nil, err
	}
	return p.b, nil
}

// refuseLocalInfile sends the shard an empty file, reads its answer and
// gives the client MariaDB's error for a client without
// CLIENT_LOCAL_FILES.
func (s *Session) refuseLocalInfile(c backend.Reply, o *outcome) error {
	if err := c.WriteData(make([]byte, 4)); err != nil {
		o.lost = err
		return s.writeErr(errShardUnavailable(c.Shard(), err))
	}
	p, err := s.readBackend(c)
	if err != nil {
		o.lost = err
		return s.writeErr(errShardUnavailable(c.Shard(), err))
	}
	if p[4] == mysql.ERR_HEADER {
		return s.relayErr(p, o)
	}
	o.srvErr = toMyError(errLocalInfileDisabled())
	return s.writeErr(o.srvErr)
}
