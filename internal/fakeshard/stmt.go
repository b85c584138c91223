package fakeshard

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// Prepared statements, enough for the proxy to prepare on a fake and
// execute there: a statement has one parameter per '?' in its text (the
// fake's statements are scripted, with no '?' inside strings) and no
// result columns; an execute is answered as a query of the statement's
// text would be, a scripted result set in the binary protocol with every
// column a VARCHAR in utf8mb4.

// prepare answers COM_STMT_PREPARE.
func (s *Shard) prepare(c *conn, q string) error {
	if c.stmts == nil {
		c.stmts = map[uint32]string{}
	}
	c.nextStmt++
	id, params := c.nextStmt, strings.Count(q, "?")
	c.stmts[id] = q
	p := []byte{0, 0, 0, 0, mysql.OK_HEADER}
	p = binary.LittleEndian.AppendUint32(p, id)
	p = binary.LittleEndian.AppendUint16(p, 0) // columns
	p = binary.LittleEndian.AppendUint16(p, uint16(params))
	p = append(p, 0, 0, 0)
	if err := c.pc.WritePacket(p); err != nil {
		return err
	}
	if params == 0 {
		return nil
	}
	for i := 0; i < params; i++ {
		f := mysql.Field{Name: []byte("?"), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: 63}
		if err := c.pc.WritePacket(append([]byte{0, 0, 0, 0}, f.Dump()...)); err != nil {
			return err
		}
	}
	return c.pc.WritePacket([]byte{0, 0, 0, 0, mysql.EOF_HEADER, 0, 0, byte(status), byte(status >> 8)})
}

// execute answers COM_STMT_EXECUTE.
func (s *Shard) execute(c *conn, payload []byte) error {
	if len(payload) < 4 {
		return s.writeErr(c, mysql.NewError(mysql.ER_MALFORMED_PACKET, "Malformed communication packet"))
	}
	id := binary.LittleEndian.Uint32(payload)
	q, ok := c.stmts[id]
	if !ok {
		return s.writeErr(c, mysql.NewError(mysql.ER_UNKNOWN_STMT_HANDLER, fmt.Sprintf("Unknown prepared statement handler (%d) given to mysqld_stmt_execute", id)))
	}
	a := s.answer(c, q)
	switch {
	case a.Err != nil:
		return s.writeErr(c, a.Err)
	case a.Columns != nil:
		return s.writeBinaryRows(c, a)
	}
	return s.writeOK(c, a, 0)
}

// writeBinaryRows writes a result set in the binary protocol: the column
// definitions of writeRows, then rows of a 0x00 header, the NULL bitmap
// (offset 2) and each non-NULL value as a length-encoded string.
func (s *Shard) writeBinaryRows(c *conn, a Answer) error {
	write := func(b []byte) error { return c.pc.WritePacket(append([]byte{0, 0, 0, 0}, b...)) }
	if err := write(mysql.PutLengthEncodedInt(uint64(len(a.Columns)))); err != nil {
		return err
	}
	for _, name := range a.Columns {
		f := mysql.Field{Name: []byte(name), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: 33}
		if err := write(f.Dump()); err != nil {
			return err
		}
	}
	eof := func(warnings int) error {
		return write([]byte{mysql.EOF_HEADER, byte(warnings), byte(warnings >> 8), byte(status), byte(status >> 8)})
	}
	if err := eof(0); err != nil {
		return err
	}
	for _, r := range a.Rows {
		if len(r) != len(a.Columns) {
			return s.writeErr(c, mysql.NewError(mysql.ER_UNKNOWN_ERROR, fmt.Sprintf("fakeshard: row of %d values for %d columns", len(r), len(a.Columns))))
		}
		row := append([]byte{0}, make([]byte, (len(r)+7+2)/8)...)
		for i, v := range r {
			if v == nil {
				row[1+(i+2)/8] |= 1 << ((i + 2) % 8)
				continue
			}
			str := fmt.Sprint(v)
			row = mysql.AppendLengthEncodedInteger(row, uint64(len(str)))
			row = append(row, str...)
		}
		if err := write(row); err != nil {
			return err
		}
	}
	return eof(len(a.Warnings))
}
