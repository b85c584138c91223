package integration

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// wireConn is a minimal MySQL-protocol client written byte by byte, for
// what neither go-sql-driver nor go-mysql's client can send: COM_CHANGE_USER
// and MariaDB's extended capabilities. It logs in with
// mysql_native_password and reads text results in the classic (EOF)
// protocol.
type wireConn struct {
	t       *testing.T
	nc      net.Conn
	seq     byte
	salt    []byte
	srvCaps uint32
	extCaps uint32 // the server's MariaDB extended capabilities
}

const (
	wireLongPassword  = 1
	wireConnectWithDB = 1 << 3
	wireProtocol41    = 1 << 9
	wireTransactions  = 1 << 13
	wireSecureConn    = 1 << 15
	wireMultiResults  = 1 << 17
	wirePluginAuth    = 1 << 19
	wireLenencAuth    = 1 << 21
)

// wireResult is one command's answer: an error (code and message), or
// column definitions (raw) and rows (NULL as "NULL").
type wireResult struct {
	errCode uint16
	errMsg  string
	cols    [][]byte
	rows    [][]string
}

func (r wireResult) String() string {
	if r.errCode != 0 {
		return fmt.Sprintf("ERROR %d", r.errCode)
	}
	return fmt.Sprint(r.rows)
}

// dialWire logs in as user on database db ("" for none), with collation
// 45 (utf8mb4_general_ci) and the MariaDB extended capabilities ext, as far
// as the server offers them.
func dialWire(t *testing.T, addr, user, pass, db string, ext uint32) *wireConn {
	t.Helper()
	return dialWirePlugin(t, addr, user, pass, db, ext, "mysql_native_password")
}

// dialWirePlugin logs in naming plugin: another than mysql_native_password
// gets an empty answer and makes the server switch.
func dialWirePlugin(t *testing.T, addr, user, pass, db string, ext uint32, plugin string) *wireConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(time.Minute))
	c := &wireConn{t: t, nc: nc}
	c.readGreeting(c.read())
	caps := uint32(wireProtocol41 | wireSecureConn | wireTransactions | wireMultiResults | wirePluginAuth | wireLenencAuth)
	if db != "" {
		caps |= wireConnectWithDB
	}
	// MariaDB's extended capabilities take the last 4 reserved bytes when
	// the server does not set CLIENT_MYSQL (CLIENT_LONG_PASSWORD).
	mariaExt := c.srvCaps&wireLongPassword == 0
	if !mariaExt {
		caps |= wireLongPassword
	}
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 45)
	p = append(p, make([]byte, 19)...)
	if mariaExt {
		p = binary.LittleEndian.AppendUint32(p, ext&c.extCaps)
	} else {
		p = append(p, 0, 0, 0, 0)
	}
	p = append(append(p, user...), 0)
	var sc []byte
	if plugin == "mysql_native_password" {
		sc = wireScramble(c.salt, pass)
	}
	p = append(append(p, byte(len(sc))), sc...)
	if db != "" {
		p = append(append(p, db...), 0)
	}
	p = append(append(p, plugin...), 0)
	c.write(p)
	if r := c.finishAuth(pass); r.errCode != 0 {
		t.Fatalf("login as %s at %s: %d %s", user, addr, r.errCode, r.errMsg)
	}
	return c
}

func (c *wireConn) readGreeting(g []byte) {
	i := bytes.IndexByte(g[1:], 0)
	rest := g[1+i+1+4:]
	c.salt = append([]byte{}, rest[:8]...)
	rest = rest[9:]
	c.srvCaps = uint32(binary.LittleEndian.Uint16(rest))
	rest = rest[2+1+2:]
	c.srvCaps |= uint32(binary.LittleEndian.Uint16(rest)) << 16
	authLen := int(rest[2])
	rest = rest[3+6:]
	c.extCaps = binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	c.salt = append(c.salt, rest[:max(13, authLen-8)-1]...)
}

func (c *wireConn) read() []byte {
	c.t.Helper()
	var h [4]byte
	if _, err := io.ReadFull(c.nc, h[:]); err != nil {
		c.t.Fatalf("read packet header: %v", err)
	}
	p := make([]byte, int(h[0])|int(h[1])<<8|int(h[2])<<16)
	if _, err := io.ReadFull(c.nc, p); err != nil {
		c.t.Fatalf("read packet: %v", err)
	}
	c.seq = h[3] + 1
	return p
}

func (c *wireConn) write(p []byte) {
	c.t.Helper()
	h := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), c.seq}
	c.seq++
	if _, err := c.nc.Write(append(h, p...)); err != nil {
		c.t.Fatalf("write packet: %v", err)
	}
}

// wireScramble is mysql_native_password's answer to salt.
func wireScramble(salt []byte, pass string) []byte {
	if pass == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(pass))
	h2 := sha1.Sum(h1[:])
	r := sha1.Sum(append(append([]byte{}, salt...), h2[:]...))
	for i := range r {
		r[i] ^= h1[i]
	}
	return r[:]
}

// finishAuth answers mysql_native_password auth switches until OK or ERR.
func (c *wireConn) finishAuth(pass string) wireResult {
	c.t.Helper()
	for {
		r := c.read()
		switch r[0] {
		case 0x00:
			return wireResult{}
		case 0xff:
			return wireErr(r)
		case 0xfe:
			i := bytes.IndexByte(r, 0)
			if plugin := string(r[1:i]); plugin != "mysql_native_password" {
				c.t.Fatalf("auth switch to %s", plugin)
			}
			// The switch's scramble replaces the greeting's, as in
			// libmariadb: COM_CHANGE_USER answers it.
			c.salt = bytes.TrimRight(r[i+1:], "\x00")
			c.write(wireScramble(c.salt, pass))
		default:
			c.t.Fatalf("unexpected packet during authentication: %x", r)
		}
	}
}

func wireErr(r []byte) wireResult {
	msg := r[3:]
	if len(msg) > 0 && msg[0] == '#' {
		msg = msg[6:]
	}
	return wireResult{errCode: binary.LittleEndian.Uint16(r[1:]), errMsg: string(msg)}
}

// changeUser sends COM_CHANGE_USER answering the connection's scramble
// with mysql_native_password when plugin is that, with nothing otherwise
// (the server then asks for a switch).
func (c *wireConn) changeUser(user, pass, db, plugin string, collation uint16) wireResult {
	c.t.Helper()
	c.seq = 0
	p := append(append([]byte{0x11}, user...), 0)
	var sc []byte
	if plugin == "mysql_native_password" {
		sc = wireScramble(c.salt, pass)
	}
	p = append(append(p, byte(len(sc))), sc...)
	p = append(append(p, db...), 0)
	p = binary.LittleEndian.AppendUint16(p, collation)
	p = append(append(p, plugin...), 0)
	c.write(p)
	return c.finishAuth(pass)
}

// command sends a command with its payload and returns the first packet
// of the answer.
func (c *wireConn) command(cmd byte, payload []byte) []byte {
	c.t.Helper()
	c.seq = 0
	c.write(append([]byte{cmd}, payload...))
	return c.read()
}

// query runs a text query and reads its whole answer (one result).
func (c *wireConn) query(q string) wireResult {
	c.t.Helper()
	r := c.command(0x03, []byte(q))
	switch r[0] {
	case 0x00:
		return wireResult{}
	case 0xff:
		return wireErr(r)
	}
	var res wireResult
	for n := int(r[0]); n > 0; n-- {
		res.cols = append(res.cols, c.read())
	}
	if eof := c.read(); eof[0] != 0xfe {
		c.t.Fatalf("no EOF after the column definitions: %x", eof)
	}
	for {
		d := c.read()
		switch {
		case d[0] == 0xfe && len(d) < 9:
			return res
		case d[0] == 0xff:
			return wireErr(d)
		}
		var row []string
		for len(d) > 0 {
			if d[0] == 0xfb {
				row, d = append(row, "NULL"), d[1:]
				continue
			}
			l, k := wireLenenc(d)
			row, d = append(row, string(d[k:k+int(l)])), d[k+int(l):]
		}
		res.rows = append(res.rows, row)
	}
}

// prepareExecute prepares q, executes it with string parameters args (no
// cursor) and returns the packets of both answers after their first:
// PREPARE's parameter and column definitions, EXECUTE's column
// definitions and binary rows (EOF packets included).
func (c *wireConn) prepareExecute(q string, args ...string) (prep, exec [][]byte) {
	c.t.Helper()
	ok := c.command(0x16, []byte(q))
	if ok[0] != 0 {
		c.t.Fatalf("PREPARE %s: %q", q, ok)
	}
	id := ok[1:5]
	cols, params := binary.LittleEndian.Uint16(ok[5:]), binary.LittleEndian.Uint16(ok[7:])
	for _, n := range []uint16{params, cols} {
		if n == 0 {
			continue
		}
		for range n + 1 {
			prep = append(prep, c.read())
		}
	}
	p := append(append([]byte{}, id...), 0, 1, 0, 0, 0)
	p = append(p, make([]byte, (len(args)+7)/8)...)
	p = append(p, 1)
	for range args {
		p = append(p, 0xfe, 0)
	}
	for _, a := range args {
		p = append(append(p, byte(len(a))), a...)
	}
	r := c.command(0x17, p)
	if r[0] == 0xff || r[0] == 0 {
		c.t.Fatalf("EXECUTE %s: %q", q, r)
	}
	for n := int(r[0]); n >= 0; n-- {
		exec = append(exec, c.read())
	}
	for {
		d := c.read()
		exec = append(exec, d)
		if d[0] == 0xff || d[0] == 0xfe && len(d) < 9 {
			return prep, exec
		}
	}
}

// wireLenenc reads a length-encoded integer: its value and size.
func wireLenenc(b []byte) (uint64, int) {
	switch b[0] {
	case 0xfc:
		return uint64(binary.LittleEndian.Uint16(b[1:])), 3
	case 0xfd:
		return uint64(b[1]) | uint64(b[2])<<8 | uint64(b[3])<<16, 4
	case 0xfe:
		return binary.LittleEndian.Uint64(b[1:]), 9
	}
	return uint64(b[0]), 1
}
