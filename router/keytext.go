package router

import (
	"strings"

	"github.com/xaproxy/xaproxy/sharding"
)

// A text shard key is placed by its characters, written in UTF-8
// (sharding.StringValue). A statement's text literals and string
// parameters are in the session's character_set_client, which MariaDB
// converts to the column's character set when it stores or compares them:
// 'k\xE9y' from a latin1 client is the 'kéy' a utf8mb4 client writes as
// 'k\xC3\xA9y'. The router reads a key in the client's character set, so
// that every session places and finds the same row on the same shard.

// ClientText is the character set a session's client writes text in, as
// far as reading text shard keys goes. The zero value is UTF-8.
type ClientText uint8

const (
	// TextUTF8: utf8mb4 or utf8mb3; a key's bytes are its UTF-8.
	TextUTF8 ClientText = iota
	// TextLatin1: MariaDB's latin1 (cp1252), one byte a character.
	TextLatin1
	// TextOther: any other character set (binary included: its bytes
	// mean what the column's character set says). A key with a byte
	// above 0x7F cannot be read: a read goes to every shard, an INSERT is
	// refused.
	TextOther
)

// ClientTextOf is the ClientText of a character_set_client; "" (the
// server's default, utf8mb4) is UTF-8.
func ClientTextOf(charset string) ClientText {
	switch strings.ToLower(charset) {
	case "", "utf8mb4", "utf8mb3", "utf8":
		return TextUTF8
	case "latin1":
		return TextLatin1
	}
	return TextOther
}

// key is v as a shard key written in c; ok is false for a text key c
// cannot read.
func (c ClientText) key(v sharding.Value) (sharding.Value, bool) {
	s, isText := v.Text()
	if c == TextUTF8 || !isText || v.Binary() || IsASCII(s) {
		return v, true
	}
	if c == TextOther {
		return v, false
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		b.WriteRune(latin1Rune(s[i]))
	}
	return sharding.StringValue(b.String()), true
}

// latin1High is MariaDB's latin1 from 0x80 to 0x9F: cp1252, its five
// unassigned bytes the C1 controls of the same number
// (strings/ctype-latin1.c, cs_to_uni). Other bytes are U+0000-U+00FF.
var latin1High = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

func latin1Rune(b byte) rune {
	if b >= 0x80 && b < 0xA0 {
		return latin1High[b-0x80]
	}
	return rune(b)
}
