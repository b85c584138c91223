package integration

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	gmysql "github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// Protocol command bytes.
const (
	comQuit         = 0x01
	comInitDB       = 0x02
	comQuery        = 0x03
	comFieldList    = 0x04
	comProcessKill  = 0x0c
	comPing         = 0x0e
	comStmtPrepare  = 0x16
	comStmtExecute  = 0x17
	comStmtLongData = 0x18
	comStmtClose    = 0x19
	comStmtReset    = 0x1a
)

// frame prefixes a payload with a packet header.
func frame(seq byte, payload []byte) []byte {
	n := len(payload)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...)
}

// readRawPacket reads one packet from a raw connection.
func readRawPacket(c net.Conn) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	p := make([]byte, n)
	_, err := io.ReadFull(c, p)
	return p, err
}

// handshakeResponse builds a HandshakeResponse41 payload: capabilities,
// max packet size, charset, 23 filler bytes, then rest as given.
func handshakeResponse(caps uint32, rest ...[]byte) []byte {
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 45)
	p = append(p, make([]byte, 23)...)
	for _, r := range rest {
		p = append(p, r...)
	}
	return p
}

func cstr(s string) []byte { return append([]byte(s), 0) }

// Garbage where the handshake response belongs: the proxy drops the
// connection (or answers with an error) and survives. Each case gets its
// own proxy, so that one that crashes it is pinned down.
func TestMalformedHandshake(t *testing.T) {
	t.Parallel()
	s0 := env.StartMariaDB(t, "s0")
	s0.CreateDatabase(t, "shop", "crm")
	cfg := harness.ProxyConfig{
		Shards:  []harness.ShardSpec{{Name: "s0", DSN: s0.DSN("")}},
		Schemas: schemasYAML,
		Users:   map[string]string{appUser: appPass},
	}
	const (
		base    = gmysql.CLIENT_PROTOCOL_41 | gmysql.CLIENT_SECURE_CONNECTION
		plugin  = gmysql.CLIENT_PLUGIN_AUTH
		lenenc  = gmysql.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
		attrs   = gmysql.CLIENT_CONNECT_ATTRS
		withDB  = gmysql.CLIENT_CONNECT_WITH_DB
		useSSL  = gmysql.CLIENT_SSL
		ff8     = "\xff\xff\xff\xff\xff\xff\xff\xff"
		native  = "mysql_native_password"
		noAuth  = "\x00" // auth response of length 0
		maxWait = 15 * time.Second
	)
	tests := []struct {
		name string
		// raw bytes sent after the greeting (already framed when framed is
		// false); nil sends nothing and closes at once.
		payload []byte
		framed  bool
		// closeAfter closes the client side right after sending.
		closeAfter bool
	}{
		{name: "three garbage bytes", payload: []byte{0xde, 0xad, 0xbe}, framed: true},
		{name: "200 bytes of 0xff", payload: bytes.Repeat([]byte{0xff}, 200), framed: true},
		{name: "empty packet", payload: []byte{}, framed: true},
		{name: "no CLIENT_PROTOCOL_41", payload: handshakeResponse(0, cstr(appUser), []byte(noAuth)), framed: true},
		{name: "SSL request without SSL", payload: handshakeResponse(base | useSSL), framed: true},
		{name: "user name without NUL", payload: handshakeResponse(base, []byte(appUser)), framed: true},
		{name: "auth length beyond packet", payload: handshakeResponse(base, cstr(appUser), []byte{0xff, 1, 2, 3}), framed: true},
		{name: "lenenc auth length truncated", payload: handshakeResponse(base|lenenc, cstr(appUser), []byte{0xfc}), framed: true},
		{name: "lenenc auth length huge", payload: handshakeResponse(base|lenenc, cstr(appUser), []byte("\xfe"+ff8)), framed: true},
		{name: "database without NUL", payload: handshakeResponse(base|withDB, cstr(appUser), []byte(noAuth), []byte("shop")), framed: true},
		{name: "plugin name without NUL", payload: handshakeResponse(base|plugin, cstr(appUser), []byte(noAuth), []byte(native)), framed: true},
		{name: "unknown plugin", payload: handshakeResponse(base|plugin, cstr(appUser), []byte(noAuth), cstr("no_such_plugin")), framed: true},
		{name: "connect attributes length truncated", payload: handshakeResponse(base|plugin|attrs, cstr(appUser), []byte(noAuth), cstr(native), []byte{0xfc}), framed: true},
		{name: "connect attribute string length huge", payload: handshakeResponse(base|plugin|attrs, cstr(appUser), []byte(noAuth), cstr(native), []byte("\x0a\xfe"+ff8+"x")), framed: true},
		{name: "unframed HTTP request", payload: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{name: "16 MB header then close", payload: append([]byte{0xff, 0xff, 0xff, 1}, bytes.Repeat([]byte{'x'}, 1000)...), closeAfter: true},
		{name: "close before answering the greeting", payload: nil, closeAfter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := env.StartProxy(t, cfg)
			c, err := net.DialTimeout("tcp", p.Addr(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(maxWait))
			greeting, err := readRawPacket(c)
			if err != nil || len(greeting) == 0 || greeting[0] != 10 {
				t.Fatalf("greeting: %v %q", err, greeting)
			}
			out := tt.payload
			if tt.framed {
				out = frame(1, tt.payload)
			}
			if len(out) > 0 {
				if _, err := c.Write(out); err != nil {
					t.Fatalf("write: %v", err)
				}
			}
			if tt.closeAfter {
				c.Close()
			} else {
				// The proxy must answer with an error packet and/or close
				// the connection, within its 10 s handshake deadline.
				start := time.Now()
				var got []byte
				for {
					pkt, err := readRawPacket(c)
					if err != nil {
						var ne net.Error
						if errors.As(err, &ne) && ne.Timeout() {
							t.Fatalf("connection still open %s after the malformed handshake (got %d packets back)", time.Since(start).Round(time.Millisecond), len(got))
						}
						break // closed
					}
					if len(pkt) > 0 {
						got = append(got, pkt[0])
						if pkt[0] == 0xff {
							t.Logf("error packet: %d %q", binary.LittleEndian.Uint16(pkt[1:]), pkt[3:])
						}
					}
					if len(got) > 10 {
						t.Fatalf("proxy keeps talking: packet types %x", got)
					}
				}
				t.Logf("closed after %s; packets received: %x", time.Since(start).Round(time.Millisecond), got)
				for _, b := range got {
					if b == 0x00 {
						t.Fatalf("malformed handshake was answered with OK")
					}
				}
			}
			time.Sleep(100 * time.Millisecond)
			assertProxyServes(t, p)
		})
	}
}

func assertProxyServes(t *testing.T, p *harness.Proxy) {
	t.Helper()
	if !p.Running() {
		out := p.Output()
		if i := strings.Index(out, "panic:"); i >= 0 {
			out = out[i:]
			if len(out) > 3000 {
				out = out[:3000]
			}
		}
		t.Fatalf("the proxy died (%v):\n%s", p.ExitState(), out)
	}
	c, err := gomysql.ConnectWithTimeout(p.Addr(), appUser, appPass, "shop", 5*time.Second)
	if err != nil {
		t.Fatalf("a well-behaved client cannot log in any more: %v", err)
	}
	defer c.Close()
	r, err := c.Execute("SELECT 1")
	if err != nil {
		t.Fatalf("a well-behaved client cannot query any more: %v", err)
	}
	if v, _ := r.GetInt(0, 0); v != 1 {
		t.Fatalf("SELECT 1 = %d", v)
	}
}

// rawSession is a logged-in go-mysql connection driven packet by packet.
type rawSession struct {
	t *testing.T
	c *gomysql.Conn
}

func (r rawSession) send(payload []byte) {
	r.t.Helper()
	r.c.ResetSequence()
	if err := r.c.WritePacket(append([]byte{0, 0, 0, 0}, payload...)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r rawSession) read() []byte {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer r.c.SetReadDeadline(time.Time{})
	p, err := r.c.ReadPacket()
	if err != nil {
		r.t.Fatalf("read response: %v", err)
	}
	if len(p) == 0 {
		r.t.Fatal("empty response packet")
	}
	return p
}

// ping checks the connection answers COM_PING and a query, in step.
func (r rawSession) ping() {
	r.t.Helper()
	r.send([]byte{comPing})
	if p := r.read(); p[0] != 0x00 {
		r.t.Fatalf("COM_PING answered with %x (%q), want OK", p[0], p)
	}
	res, err := r.c.Execute("SELECT 1")
	if err != nil {
		r.t.Fatalf("SELECT 1: %v", err)
	}
	if v, _ := res.GetInt(0, 0); v != 1 {
		r.t.Fatalf("SELECT 1 = %d", v)
	}
}

// prepare sends COM_STMT_PREPARE and returns the statement id.
func (r rawSession) prepare(query string) uint32 {
	r.t.Helper()
	r.send(append([]byte{comStmtPrepare}, query...))
	p := r.read()
	if p[0] != 0x00 || len(p) < 12 {
		r.t.Fatalf("COM_STMT_PREPARE %q: %x %q", query, p[0], p)
	}
	id := binary.LittleEndian.Uint32(p[1:])
	cols := int(binary.LittleEndian.Uint16(p[5:]))
	params := int(binary.LittleEndian.Uint16(p[7:]))
	for _, n := range []int{params, cols} {
		if n == 0 {
			continue
		}
		for i := 0; i < n; i++ {
			r.read()
		}
		if e := r.read(); e[0] != 0xfe {
			r.t.Fatalf("no EOF after definitions: %x", e[0])
		}
	}
	return id
}

// drain reads the rest of a response that started with first: nothing for
// OK and ERR, else a result set up to its final EOF.
func (r rawSession) drain(first []byte) {
	r.t.Helper()
	if first[0] == 0x00 || first[0] == 0xff {
		return
	}
	for eofs := 0; eofs < 2; {
		p := r.read()
		switch {
		case p[0] == 0xfe && len(p) < 9:
			eofs++
		case p[0] == 0xff:
			return
		}
	}
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// execHead is a COM_STMT_EXECUTE up to the iteration count.
func execHead(id uint32) []byte {
	return cat([]byte{comStmtExecute}, le32(id), []byte{0, 1, 0, 0, 0})
}

// After login: malformed and unknown commands get error packets (or, for
// commands without a response, nothing), and the same connection keeps
// working. Each case runs on its own connection, with a statement
// "SELECT ?, ?" prepared, so that a case that desynchronises the protocol
// does not take the others down.
func TestMalformedCommands(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	mustExec(t, f.shard(t, "shop"), "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))")

	longlong := []byte{byte(gmysql.MYSQL_TYPE_LONGLONG), 0}
	varString := []byte{byte(gmysql.MYSQL_TYPE_VAR_STRING), 0}
	fixed := func(b []byte) func(uint32) []byte { return func(uint32) []byte { return b } }

	const noResponse = 0
	const anyError = 1
	const anyReply = 2 // whatever the shard makes of it, forwarded
	tests := []struct {
		name    string
		payload func(stmt uint32) []byte
		// want: an error code; anyError for an error packet with any code;
		// noResponse for commands the protocol does not answer; anyReply
		// for any complete response.
		want uint16
	}{
		{"COM_STMT_EXECUTE, command byte only", fixed([]byte{comStmtExecute}), gmysql.ER_MALFORMED_PACKET},
		{"COM_STMT_EXECUTE, 3-byte payload", fixed([]byte{comStmtExecute, 1, 0, 0}), gmysql.ER_MALFORMED_PACKET},
		{"COM_STMT_EXECUTE, 8-byte payload", func(id uint32) []byte { return cat([]byte{comStmtExecute}, le32(id), []byte{0, 1, 0, 0}) }, gmysql.ER_MALFORMED_PACKET},
		{"COM_STMT_EXECUTE, unknown statement id", fixed(execHead(0xdeadbeef)), gmysql.ER_UNKNOWN_STMT_HANDLER},
		// MariaDB 10.11 answers these two with 1210 (Incorrect arguments to
		// mysqld_stmt_execute), checked with raw packets.
		{"COM_STMT_EXECUTE, no NULL bitmap", execHead, gmysql.ER_WRONG_ARGUMENTS},
		{"COM_STMT_EXECUTE, types never sent", func(id uint32) []byte { return cat(execHead(id), []byte{0, 0}) }, gmysql.ER_WRONG_ARGUMENTS},
		{"COM_STMT_EXECUTE, truncated types", func(id uint32) []byte { return cat(execHead(id), []byte{0, 1}, longlong) }, gmysql.ER_MALFORMED_PACKET},
		{"COM_STMT_EXECUTE, values missing", func(id uint32) []byte { return cat(execHead(id), []byte{0, 1}, longlong, longlong) }, anyError},
		{"COM_STMT_EXECUTE, value truncated", func(id uint32) []byte {
			return cat(execHead(id), []byte{0, 1}, longlong, longlong, []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0})
		}, anyError},
		{"COM_STMT_EXECUTE, string length beyond packet", func(id uint32) []byte {
			return cat(execHead(id), []byte{0, 1}, varString, varString, []byte{0xfc, 0xff, 0xff, 'a'})
		}, anyReply},
		{"unknown command 0x55", fixed([]byte{0x55}), gmysql.ER_UNKNOWN_COM_ERROR},
		{"unknown command 0x55 with payload", fixed([]byte{0x55, 1, 2, 3, 4}), gmysql.ER_UNKNOWN_COM_ERROR},
		{"unknown command 0xff", fixed([]byte{0xff}), gmysql.ER_UNKNOWN_COM_ERROR},
		{"COM_CHANGE_USER", fixed([]byte{0x11, 'x', 0}), gmysql.ER_UNKNOWN_COM_ERROR},
		{"empty command packet", fixed([]byte{}), gmysql.ER_MALFORMED_PACKET},
		{"COM_PROCESS_KILL without id", fixed([]byte{comProcessKill, 1}), gmysql.ER_MALFORMED_PACKET},
		{"COM_PROCESS_KILL unknown id", fixed(cat([]byte{comProcessKill}, le32(999999))), gmysql.ER_NO_SUCH_THREAD},
		{"COM_STMT_RESET without id", fixed([]byte{comStmtReset, 1}), gmysql.ER_MALFORMED_PACKET},
		{"COM_STMT_RESET unknown id", fixed(cat([]byte{comStmtReset}, le32(0xdeadbeef))), gmysql.ER_UNKNOWN_STMT_HANDLER},
		{"COM_STMT_CLOSE unknown id", fixed(cat([]byte{comStmtClose}, le32(0xdeadbeef))), noResponse},
		{"COM_STMT_CLOSE short", fixed([]byte{comStmtClose, 1}), noResponse},
		{"COM_STMT_SEND_LONG_DATA short", fixed([]byte{comStmtLongData, 1}), noResponse},
		{"COM_STMT_SEND_LONG_DATA unknown id", fixed(cat([]byte{comStmtLongData}, le32(0xdeadbeef), []byte{0, 0, 'x'})), noResponse},
		{"COM_STMT_SEND_LONG_DATA bad param", func(id uint32) []byte { return cat([]byte{comStmtLongData}, le32(id), []byte{9, 0, 'x'}) }, noResponse},
		{"COM_STMT_PREPARE empty", fixed([]byte{comStmtPrepare}), gmysql.ER_EMPTY_QUERY},
		{"COM_STMT_PREPARE XA", fixed(append([]byte{comStmtPrepare}, "XA RECOVER"...)), gmysql.ER_NOT_SUPPORTED_YET},
		{"COM_QUERY empty", fixed([]byte{comQuery}), gmysql.ER_EMPTY_QUERY},
		{"COM_QUERY NUL bytes", fixed(append([]byte{comQuery}, "SELECT 1\x00\x00"...)), anyReply},
		{"COM_INIT_DB unknown", fixed(append([]byte{comInitDB}, "nosuch"...)), gmysql.ER_BAD_DB_ERROR},
		{"COM_INIT_DB empty", fixed([]byte{comInitDB}), anyError},
		{"COM_FIELD_LIST unknown table", fixed(append([]byte{comFieldList}, "nosuch\x00"...)), gmysql.ER_NO_SUCH_TABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawSession{t, f.rawClient(t, appUser, appPass, "shop")}
			stmt := r.prepare("SELECT ?, ?")
			r.send(tt.payload(stmt))
			switch tt.want {
			case noResponse:
			case anyReply:
				p := r.read()
				t.Logf("answered with packet type %x", p[0])
				r.drain(p)
			default:
				p := r.read()
				if p[0] != 0xff {
					t.Fatalf("answered with packet type %x (%q), want an error packet", p[0], p)
				}
				if len(p) < 3 {
					t.Fatalf("short error packet %x", p)
				}
				code := binary.LittleEndian.Uint16(p[1:])
				t.Logf("error %d: %q", code, p[3:])
				if tt.want != anyError && code != tt.want {
					t.Fatalf("error %d (%q), want %d", code, p[3:], tt.want)
				}
			}
			r.ping()
			// The prepared statement still executes correctly.
			r.send(cat(execHead(stmt), []byte{0, 1}, longlong, longlong, le32(7), le32(0), le32(8), le32(0)))
			p := r.read()
			if p[0] != 2 {
				t.Fatalf("well-formed execute afterwards: first packet %x (%q), want column count 2", p[0], p)
			}
			for i := 0; i < 3; i++ { // 2 column definitions, EOF
				r.read()
			}
			row := r.read()
			// Binary row: 0x00, NULL bitmap (1 byte for 2 columns), two int64.
			if len(row) != 1+1+16 || row[0] != 0 {
				t.Fatalf("row %x", row)
			}
			if a, b := binary.LittleEndian.Uint64(row[2:]), binary.LittleEndian.Uint64(row[10:]); a != 7 || b != 8 {
				t.Fatalf("row = %d, %d; want 7, 8", a, b)
			}
			if e := r.read(); e[0] != 0xfe {
				t.Fatalf("no EOF after the row: %x", e)
			}
			r.ping()
		})
	}

	// A packet header announcing 16 MB, then the client disappears.
	t.Run("16 MB header then close", func(t *testing.T) {
		c := f.rawClient(t, appUser, appPass, "shop")
		raw := c.Conn.Conn // the net.Conn under go-mysql's packet layer
		if _, err := raw.Write(append([]byte{0xff, 0xff, 0xff, 0, comQuery}, bytes.Repeat([]byte{' '}, 64<<10)...)); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		time.Sleep(100 * time.Millisecond)
		rawSession{t, f.rawClient(t, appUser, appPass, "shop")}.ping()
	})

	t.Run("COM_QUIT", func(t *testing.T) {
		c := f.rawClient(t, appUser, appPass, "shop")
		c.ResetSequence()
		if err := c.WritePacket([]byte{0, 0, 0, 0, comQuit}); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.ReadPacket(); err == nil {
			t.Fatal("the proxy answered COM_QUIT instead of closing")
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("connection still open 5 s after COM_QUIT")
		}
	})

	f.assertAlive(t)
	assertProxyServes(t, f.p)
}
