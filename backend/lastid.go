package backend

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// The proxy answers LAST_INSERT_ID() per session (proxy/lastinsert.go); to
// tell whether a statement changed a connection's value it must know the
// value the connection had before.

// KnownLastInsertID is the connection's @@last_insert_id; known is false
// once a statement may have changed it without the proxy reading it back.
func (b *Conn) KnownLastInsertID() (v uint64, known bool) { return b.lastInsertID, b.lastIDKnown }

// SetKnownLastInsertID records the connection's @@last_insert_id, read back
// or set by the proxy.
func (b *Conn) SetKnownLastInsertID(v uint64) { b.lastInsertID, b.lastIDKnown = v, true }

// ForgetLastInsertID records that a statement may have changed the
// connection's @@last_insert_id.
func (b *Conn) ForgetLastInsertID() { b.lastIDKnown = false }

// ExecAllReadingLastID is ExecAll with the connection's @@last_insert_id
// read first, in the same round trip: a transaction that inserted ends with
// its value read back (proxy/lastinsert.go) at no cost of its own. ok is
// false when the value could not be read (the statements did not run).
func (b *Conn) ExecAllReadingLastID(ctx context.Context, stmts ...string) (v uint64, ok bool, err error) {
	all := make([]string, 0, 1+len(stmts))
	all = append(append(all, "SELECT @@last_insert_id LIMIT 1"), stmts...)
	defer b.watch(ctx)()
	if err := b.sendAll(all); err != nil {
		return 0, false, err
	}
	v, err = b.readLastIDAnswer()
	if err != nil {
		return 0, false, err
	}
	b.SetKnownLastInsertID(v)
	return v, true, b.readAll()
}

// readLastIDAnswer reads the answer of SELECT @@last_insert_id sent ahead of
// other statements: one column, one row, then an EOF saying more follows.
func (b *Conn) readLastIDAnswer() (uint64, error) {
	p, err := b.readAnswer()
	if err != nil {
		return 0, err
	}
	if p[0] == mysql.ERR_HEADER {
		return 0, b.c.HandleErrorPacket(p)
	}
	if count, _, n := mysql.LengthEncodedInt(p); count != 1 || n != len(p) {
		return 0, b.malformed(fmt.Sprintf("%q answering SELECT @@last_insert_id", p))
	}
	// The column definition, then the EOF that ends the definitions.
	for range 2 {
		if _, err := b.readAnswer(); err != nil {
			return 0, err
		}
	}
	row, err := b.readAnswer()
	if err != nil {
		return 0, err
	}
	s, _, _, err := mysql.LengthEncodedString(row)
	if err != nil {
		return 0, b.malformed(fmt.Sprintf("a row %q answering SELECT @@last_insert_id", row))
	}
	v, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil {
		return 0, b.malformed(fmt.Sprintf("a row %q answering SELECT @@last_insert_id", row))
	}
	eof, err := b.readAnswer()
	if err != nil {
		return 0, err
	}
	if eof[0] != mysql.EOF_HEADER || len(eof) != 5 || binary.LittleEndian.Uint16(eof[3:])&mysql.SERVER_MORE_RESULTS_EXISTS == 0 {
		return 0, b.malformed(fmt.Sprintf("%q ending the answer to SELECT @@last_insert_id", eof))
	}
	return v, nil
}
