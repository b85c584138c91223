package backend

import (
	"context"
	"fmt"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Packets of 16 MiB or more travel split in chunks of 0xffffff bytes with
// increasing sequence numbers, and a payload that is an exact multiple of
// 0xffffff ends with an empty chunk. go-mysql's packet writer does the
// splitting (writeCommand, WriteData) and readPacket joins the chunks; the
// sequence counter of the connection (b.c.Sequence) follows both
// directions, so the answer to a split command is read at the right number.

// checkPacketsOver is the command size up to which the shard's
// max_allowed_packet is not consulted: MariaDB's default is 16 MiB and its
// minimum 1 KiB, but no server is set below this in practice, and every
// connection would otherwise pay a round trip to learn it.
const checkPacketsOver = 64 << 10

// ErrPacketTooLarge is MariaDB's answer to a command of max_allowed_packet
// bytes or more. MariaDB also closes the connection; the proxy refuses the
// command before sending it, so the shard connection stays usable.
func errPacketTooLarge(size, limit int) error {
	me := mysql.NewDefaultError(mysql.ER_NET_PACKET_TOO_LARGE)
	me.Message = fmt.Sprintf("%s (a command of %d bytes; the shard's max_allowed_packet is %d)", me.Message, size, limit)
	return me
}

// checkPacketSize refuses a command of size bytes (command byte included)
// that the shard would refuse: MariaDB answers 1153 for a packet of
// max_allowed_packet bytes or more and closes the connection. The limit is
// the connection's session value, fixed when it connected, so it is asked
// once, the first time a command is large enough to matter.
func (b *Conn) checkPacketSize(ctx context.Context, size int) error {
	if size <= checkPacketsOver {
		return nil
	}
	if b.maxPacket == 0 {
		// Not Exec: a pending StartWith statement stays pending.
		r, err := b.execute(ctx, "SELECT @@max_allowed_packet LIMIT 1")
		if err != nil {
			return err
		}
		v, err := r.GetInt(0, 0)
		if err != nil || v <= 0 {
			return fmt.Errorf("shard %s: unreadable @@max_allowed_packet: %v", b.shard, err)
		}
		b.maxPacket = int(v)
	}
	if size >= b.maxPacket {
		return errPacketTooLarge(size, b.maxPacket)
	}
	return nil
}

// commandSize is the size of the packet Send will write for cmd: a pending
// StartWith statement travels inside a COM_QUERY.
func (b *Conn) commandSize(cmd byte, payload []byte) int {
	n := 1 + len(payload)
	if b.prefix != "" && cmd == mysql.COM_QUERY {
		n += len(b.prefix) + 2
	}
	return n
}

// WriteData writes one packet that continues the current exchange (its
// sequence number follows the last packet read or written): the contents
// of a file the shard asked for with LOAD DATA LOCAL INFILE, ending with an
// empty packet. p holds four bytes of header room before the payload.
func (b *Conn) WriteData(p []byte) error {
	if err := b.errStreamLost(); err != nil {
		return err
	}
	if err := b.c.WritePacket(p); err != nil {
		b.broken, b.lostIO = true, true
		return fmt.Errorf("shard %s: %w", b.shard, err)
	}
	return nil
}
