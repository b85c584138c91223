package proxy

import (
	"context"
	"encoding/binary"

	"github.com/xaproxy/xaproxy/backend"
)

// longChunk is one COM_STMT_SEND_LONG_DATA of a client: the shard that
// executes the statement is chosen at execute time, so the chunks wait in
// the session until then.
type longChunk struct {
	param uint16
	msg   []byte // the command's payload: statement id, parameter, data
}

// handleStmtLongData keeps a chunk of a parameter's value.
// COM_STMT_SEND_LONG_DATA has no response; errors surface at execute.
func (s *Session) handleStmtLongData(payload []byte) {
	if len(payload) < 6 {
		return
	}
	p, ok := s.stmts[binary.LittleEndian.Uint32(payload)]
	if !ok {
		return
	}
	param := binary.LittleEndian.Uint16(payload[4:])
	if int(param) >= p.params {
		return
	}
	p.longSize += len(payload) - 6
	if p.longSize > maxLongData {
		return
	}
	// payload is the session's packet buffer, reused by the next command.
	p.longData = append(p.longData, longChunk{param: param, msg: append([]byte(nil), payload...)})
}

func (p *prepared) clearLongData() { p.longData, p.longSize = nil, 0 }

// joinedLongData is each parameter's whole value, for routing by it.
func (p *prepared) joinedLongData() map[uint16][]byte {
	if len(p.longData) == 0 {
		return nil
	}
	m := map[uint16][]byte{}
	for _, c := range p.longData {
		m[c.param] = append(m[c.param], c.msg[6:]...)
	}
	return m
}

// sendLongData sends the chunks to the shard as the client sent them, one
// command each: every one fitted the max_allowed_packet the client was
// told, while their sum, sent as one command, may not fit the shard's
// (MariaDB answers such a command, which has no response of its own, with
// 1153 and closes the connection). The shard checks the value's total size
// at execute, as it does for a direct client.
func sendLongData(ctx context.Context, c *backend.Conn, stmtID uint32, chunks []longChunk) error {
	for _, ch := range chunks {
		// The statement's id on this connection, not the client's.
		binary.LittleEndian.PutUint32(ch.msg, stmtID)
		if err := c.SendLongData(ctx, ch.msg); err != nil {
			return err
		}
	}
	return nil
}
