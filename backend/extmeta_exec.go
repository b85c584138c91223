package backend

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
)

// go-mysql parses the column definitions of the results it reads itself
// (Execute, Stmt.Execute) with Field.Parse, which does not know the
// extended metadata block: on a connection that negotiated it, the
// proxy's internal statements are read here instead, the blocks stripped
// before parsing, into the same *mysql.Result go-mysql would give (one
// result; the callers send single statements).

// errMalformed reports a response that does not follow the protocol.
var errMalformed = errors.New("malformed response")

// execute runs an internal statement, read by go-mysql or, on a
// connection with extended metadata, here.
func (b *Conn) execute(ctx context.Context, query string) (*mysql.Result, error) {
	if err := b.errStreamLost(); err != nil {
		return nil, err
	}
	defer b.watch(ctx)()
	var r *mysql.Result
	var err error
	if b.extMeta {
		r, err = b.execExtended(query)
	} else {
		r, err = b.c.Execute(query)
	}
	if err != nil {
		b.noteErr(err)
		return nil, err
	}
	return r, nil
}

// execExtended runs a statement on a connection with extended metadata.
func (b *Conn) execExtended(query string) (*mysql.Result, error) {
	if err := b.writeCommand(mysql.COM_QUERY, []byte(query)); err != nil {
		return nil, err
	}
	return b.readResultExtended(false)
}

// executeExtended runs prepared statement st with string arguments (as
// go-mysql's Stmt.Execute sends them) on a connection with extended
// metadata.
func (b *Conn) executeExtended(st *client.Stmt, args ...string) (*mysql.Result, error) {
	p := binary.LittleEndian.AppendUint32(nil, st.ID)
	p = append(p, 0)                                // no cursor
	p = binary.LittleEndian.AppendUint32(p, 1)      // iteration count
	p = append(p, make([]byte, (len(args)+7)/8)...) // no NULLs
	p = append(p, 1)                                // types follow
	for range args {
		p = append(p, mysql.MYSQL_TYPE_STRING, 0)
	}
	for _, a := range args {
		p = mysql.AppendLengthEncodedInteger(p, uint64(len(a)))
		p = append(p, a...)
	}
	if err := b.writeCommand(mysql.COM_STMT_EXECUTE, p); err != nil {
		return nil, err
	}
	return b.readResultExtended(true)
}

// readResultExtended reads one response: an OK, an error or a result set
// whose definitions carry the block.
func (b *Conn) readResultExtended(binaryRows bool) (*mysql.Result, error) {
	p, err := b.readPacket(nil)
	if err != nil {
		return nil, err
	}
	switch {
	case len(p) == 0:
		return nil, b.malformed("an empty packet")
	case p[0] == mysql.OK_HEADER:
		return b.okResult(p)
	case p[0] == mysql.ERR_HEADER:
		return nil, b.c.HandleErrorPacket(p)
	}
	count, _, n := mysql.LengthEncodedInt(p)
	if n != len(p) || p[0] == mysql.LocalInFile_HEADER || count == 0 || count > 4096 {
		return nil, b.malformed(fmt.Sprintf("a result set header %q", p))
	}
	r := mysql.NewResultReserveResultset(int(count))
	for i := range r.Fields {
		if r.Fields[i], err = b.readFieldExtended(); err != nil {
			return nil, err
		}
		r.FieldNames[string(r.Fields[i].Name)] = i
	}
	if _, err := b.readEOF(r); err != nil {
		return nil, err
	}
	for {
		p, err := b.readPacket(nil)
		if err != nil {
			return nil, err
		}
		if eof, err := b.isEOF(p, r); eof || err != nil {
			if err != nil {
				return nil, err
			}
			break
		}
		r.RowDatas = append(r.RowDatas, p)
	}
	r.Values = make([][]mysql.FieldValue, len(r.RowDatas))
	for i, row := range r.RowDatas {
		if r.Values[i], err = row.Parse(r.Fields, binaryRows, nil); err != nil {
			return nil, b.malformed(err.Error())
		}
	}
	return r, nil
}

// readFieldExtended reads a column definition and parses it without its
// block.
func (b *Conn) readFieldExtended() (*mysql.Field, error) {
	p, err := b.readPacket(nil)
	if err != nil {
		return nil, err
	}
	plain, ok := stripExtMeta(p)
	if !ok {
		return nil, b.malformed(fmt.Sprintf("a column definition %q", p))
	}
	f := &mysql.Field{}
	if err := f.Parse(plain); err != nil {
		return nil, b.malformed(err.Error())
	}
	return f, nil
}

// readEOF reads the EOF after the column definitions.
func (b *Conn) readEOF(r *mysql.Result) (bool, error) {
	p, err := b.readPacket(nil)
	if err != nil {
		return false, err
	}
	eof, err := b.isEOF(p, r)
	if err == nil && !eof {
		err = b.malformed(fmt.Sprintf("%q where an EOF belongs", p))
	}
	return eof, err
}

// isEOF tells whether p ends the rows (the EOF's warnings and status go to
// r); an error packet ends them with its error.
func (b *Conn) isEOF(p []byte, r *mysql.Result) (bool, error) {
	if len(p) == 0 {
		return false, b.malformed("an empty packet")
	}
	switch {
	case p[0] == mysql.ERR_HEADER:
		return true, b.c.HandleErrorPacket(p)
	case p[0] == mysql.EOF_HEADER && len(p) < 9:
		if len(p) >= 5 {
			r.Warnings = binary.LittleEndian.Uint16(p[1:])
			r.Status = binary.LittleEndian.Uint16(p[3:])
		}
		return true, nil
	}
	return false, nil
}

// okResult parses an OK packet (no session tracking: not negotiated).
func (b *Conn) okResult(p []byte) (*mysql.Result, error) {
	if len(p) < 7 {
		return nil, b.malformed(fmt.Sprintf("an OK packet %q", p))
	}
	r := mysql.NewResultReserveResultset(0)
	pos := 1
	var n int
	r.AffectedRows, _, n = mysql.LengthEncodedInt(p[pos:])
	pos += n
	r.InsertId, _, n = mysql.LengthEncodedInt(p[pos:])
	pos += n
	if len(p) < pos+4 {
		return nil, b.malformed(fmt.Sprintf("an OK packet %q", p))
	}
	r.Status = binary.LittleEndian.Uint16(p[pos:])
	r.Warnings = binary.LittleEndian.Uint16(p[pos+2:])
	return r, nil
}

// malformed drops the connection: where a response stops making sense,
// the rest of the stream cannot be trusted.
func (b *Conn) malformed(what string) error {
	b.broken, b.lostIO = true, true
	return fmt.Errorf("shard %s: %w: %s", b.shard, errMalformed, what)
}
