package loadfile

import (
	"bufio"
	"io"
)

// Field is one field of a row as MariaDB reads it.
type Field struct {
	Value []byte // unescaped, enclosure removed
	Null  bool   // \N, or unenclosed NULL when ENCLOSED BY is set
}

// Row is one row of the file.
type Row struct {
	// Raw is the row's bytes as they are in the file, from the end of the
	// previous row to the end of its line terminator (or of the file).
	// Sent alone, in order with other rows, a server reads the same row
	// from them.
	Raw []byte
	// Fields are the fields read, at most the statement's field count: a
	// short line has fewer (MariaDB gives the others their defaults).
	Fields []Field
}

// Reader cuts a LOAD DATA file into rows.
type Reader struct {
	s       scanner
	nfields int
	skip    uint64
	done    bool
	started bool
}

// NewReader reads rows of nfields fields (the statement's column list, or
// the table's columns) from r, skipping the first ignore lines (IGNORE n
// LINES).
func NewReader(r io.Reader, f Format, nfields int, ignore uint64) *Reader {
	rd := &Reader{nfields: nfields, skip: ignore}
	rd.s = scanner{r: bufio.NewReaderSize(r, 64<<10), f: f, lterm: f.LineTerm, startOfLine: f.LineStart != ""}
	if f.LineTerm == f.FieldTerm {
		rd.s.lterm = ""
	}
	return rd
}

// Next returns the next row, or io.EOF after the last one. The row's
// slices are valid until the next call. A read error of the underlying
// reader is returned as it is.
func (rd *Reader) Next() (Row, error) {
	s := &rd.s
	if !rd.started {
		rd.started = true
		// mysql_load skips the IGNORE lines with next_line before reading.
		for ; rd.skip > 0; rd.skip-- {
			if eof, _ := s.nextLine(); eof {
				break
			}
		}
		s.raw = s.raw[:copy(s.raw, s.raw[len(s.raw)-len(s.stack):])]
	}
	if rd.done {
		return Row{}, rd.end()
	}
	var row Row
	for len(row.Fields) < rd.nfields {
		if !s.readField() {
			break
		}
		v := s.data
		null := (!s.enclosed && len(s.f.Enclosed) > 0 && string(v) == "NULL") || (len(v) == 1 && s.found)
		row.Fields = append(row.Fields, Field{Value: append([]byte(nil), v...), Null: null})
	}
	if len(row.Fields) == 0 && rd.nfields > 0 {
		rd.done = true
		return Row{}, rd.end()
	}
	if eof, _ := s.nextLine(); eof {
		rd.done = true
	}
	if s.err != nil {
		return Row{}, s.err
	}
	keep := len(s.raw) - len(s.stack)
	row.Raw = append([]byte(nil), s.raw[:keep]...)
	s.raw = s.raw[:copy(s.raw, s.raw[keep:])]
	return row, nil
}

func (rd *Reader) end() error {
	if rd.s.err != nil {
		return rd.s.err
	}
	return io.EOF
}
