package proxy

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// answers splits what the proxy wrote into packets (sequence number and
// payload).
type answer struct {
	seq     byte
	payload []byte
}

func answers(b []byte) []answer {
	var out []answer
	for len(b) >= 4 {
		n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
		if len(b) < 4+n {
			break
		}
		out = append(out, answer{b[3], b[4 : 4+n]})
		b = b[4+n:]
	}
	return out
}

func answerCode(a answer) uint16 {
	if len(a.payload) < 3 || a.payload[0] != mysql.ERR_HEADER {
		return 0
	}
	return binary.LittleEndian.Uint16(a.payload[1:])
}

// TestMalformedPackets sends each malformed command after fz's login and
// a COM_PING after it: the command gets MariaDB's error (checked against
// mariadbd 10.11 with the same raw packets), and the ping an OK where
// MariaDB keeps the connection, nothing where it closes it.
func TestMalformedPackets(t *testing.T) {
	e := newFuzzEnv(t)
	prepare := command(mysql.COM_STMT_PREPARE, []byte("SELECT * FROM ranged WHERE id = ?"))
	str := []byte{mysql.MYSQL_TYPE_VAR_STRING, 0}
	tests := []struct {
		name   string
		pkts   [][]byte
		code   uint16
		closes bool
	}{
		{"execute shorter than 9 bytes", [][]byte{prepare, command(mysql.COM_STMT_EXECUTE, u32(1))}, mysql.ER_MALFORMED_PACKET, false},
		{"execute unknown statement", [][]byte{command(mysql.COM_STMT_EXECUTE, u32(9), []byte{0}, u32(1))}, mysql.ER_UNKNOWN_STMT_HANDLER, false},
		{"execute without NULL bitmap", [][]byte{prepare, command(mysql.COM_STMT_EXECUTE, u32(1), []byte{0}, u32(1))}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute with truncated types", [][]byte{prepare, command(mysql.COM_STMT_EXECUTE, u32(1), []byte{0}, u32(1), []byte{0, 1, 0xfd})}, mysql.ER_MALFORMED_PACKET, false},
		{"execute, types never sent", [][]byte{prepare, command(mysql.COM_STMT_EXECUTE, u32(1), []byte{0}, u32(1), []byte{0, 0}, u32(5))}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute truncated string", [][]byte{prepare, execute(1, []byte{0}, str, []byte{5, 'a'})}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute huge string length", [][]byte{prepare, execute(1, []byte{0}, str, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'})}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute truncated length", [][]byte{prepare, execute(1, []byte{0}, str, []byte{0xfc, 1})}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute no value", [][]byte{prepare, execute(1, []byte{0}, str, nil)}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute truncated int", [][]byte{prepare, execute(1, []byte{0}, []byte{mysql.MYSQL_TYPE_LONG, 0}, []byte{1, 2})}, mysql.ER_WRONG_ARGUMENTS, false},
		{"execute bad datetime length", [][]byte{prepare, execute(1, []byte{0}, []byte{mysql.MYSQL_TYPE_DATETIME, 0}, []byte{5, 1, 2, 3, 4, 5})}, mysql.ER_WRONG_ARGUMENTS, false},
		{"fetch shorter than 8 bytes", [][]byte{prepare, command(mysql.COM_STMT_FETCH, u32(1))}, mysql.ER_MALFORMED_PACKET, false},
		{"fetch unknown statement", [][]byte{command(mysql.COM_STMT_FETCH, u32(9), u32(1))}, mysql.ER_UNKNOWN_STMT_HANDLER, false},
		{"fetch without cursor", [][]byte{prepare, command(mysql.COM_STMT_FETCH, u32(1), u32(1))}, mysql.ER_STMT_HAS_NO_OPEN_CURSOR, false},
		{"reset without id", [][]byte{command(mysql.COM_STMT_RESET, []byte{1})}, mysql.ER_MALFORMED_PACKET, false},
		{"set option out of range", [][]byte{command(mysql.COM_SET_OPTION, u16(7))}, mysql.ER_UNKNOWN_COM_ERROR, false},
		{"unknown command", [][]byte{command(0x30)}, mysql.ER_UNKNOWN_COM_ERROR, false},
		{"empty packet", [][]byte{framed(0)}, mysql.ER_MALFORMED_PACKET, false},
		{"kill without id", [][]byte{command(mysql.COM_PROCESS_KILL, []byte{1})}, mysql.ER_MALFORMED_PACKET, false},
		{"change user with truncated attribute length", [][]byte{command(mysql.COM_CHANGE_USER, []byte("fz\x00\x00shop\x00"), u16(45), []byte("mysql_native_password\x00\xfc\x01"))}, mysql.ER_UNKNOWN_COM_ERROR, false},
		{"change user with huge attribute length", [][]byte{command(mysql.COM_CHANGE_USER, []byte("fz\x00\x00shop\x00"), u16(45), []byte("mysql_native_password\x00\xfe\xff\xff\xff\xff\xff\xff\xff\xff"))}, mysql.ER_UNKNOWN_COM_ERROR, false},
		{"change user with auth past the end", [][]byte{command(mysql.COM_CHANGE_USER, []byte("fz\x00\x14ab"))}, mysql.ER_UNKNOWN_COM_ERROR, false},
		{"ping out of order", [][]byte{framed(3, []byte{mysql.COM_PING})}, mysql.ER_NET_PACKETS_OUT_OF_ORDER, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bytes.Join(append(append([][]byte{fuzzHandshake()}, tt.pkts...), command(mysql.COM_PING)), nil)
			var out bytes.Buffer
			if p := e.serveTo(in, &out); p != "" {
				t.Fatalf("panic: %s", p)
			}
			as := answers(out.Bytes())
			var last, ping answer
			switch {
			case tt.closes && len(as) >= 1:
				last = as[len(as)-1]
			case !tt.closes && len(as) >= 2:
				last, ping = as[len(as)-2], as[len(as)-1]
			default:
				t.Fatalf("%d answers", len(as))
			}
			if got := answerCode(last); got != tt.code {
				t.Fatalf("answer %q: error %d, want %d", last.payload, got, tt.code)
			}
			if tt.closes {
				if last.seq != 0 {
					t.Errorf("error with sequence number %d, want 0 as MariaDB", last.seq)
				}
				return
			}
			if len(ping.payload) == 0 || ping.payload[0] != mysql.OK_HEADER {
				t.Errorf("ping after it answered %q, want OK: the connection must stay usable", ping.payload)
			}
		})
	}
}

// TestMalformedHandshake: a handshake response that does not hold
// together gets MariaDB's 1043 Bad handshake (sequence number 2), before
// go-mysql parses it, and the connection ends.
func TestMalformedHandshake(t *testing.T) {
	e := newFuzzEnv(t)
	caps := binary.LittleEndian.AppendUint32(nil, mysql.CLIENT_PROTOCOL_41|mysql.CLIENT_SECURE_CONNECTION|mysql.CLIENT_PLUGIN_AUTH|mysql.CLIENT_CONNECT_ATTRS)
	fixed := append(caps, make([]byte, 28)...)
	base := append(append([]byte{}, fixed...), "fz\x00\x00mysql_native_password\x00"...)
	lenencAuth := binary.LittleEndian.AppendUint32(nil, mysql.CLIENT_PROTOCOL_41|mysql.CLIENT_SECURE_CONNECTION|mysql.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"shorter than its fixed part", fixed[:10]},
		{"empty", nil},
		{"user without NUL", append(append([]byte{}, fixed...), "fz"...)},
		{"auth past the end", append(append([]byte{}, fixed...), "fz\x00\x14ab"...)},
		{"lenenc auth past the end", append(append(lenencAuth, make([]byte, 28)...), "fz\x00\xfc\x01"...)},
		{"attribute length truncated", append(append([]byte{}, base...), 0xfc, 1)},
		{"attribute length huge", append(append([]byte{}, base...), 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1)},
		{"attribute pair truncated", append(append([]byte{}, base...), 3, 1, 'k', 5)},
		{"bytes after the attributes truncated", append(append([]byte{}, base...), 0, 0xfd, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if p := e.serveTo(framed(1, tc.payload), &out); p != "" {
				t.Fatalf("panic: %s", p)
			}
			as := answers(out.Bytes())
			if len(as) != 2 {
				t.Fatalf("%d packets, want the greeting and an error", len(as))
			}
			if got := answerCode(as[1]); got != mysql.ER_HANDSHAKE_ERROR || as[1].seq != 2 {
				t.Errorf("answer %q (sequence %d), want 1043 with sequence 2", as[1].payload, as[1].seq)
			}
		})
	}
}

// TestEmptyPasswordWrongScramble: a non-empty answer for a user whose
// password is empty is a wrong password, 1045 as from MariaDB (go-mysql
// panicked on it: FuzzSession's first find).
func TestEmptyPasswordWrongScramble(t *testing.T) {
	e := newFuzzEnv(t)
	caps := binary.LittleEndian.AppendUint32(nil, mysql.CLIENT_PROTOCOL_41|mysql.CLIENT_SECURE_CONNECTION|mysql.CLIENT_PLUGIN_AUTH)
	p := append(caps, make([]byte, 28)...)
	p = append(p, "fz\x00\x14"...)
	p = append(p, bytes.Repeat([]byte{7}, 20)...)
	p = append(p, "mysql_native_password\x00"...)
	var out bytes.Buffer
	if pn := e.serveTo(framed(1, p), &out); pn != "" {
		t.Fatalf("panic: %s", pn)
	}
	as := answers(out.Bytes())
	if len(as) != 2 || answerCode(as[1]) != mysql.ER_ACCESS_DENIED_ERROR {
		t.Fatalf("answers %q, want the greeting and 1045", as)
	}
}
