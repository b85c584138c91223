package backend

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// StartWith makes the next command on the connection run statement first,
// without a round trip of its own: a COM_QUERY becomes one multi-statement
// query "statement; query", which the server stops at the first error, so
// the client's statement never runs outside the transaction XA START
// opens. Other commands wait for its answer first. The Pending that Send
// returns reads its answer when it travelled with the command. A start the
// server refuses is queued again: the branch does not exist (Unstarted),
// and the next command tries again.
func (b *Conn) StartWith(statement string) { b.prefix = statement }

// sendPrefix handles a pending StartWith for a command that cannot carry it.
func (b *Conn) sendPrefix(ctx context.Context) error {
	q := b.prefix
	b.prefix = ""
	_, err := b.Exec(ctx, q)
	if _, refused := ServerError(err); refused {
		b.prefix = q
	}
	return err
}

// Pending is a command sent on a connection, its answer not read yet. Its
// Settle is the only way to the answer (a Reply): a statement StartWith
// sent ahead of the command answers first, and no caller can read the
// command's answer without reading that one.
type Pending struct{ c *Conn }

// errNothingSent is Settle's answer for the zero Pending, which a failed
// Send returns alongside its error.
var errNothingSent = errors.New("no command was sent: nothing to settle")

// Reply reads the answer of a settled command. It has the connection's
// methods, with the readers of a command's answer added; only Settle makes
// one (its field is unexported).
type Reply struct{ *conn }

// conn names the connection a Reply embeds without exporting the field.
type conn = Conn

// Conn is the connection the answer comes from.
func (r Reply) Conn() *Conn { return r.conn }

// Settle reads the answer of the StartWith statement sent with the command,
// if one was, and returns the command's own answer to read. A server error
// is the start's: the command did not run in the transaction, and it has
// no answer left to read (a pipelined command's answer is drained); the
// start is queued again.
func (p Pending) Settle(ctx context.Context) (Reply, error) {
	if p.c == nil {
		return Reply{}, errNothingSent
	}
	if err := p.c.settle(ctx); err != nil {
		return Reply{}, err
	}
	return Reply{p.c}, nil
}

// ReadPacket reads the next packet of the answer, appending it to dst
// (which may hold reserved header room), so forwarding needs no copy per
// row. A payload of 16 MiB or more, which the protocol splits, is
// returned whole.
func (r Reply) ReadPacket(dst []byte) ([]byte, error) { return r.readPacket(dst) }

// RelayRows copies the row packets already received, unchanged but for
// their sequence numbers (renumbered from *seq, the client's counter), to w
// in one write. It stops before an EOF or error packet, a packet not yet
// fully received, or one of 16 MiB or more; 0 means: read the next packet
// with ReadPacket. An error is w's.
func (r Reply) RelayRows(w io.Writer, seq *uint8) (int, error) { return r.relayRows(w, seq) }

// settle reads the answer of a StartWith statement sent with the last
// command (inline in the query, or pipelined ahead of it).
func (b *Conn) settle(context.Context) error {
	if !b.inlinePrefix {
		return nil
	}
	pipelined, sent := b.pipelined, b.sentPrefix
	b.inlinePrefix, b.pipelined, b.sentPrefix = false, false, ""
	p, err := b.readPacket(nil)
	if err != nil {
		return err
	}
	if pipelined {
		// The next command's answer numbers its packets from 1 again.
		b.c.Sequence = 1
	}
	switch {
	case len(p) > 0 && p[0] == mysql.OK_HEADER:
		return nil
	case len(p) > 0 && p[0] == mysql.ERR_HEADER:
		startErr := b.c.HandleErrorPacket(p)
		if pipelined {
			// The next command ran anyway: its answer is not the client's.
			if err := b.drainResponse(); err != nil {
				return err
			}
		}
		b.prefix = sent
		return startErr
	}
	b.broken = true
	return fmt.Errorf("shard %s: unexpected answer to a transaction start", b.shard)
}

// unsettled refuses to read while the answer of a StartWith statement sent
// ahead of the last command is unread: a Pending dropped unsettled (its
// command's answer is unread as well), or a Reply used after a later
// command. Reading on would take XA START's OK for another command's
// answer; instead the connection is dropped.
func (b *Conn) unsettled() error {
	b.broken = true
	return fmt.Errorf("shard %s: a response was read before the command sent with a transaction start was settled (a bug in xaproxy)", b.shard)
}
