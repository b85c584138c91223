// Package loadfile reads the data file of LOAD DATA the way MariaDB 10.11
// reads it (sql_load.cc, READ_INFO and read_sep_field), so that the proxy
// can cut a client's file into rows, find each row's shard key field and
// send each shard the rows it holds, byte for byte as they came: the shard
// then parses each row exactly as one server reading the whole file would.
// The package does no I/O of its own: it reads an io.Reader.
package loadfile

import (
	"fmt"
	"strings"
)

// Format is how a LOAD DATA statement says its file is laid out.
type Format struct {
	FieldTerm string // FIELDS TERMINATED BY (default "\t")
	Enclosed  string // FIELDS [OPTIONALLY] ENCLOSED BY: "" or one byte
	LineStart string // LINES STARTING BY (default "")
	LineTerm  string // LINES TERMINATED BY (default "\n")
	// Escape is the FIELDS ESCAPED BY byte, or -1 for none: ESCAPED BY ''
	// or, without the clause, a session whose sql_mode has
	// NO_BACKSLASH_ESCAPES (Resolve).
	Escape int
	// UTF8 tells that the file's character set is utf8mb3 or utf8mb4,
	// whose multi-byte sequences MariaDB scans as one character; false
	// for single-byte character sets.
	UTF8 bool
	// UTF8MB4: four-byte sequences are characters (utf8mb4).
	UTF8MB4 bool
}

// Clauses is what the statement wrote; nil means the clause was left out.
type Clauses struct {
	FieldTerm, Enclosed, Escaped, LineStart, LineTerm *string
	Charset                                           string // CHARACTER SET, or the database's
}

// singleByte are the character sets whose every byte is one character:
// MariaDB scans their files byte by byte.
var singleByte = map[string]bool{
	"latin1": true, "latin2": true, "latin5": true, "latin7": true, "ascii": true, "binary": true,
	"cp1250": true, "cp1251": true, "cp1256": true, "cp1257": true, "cp850": true, "cp852": true,
	"cp866": true, "dec8": true, "greek": true, "hebrew": true, "hp8": true, "keybcs2": true,
	"koi8r": true, "koi8u": true, "macce": true, "macroman": true, "swe7": true, "armscii8": true,
	"geostd8": true, "tis620": true,
}

// Resolve fills in MariaDB's defaults. noBackslashEscapes is the session's
// sql_mode NO_BACKSLASH_ESCAPES, which turns the default escape off.
func Resolve(c Clauses, noBackslashEscapes bool) (Format, error) {
	f := Format{FieldTerm: "\t", LineTerm: "\n", Escape: '\\'}
	if c.FieldTerm != nil {
		f.FieldTerm = *c.FieldTerm
	}
	if c.Enclosed != nil {
		f.Enclosed = *c.Enclosed
	}
	if c.LineStart != nil {
		f.LineStart = *c.LineStart
	}
	if c.LineTerm != nil {
		f.LineTerm = *c.LineTerm
	}
	switch {
	case c.Escaped != nil && *c.Escaped == "":
		f.Escape = -1
	case c.Escaped != nil:
		f.Escape = int((*c.Escaped)[0])
	case noBackslashEscapes:
		f.Escape = -1
	}
	if len(f.Enclosed) > 1 || (c.Escaped != nil && len(*c.Escaped) > 1) {
		return Format{}, fmt.Errorf("FIELDS ENCLOSED BY and ESCAPED BY take one character")
	}
	if f.FieldTerm == "" && f.Enclosed == "" {
		return Format{}, fmt.Errorf("fixed-size rows (FIELDS TERMINATED BY '' ENCLOSED BY '') are not supported")
	}
	if f.LineTerm == "" {
		return Format{}, fmt.Errorf("LINES TERMINATED BY '' is not supported")
	}
	cs := strings.ToLower(c.Charset)
	switch {
	case cs == "utf8" || cs == "utf8mb3":
		f.UTF8 = true
	case cs == "utf8mb4":
		f.UTF8, f.UTF8MB4 = true, true
	case !singleByte[cs]:
		return Format{}, fmt.Errorf("files in character set %q are not supported (utf8mb4, utf8mb3 and single-byte character sets are)", c.Charset)
	}
	return f, nil
}
