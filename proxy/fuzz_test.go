package proxy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// FuzzSession drives a whole client connection from raw bytes: the bytes
// are what the client sends, from its handshake response on, to a real
// Session over fake shards. The session must answer or close, never
// panic: a panic the session recovers fails the run as much as one it
// does not. The seeds are real packets (fuzzSeeds), also committed under
// testdata/fuzz/FuzzSession (regenerate them with
// XAPROXY_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./proxy/).
//
//	go test -run XXX -fuzz FuzzSession -fuzztime 10m -parallel 1 ./proxy/
func FuzzSession(f *testing.F) {
	e := newFuzzEnv(f)
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if p := e.serve(in); p != "" {
			t.Fatalf("session panicked (recovered): %s", p)
		}
	})
}

// fuzzConfig is fakeConfig with fz, a user with an empty password, whose
// handshake response does not depend on the greeting's scramble, and sha,
// a caching_sha2_password user, whose full authentication (public key
// request, RSA-encrypted password) the fuzzer can reach.
var fuzzConfig = strings.Replace(fakeConfig, "users: [{name: app, password: app-pw}]",
	`users: [{name: app, password: app-pw}, {name: fz, password: ""}, {name: sha, password: pw, auth_plugin: caching_sha2_password}]`, 1)

// fuzzEnv is one server for all the inputs of a fuzzing process (its RSA
// key alone takes longer than many sessions).
type fuzzEnv struct {
	*fakeEnv
	mu     sync.Mutex
	panics []string
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	if !strings.Contains(fuzzConfig, "name: fz") {
		tb.Fatal("fuzzConfig: fakeConfig's users line changed; fz and sha were not added")
	}
	e := &fuzzEnv{fakeEnv: newFakeEnvWith(tb, fuzzConfig)}
	e.srv.changeUserPause = 0
	e.srv.onPanic = func(where string, r any, stack []byte) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.panics = append(e.panics, fmt.Sprintf("%s: %v\n%s", where, r, stack))
	}
	for _, f := range e.shards {
		f.On("SELECT", fakeshard.Rows([]string{"id", "v"}, []any{int64(1), "a"}))
		f.On("INSERT", fakeshard.Answer{Affected: 1})
		f.On("UPDATE", fakeshard.Answer{Affected: 1, Info: "Rows matched: 1  Changed: 1  Warnings: 0"})
		f.On("DELETE", fakeshard.Answer{Affected: 1})
	}
	return e
}

// serve runs one session on in and returns the panics it recovered.
func (e *fuzzEnv) serve(in []byte) string {
	return e.serveTo(in, nil)
}

// serveTo is serve keeping what the proxy answered in out.
func (e *fuzzEnv) serveTo(in []byte, out *bytes.Buffer) string {
	e.mu.Lock()
	e.panics = nil
	e.mu.Unlock()
	c := &scriptConn{in: in, out: out}
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.serveConn(e.ctx, c)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		return fmt.Sprintf("session still running 60s after its input ended (a hang); input %x", in)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.panics) > 0 {
		return e.panics[0]
	}
	return ""
}

// scriptConn is a client connection that sends in and then closes; what
// the proxy writes is discarded.
type scriptConn struct {
	in     []byte
	closed bool
	out    *bytes.Buffer // what the proxy wrote, when set
}

func (c *scriptConn) Read(p []byte) (int, error) {
	if c.closed || len(c.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *scriptConn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, net.ErrClosed
	}
	if c.out != nil {
		c.out.Write(p)
	}
	return len(p), nil
}

func (c *scriptConn) Close() error                     { c.closed = true; return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return fuzzAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return fuzzAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

type fuzzAddr struct{}

func (fuzzAddr) Network() string { return "fuzz" }
func (fuzzAddr) String() string  { return "fuzz:1" }

// framed frames payload with sequence number seq.
func framed(seq byte, payload ...[]byte) []byte {
	p := bytes.Join(payload, nil)
	return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...)
}

// fuzzHandshake is fz's handshake response: protocol 4.1, empty
// password, database shop, mysql_native_password, two attributes.
func fuzzHandshake() []byte {
	caps := uint32(mysql.CLIENT_LONG_PASSWORD | mysql.CLIENT_PROTOCOL_41 | mysql.CLIENT_SECURE_CONNECTION |
		mysql.CLIENT_PLUGIN_AUTH | mysql.CLIENT_CONNECT_ATTRS | mysql.CLIENT_CONNECT_WITH_DB | mysql.CLIENT_TRANSACTIONS |
		mysql.CLIENT_MULTI_STATEMENTS | mysql.CLIENT_MULTI_RESULTS | mysql.CLIENT_PS_MULTI_RESULTS | mysql.CLIENT_LOCAL_FILES |
		mysql.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 45)
	p = append(p, make([]byte, 23)...)
	p = append(p, "fz\x00\x00shop\x00mysql_native_password\x00"...)
	attrs := append(mysql.PutLengthEncodedString([]byte("_client_name")), mysql.PutLengthEncodedString([]byte("fuzz"))...)
	attrs = append(attrs, mysql.PutLengthEncodedString([]byte("_os"))...)
	attrs = append(attrs, mysql.PutLengthEncodedString([]byte("linux"))...)
	p = append(p, mysql.PutLengthEncodedString(attrs)...)
	return framed(1, p)
}

// command is a command packet (sequence 0).
func command(cmd byte, payload ...[]byte) []byte {
	return framed(0, append([][]byte{{cmd}}, payload...)...)
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }

// execute is COM_STMT_EXECUTE of statement id with parameters of types
// (type, flag pairs) and values, sending the types.
func execute(id uint32, bitmap, types, values []byte) []byte {
	return command(mysql.COM_STMT_EXECUTE, u32(id), []byte{0}, u32(1), bitmap, []byte{1}, types, values)
}

// fuzzSeeds are sessions of real packets: each command alone after the
// handshake, and one session with all of them.
func fuzzSeeds() [][]byte {
	one := func(tp byte, v []byte) []byte { return execute(1, []byte{0}, []byte{tp, 0}, v) }
	lenenc := func(s string) []byte { return mysql.PutLengthEncodedString([]byte(s)) }
	prepSelect := command(mysql.COM_STMT_PREPARE, []byte("SELECT * FROM ranged WHERE id = ?"))
	prepInsert := command(mysql.COM_STMT_PREPARE, []byte("INSERT INTO ranged (id, v) VALUES (?, ?)"))
	executes := [][]byte{
		one(mysql.MYSQL_TYPE_TINY, []byte{7}),
		one(mysql.MYSQL_TYPE_SHORT, u16(300)),
		one(mysql.MYSQL_TYPE_LONG, u32(150)),
		one(mysql.MYSQL_TYPE_INT24, u32(5)),
		one(mysql.MYSQL_TYPE_LONGLONG, binary.LittleEndian.AppendUint64(nil, 1<<40)),
		one(mysql.MYSQL_TYPE_FLOAT, u32(math.Float32bits(1.5))),
		one(mysql.MYSQL_TYPE_DOUBLE, binary.LittleEndian.AppendUint64(nil, math.Float64bits(2.5))),
		one(mysql.MYSQL_TYPE_VAR_STRING, lenenc("42")),
		one(mysql.MYSQL_TYPE_STRING, lenenc("it's")),
		one(mysql.MYSQL_TYPE_BLOB, lenenc("\x00\xff")),
		one(mysql.MYSQL_TYPE_NEWDECIMAL, lenenc("12.50")),
		one(mysql.MYSQL_TYPE_DATE, []byte{4, 0xe8, 0x07, 1, 2}),
		one(mysql.MYSQL_TYPE_DATETIME, []byte{11, 0xe8, 0x07, 1, 2, 3, 4, 5, 1, 0, 0, 0}),
		one(mysql.MYSQL_TYPE_TIMESTAMP, []byte{7, 0xe8, 0x07, 1, 2, 3, 4, 5}),
		one(mysql.MYSQL_TYPE_TIME, []byte{12, 1, 1, 0, 0, 0, 2, 3, 4, 9, 0, 0, 0}),
		one(mysql.MYSQL_TYPE_YEAR, u16(2024)),
		execute(1, []byte{1}, []byte{mysql.MYSQL_TYPE_LONG, 0}, nil),                             // NULL
		command(mysql.COM_STMT_EXECUTE, u32(1), []byte{0}, u32(1), []byte{0}, []byte{0}, u32(9)), // types from before
	}
	cmds := [][]byte{
		command(mysql.COM_PING),
		command(mysql.COM_QUERY, []byte("SELECT 1")),
		command(mysql.COM_QUERY, []byte("SELECT * FROM ranged WHERE id = 5")),
		command(mysql.COM_QUERY, []byte("INSERT INTO ranged (id, v) VALUES (1, 'a'), (200, 'b')")),
		command(mysql.COM_QUERY, []byte("BEGIN")),
		command(mysql.COM_QUERY, []byte("UPDATE ranged SET v = 'c' WHERE id = 200")),
		command(mysql.COM_QUERY, []byte("COMMIT")),
		command(mysql.COM_QUERY, []byte("SET autocommit = 0")),
		command(mysql.COM_QUERY, []byte("SELECT 1; SELECT 2")),
		command(mysql.COM_QUERY, []byte("SHOW WARNINGS")),
		command(mysql.COM_QUERY, []byte("LOAD DATA LOCAL INFILE 'f.csv' INTO TABLE ranged")),
		command(mysql.COM_INIT_DB, []byte("shop")),
		command(mysql.COM_FIELD_LIST, []byte("ranged\x00")),
		prepSelect,
		prepInsert,
		command(mysql.COM_STMT_SEND_LONG_DATA, u32(1), u16(0), []byte("long value")),
		command(mysql.COM_STMT_RESET, u32(1)),
		command(mysql.COM_STMT_FETCH, u32(1), u32(10)),
		command(mysql.COM_STMT_CLOSE, u32(1)),
		command(mysql.COM_RESET_CONNECTION),
		command(mysql.COM_CHANGE_USER, []byte("fz\x00\x00shop\x00"), u16(45), []byte("mysql_native_password\x00"), lenenc(string(lenenc("k"))+string(lenenc("v")))),
		command(mysql.COM_SET_OPTION, u16(1)),
		command(mysql.COM_SET_OPTION, u16(0)),
		command(mysql.COM_STATISTICS),
		command(mysql.COM_PROCESS_KILL, u32(99)),
		command(0x30),
	}
	hs := fuzzHandshake()
	var seeds [][]byte
	seeds = append(seeds, hs)
	for _, c := range cmds {
		seeds = append(seeds, bytes.Join([][]byte{hs, c}, nil))
	}
	for _, x := range executes {
		seeds = append(seeds, bytes.Join([][]byte{hs, prepSelect, x}, nil))
	}
	long := bytes.Join([][]byte{hs, prepSelect, prepInsert,
		command(mysql.COM_STMT_SEND_LONG_DATA, u32(2), u16(1), []byte("chunk one ")),
		command(mysql.COM_STMT_SEND_LONG_DATA, u32(2), u16(1), []byte("chunk two")),
		execute(2, []byte{0}, []byte{mysql.MYSQL_TYPE_LONG, 0, mysql.MYSQL_TYPE_BLOB, 0}, u32(7)),
	}, nil)
	seeds = append(seeds, long)
	all := [][]byte{hs}
	all = append(all, cmds[:len(cmds)-1]...)
	all = append(all, prepSelect)
	all = append(all, executes...)
	all = append(all, command(mysql.COM_QUIT))
	seeds = append(seeds, bytes.Join(all, nil))
	// caching_sha2_password: a scramble that cannot match, the request for
	// the public key, then an "encrypted" password.
	sha := binary.LittleEndian.AppendUint32(nil, mysql.CLIENT_PROTOCOL_41|mysql.CLIENT_SECURE_CONNECTION|mysql.CLIENT_PLUGIN_AUTH)
	sha = append(sha, make([]byte, 28)...)
	sha = append(sha, "sha\x00\x20"...)
	sha = append(sha, bytes.Repeat([]byte{9}, 32)...)
	sha = append(sha, "caching_sha2_password\x00"...)
	seeds = append(seeds, bytes.Join([][]byte{framed(1, sha), framed(3, []byte{2}), framed(5, bytes.Repeat([]byte{1}, 256))}, nil))
	// A client answering with mysql_native_password is switched to the
	// user's caching_sha2_password.
	switched := bytes.Replace(framed(1, sha), []byte("caching_sha2_password"), []byte("mysql_native_password"), 1)
	seeds = append(seeds, bytes.Join([][]byte{switched, framed(3, bytes.Repeat([]byte{9}, 32)), framed(5, []byte{2})}, nil))
	// Out of order: a ping with sequence number 3.
	seeds = append(seeds, bytes.Join([][]byte{hs, framed(3, []byte{mysql.COM_PING})}, nil))
	return seeds
}

// TestWriteFuzzSeeds writes fuzzSeeds to testdata/fuzz/FuzzSession when
// XAPROXY_WRITE_FUZZ_SEEDS is set (the committed corpus); otherwise it
// checks that every seed runs without a panic.
func TestWriteFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds()
	if os.Getenv("XAPROXY_WRITE_FUZZ_SEEDS") == "" {
		return
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzSession")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
