package loadfile

import (
	"bufio"
	"errors"
	"io"
)

const eofByte = -1

// scanner is MariaDB's READ_INFO: bytes from the file with a stack of
// bytes pushed back (its GET and PUSH). raw keeps every byte read since the
// current row began; the pushed-back bytes are always the last ones read,
// so the row's bytes are raw without the stack's.
type scanner struct {
	r     *bufio.Reader
	f     Format
	lterm string // the line terminator, "" when it equals the field terminator
	stack []int
	raw   []byte
	err   error // the reader's error other than io.EOF

	foundEOL, startOfLine, eof bool
	found, enclosed            bool // found: \N read in the field
	data                       []byte
}

func (s *scanner) get() int {
	if n := len(s.stack); n > 0 {
		c := s.stack[n-1]
		s.stack = s.stack[:n-1]
		return c
	}
	b, err := s.r.ReadByte()
	if err != nil {
		if !errors.Is(err, io.EOF) && s.err == nil {
			s.err = err
		}
		return eofByte
	}
	s.raw = append(s.raw, b)
	return int(b)
}

func (s *scanner) push(c int) {
	if c != eofByte {
		s.stack = append(s.stack, c)
	}
}

// terminator reads on to see whether the rest of t (whose first byte was
// just read) follows; if not, what was read is pushed back.
func (s *scanner) terminator(t string) bool {
	i := 1
	var c int
	for ; i < len(t); i++ {
		if c = s.get(); c != int(t[i]) {
			break
		}
	}
	if i == len(t) {
		return true
	}
	s.push(c)
	for i--; i > 0; i-- {
		s.push(int(t[i]))
	}
	return false
}

func initial(t string) int {
	if t == "" {
		return 1 << 30 // matches no byte (MariaDB's INT_MAX)
	}
	return int(t[0])
}

// termAt is terminator(chr, str): c is t's first byte and the rest follows.
func (s *scanner) termAt(c int, t string) bool {
	return c == initial(t) && s.terminator(t)
}

func (s *scanner) unescape(c int) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case 'b':
		return '\b'
	case '0':
		return 0
	case 'Z':
		return 032
	case 'N':
		s.found = true
	}
	return byte(c)
}

// readField is READ_INFO::read_field: false when the line (or the file)
// ended before a field.
func (s *scanner) readField() bool {
	s.found = false
	if s.foundEOL {
		return false
	}
	if s.startOfLine {
		s.startOfLine = false
		if s.findStartOfFields() {
			return false
		}
	}
	c := s.get()
	if c == eofByte {
		s.foundEOL, s.eof = true, true
		return false
	}
	s.data = s.data[:0]
	encl := 1 << 30
	if c == initial(s.f.Enclosed) {
		encl = c
		s.data = append(s.data, byte(c))
	} else {
		s.push(c)
	}
	for {
		c = s.get()
		if c == eofByte {
			break
		}
		if c == s.f.Escape {
			if c = s.get(); c == eofByte {
				s.data = append(s.data, byte(s.f.Escape))
				break
			}
			if s.f.Escape != encl || c == s.f.Escape {
				s.data = append(s.data, s.unescape(c))
				continue
			}
			s.push(c)
			c = s.f.Escape
		}
		if c == initial(s.lterm) && encl == 1<<30 && s.terminator(s.lterm) {
			s.enclosed, s.foundEOL = false, true
			return true
		}
		if c == encl {
			if c = s.get(); c == encl {
				s.data = append(s.data, byte(c))
				continue
			}
			if c == eofByte || s.termAt(c, s.lterm) {
				s.enclosed, s.foundEOL = true, true
				s.data = s.data[1:]
				return true
			}
			if s.termAt(c, s.f.FieldTerm) {
				s.enclosed = true
				s.data = s.data[1:]
				return true
			}
			s.push(c)
			c = encl
		} else if c == initial(s.f.FieldTerm) && encl == 1<<30 && s.terminator(s.f.FieldTerm) {
			s.enclosed = false
			return true
		}
		s.data = append(s.data, byte(c))
		if s.f.UTF8 && s.readMBTail() {
			break
		}
	}
	// End of file.
	s.enclosed, s.foundEOL, s.eof = false, true, true
	return true
}

// readMBTail is READ_INFO::read_mbtail: the rest of a multi-byte character
// whose first byte ends s.data; true at an unexpected end of file.
func (s *scanner) readMBTail() bool {
	start := len(s.data) - 1
	n := s.charlen(s.data[start:])
	for n < 0 {
		c := s.get()
		if c == eofByte {
			return true
		}
		s.data = append(s.data, byte(c))
		if n = s.charlen(s.data[start:]); n == 0 {
			s.data = s.data[:len(s.data)-1]
			s.push(c)
			return false
		}
	}
	return false
}

// nextLine is READ_INFO::next_line: it skips to the next line; true at
// the end of the file. cut tells that something was skipped.
func (s *scanner) nextLine() (atEOF, cut bool) {
	s.startOfLine = s.f.LineStart != ""
	if s.foundEOL || s.eof {
		s.foundEOL = false
		return s.eof, false
	}
	if s.lterm == "" {
		return false, false
	}
	for {
		c := s.get()
		if c == eofByte {
			s.eof = true
			return true, cut
		}
		if s.f.UTF8 {
			if n := s.charlen([]byte{byte(c)}); n != 1 {
				buf := []byte{byte(c)}
				for n < 0 {
					d := s.get()
					if d == eofByte {
						s.eof = true
						return true, cut
					}
					buf = append(buf, byte(d))
					n = s.charlen(buf)
				}
				i := len(buf)
				if int(buf[0]) == initial(s.lterm) && i <= len(s.lterm) && string(buf) == s.lterm[:i] {
					if len(s.lterm) == i || s.terminator(s.lterm[i-1:]) {
						return false, cut
					}
				}
				cut = true
				continue
			}
		}
		if c == s.f.Escape {
			cut = true
			if s.get() == eofByte {
				s.eof = true
				return true, cut
			}
			continue
		}
		if s.termAt(c, s.lterm) {
			return false, cut
		}
		cut = true
	}
}

// findStartOfFields skips to LINES STARTING BY; true at the end of file.
func (s *scanner) findStartOfFields() bool {
	for c := s.get(); c != eofByte; c = s.get() {
		if s.termAt(c, s.f.LineStart) {
			return false
		}
	}
	s.foundEOL, s.eof = true, true
	return true
}

// charlen is MariaDB's my_charlen for utf8mb3/utf8mb4: the length of the
// character b starts with, 0 for a bad sequence, -1 when the bytes so far
// are a good start and more are needed (mariadbd 10.11 checks each byte as
// it comes: a newline after a lead byte ends the sequence, checked).
func (s *scanner) charlen(b []byte) int {
	c := b[0]
	need := 0
	switch {
	case c < 0x80:
		return 1
	case c < 0xc2:
		return 0
	case c < 0xe0:
		need = 2
	case c < 0xf0:
		need = 3
	case c < 0xf5 && s.f.UTF8MB4:
		need = 4
	default:
		return 0
	}
	for i, d := range b[1:min(len(b), need)] {
		if d&0xc0 != 0x80 {
			return 0
		}
		if i == 0 && ((c == 0xe0 && d < 0xa0) || (c == 0xf0 && d < 0x90) || (c == 0xf4 && d > 0x8f)) {
			return 0
		}
	}
	if len(b) < need {
		return -1
	}
	return need
}
