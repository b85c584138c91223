package proxy

import (
	"encoding/binary"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/backend"
)

// Every column definition the proxy sends goes through writeColumnDef, which
// gives it the character set number MariaDB would give the client.
//
// MariaDB labels each non-binary result column with the number of
// character_set_results' CHARSET_INFO (Protocol::send_result_set_metadata;
// binary columns keep 63, and with character_set_results NULL columns keep
// their own collation). The handshake sets that CHARSET_INFO to the
// handshake collation itself (utf8mb4_unicode_ci, 224, for mysql2), and so
// does SET NAMES x COLLATE y (y); SET NAMES x, SET CHARACTER SET x and SET
// character_set_results = x give x's default collation (checked on 10.11).
// A backend connection can only be given a character set by name (SET
// character_set_results = 224 fails), so its columns say 45 where the
// client's MariaDB would say 224: Session.colLabel holds the number the
// client must see, and every non-binary column definition is relabelled
// with it.

// binaryCollation is the character set number of binary columns.
const binaryCollation = 63

// columnDefCharsetAt is the offset of the 2-byte character set number in a
// protocol 4.1 column definition (payload, no packet header): after the
// length-encoded catalog, schema, table, org_table, name and org_name (and,
// when extended, MariaDB's length-encoded extended metadata block) comes
// 0x0c, the length of the fixed fields: charset(2), length(4), type(1),
// flags(2), decimals(1), filler(2). ok is false when def is not such a
// definition.
func columnDefCharsetAt(def []byte, extended bool) (at int, ok bool) {
	strs := 6
	if extended {
		strs = 7
	}
	for range strs {
		if at, ok = backend.SkipLenenc(def, at); !ok {
			return 0, false
		}
	}
	if len(def) < at+13 || def[at] != 0x0c {
		return 0, false
	}
	return at + 1, true
}

// relabelColumnDef sets the character set number of a non-binary column
// definition to label; label 0, a binary column or a malformed definition
// leave def as it is.
func relabelColumnDef(def []byte, label uint16, extended bool) {
	if label == 0 {
		return
	}
	at, ok := columnDefCharsetAt(def, extended)
	if !ok || binary.LittleEndian.Uint16(def[at:]) == binaryCollation {
		return
	}
	binary.LittleEndian.PutUint16(def[at:], label)
}

// writeColumnDef sends a column definition (p with 4 bytes of header room
// in front; extended: it carries MariaDB's extended metadata block),
// relabelled in place for the session's character set, with the block
// when the client negotiated it and without it otherwise (extmeta.go).
func (s *Session) writeColumnDef(p []byte, extended bool) error {
	p = convertExtMeta(p, extended, s.extMeta)
	relabelColumnDef(p[4:], s.colLabel, s.extMeta)
	return s.conn.WritePacket(p)
}

// writeField sends a column definition the engine holds (see
// parseColumnDef).
func (s *Session) writeField(f *mysql.Field) error {
	return s.writeColumnDef(append(s.buf[:4], dumpField(f, s.extMeta)...), s.extMeta)
}
