package proxy

import (
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// MariaDB's extended metadata (MARIADB_CLIENT_EXTENDED_METADATA): a client
// that negotiated it gets, in every column definition, a length-encoded
// block after org_name of (type byte, length-encoded string) pairs, type 0
// the data type's name ("uuid", "inet6", "point"), type 1 the format
// ("json"); a column with neither gets the empty block, "\x00". A client
// that did not negotiate it gets no block at all. A definition's bytes do
// not say whether they carry a block (a 12-byte block starts with 0x0c, like
// the fixed fields), so every definition travels with a flag saying so: the
// backend connection's negotiated capability for a shard's definitions, the
// session's for what the client sees.

// emptyExtMeta is the block of a column with no extended metadata.
var emptyExtMeta = []byte{0}

// splitExtMeta separates def's block from the rest: plain is def without
// it (a new slice), block the block with its length (nil when def had
// none). extended says whether def carries one.
func splitExtMeta(def []byte, extended bool) (plain, block []byte, ok bool) {
	if !extended {
		return append([]byte(nil), def...), nil, true
	}
	at, end, ok := backend.ExtMetaSpan(def)
	if !ok {
		return nil, nil, false
	}
	plain = append(append(make([]byte, 0, len(def)-(end-at)), def[:at]...), def[end:]...)
	return plain, append([]byte(nil), def[at:end]...), true
}

// withExtMeta inserts block (with its length; nil: the empty block) into
// plain, a column definition payload without one, after org_name. ok is
// false when plain is not a column definition.
func withExtMeta(plain, block []byte) (def []byte, ok bool) {
	at, ok := columnDefCharsetAt(plain, false)
	if !ok {
		return nil, false
	}
	at-- // the 0x0c before the fixed fields
	if block == nil {
		block = emptyExtMeta
	}
	def = make([]byte, 0, len(plain)+len(block))
	return append(append(append(def, plain[:at]...), block...), plain[at:]...), true
}

// convertExtMeta gives p (a column definition packet, 4 bytes of header
// room first) the form the client negotiated: from carries a block, to
// wants one. A definition without a block given to a client that wants one
// gets the empty block; a malformed one is left as it is.
func convertExtMeta(p []byte, from, to bool) []byte {
	if from == to {
		return p
	}
	if from {
		at, end, ok := backend.ExtMetaSpan(p[4:])
		if !ok {
			return p
		}
		// In place: p is the caller's buffer, and copy handles the overlap.
		return append(p[:4+at], p[4+end:]...)
	}
	def, ok := withExtMeta(p[4:], nil)
	if !ok {
		return p
	}
	return append(p[:4], def...)
}

// parseColumnDef parses a shard's column definition (extended: it carries
// a block) into a field whose Dump encodes it without the block, which is
// kept in DefaultValue: result set column definitions never carry a
// default value (only COM_FIELD_LIST's do), and the engine copies fields
// whole when it passes a column through, so the block follows the column
// into merged results. dumpField puts it back where MariaDB sends it.
// parseColumnDefs is parseColumnDef of each of a result's definitions;
// false when one is malformed.
func parseColumnDefs(defs [][]byte, extended bool) ([]*mysql.Field, bool) {
	fields := make([]*mysql.Field, len(defs))
	for i, d := range defs {
		f, ok := parseColumnDef(d, extended)
		if !ok {
			return nil, false
		}
		fields[i] = f
	}
	return fields, true
}

func parseColumnDef(def []byte, extended bool) (*mysql.Field, bool) {
	plain, block, ok := splitExtMeta(def, extended)
	if !ok {
		return nil, false
	}
	if _, ok := columnDefCharsetAt(plain, false); !ok {
		return nil, false
	}
	f := &mysql.Field{}
	if err := f.Parse(plain); err != nil {
		return nil, false
	}
	// Merges rename and retype columns: Dump must encode the fields, not
	// replay the shard's packet.
	f.Data = nil
	f.DefaultValue = block
	return f, true
}

// dumpField encodes f for the client: with its shard's block (the empty
// block for a column the proxy computed) when ext, without any otherwise.
func dumpField(f *mysql.Field, ext bool) []byte {
	c := *f
	block := c.DefaultValue
	c.DefaultValue, c.DefaultValueLength = nil, 0
	def := c.Dump()
	if !ext {
		return def
	}
	if out, ok := withExtMeta(def, block); ok {
		return out
	}
	return def
}
