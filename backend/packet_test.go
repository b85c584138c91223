package backend

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/packet"
)

// fakeNetConn is a net.Conn that records what is written and reads from a
// prepared stream.
type fakeNetConn struct {
	net.Conn // nil: the methods below are all the code under test uses
	in       *bytes.Reader
	out      bytes.Buffer
}

func (f *fakeNetConn) Read(p []byte) (int, error)       { return f.in.Read(p) }
func (f *fakeNetConn) Write(p []byte) (int, error)      { return f.out.Write(p) }
func (f *fakeNetConn) Close() error                     { return nil }
func (f *fakeNetConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeNetConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeNetConn) SetWriteDeadline(time.Time) error { return nil }

// fakeBackend is a shard connection over nc, as dial leaves it.
func fakeBackend(nc *fakeNetConn) *Conn {
	return &Conn{
		c:       &client.Conn{Conn: packet.NewConn(nc)},
		shard:   "s0",
		stmts:   map[stmtKey]*Stmt{},
		scratch: make([]byte, 4, 64),
		rd:      bufio.NewReader(nc),
	}
}

// packets splits payload into protocol packets from sequence number seq, as
// the protocol says (written independently of go-mysql's writer).
func packets(seq byte, payload []byte) []byte {
	var out []byte
	for {
		n := min(len(payload), mysql.MaxPayloadLen)
		out = append(out, byte(n), byte(n>>8), byte(n>>16), seq)
		out = append(out, payload[:n]...)
		payload = payload[n:]
		seq++
		if n < mysql.MaxPayloadLen {
			return out
		}
	}
}

// packetHeader is one packet's length and sequence number.
type packetHeader struct {
	length int
	seq    byte
}

// headers lists the packets of a stream and joins their payloads.
func headers(t *testing.T, stream []byte) ([]packetHeader, []byte) {
	t.Helper()
	var hs []packetHeader
	var joined []byte
	for len(stream) > 0 {
		if len(stream) < 4 {
			t.Fatalf("%d stray bytes", len(stream))
		}
		n := int(stream[0]) | int(stream[1])<<8 | int(stream[2])<<16
		hs = append(hs, packetHeader{n, stream[3]})
		joined = append(joined, stream[4:4+n]...)
		stream = stream[4+n:]
	}
	return hs, joined
}

// sizes of command payloads around the 0xffffff split (the command byte
// counts: a payload of max-1 bytes makes a packet of exactly 0xffffff,
// which must be followed by an empty one).
var splitSizes = []struct {
	name    string
	payload int
	packets []int
}{
	{"small", 10, []int{11}},
	{"one byte short of a split", mysql.MaxPayloadLen - 2, []int{mysql.MaxPayloadLen - 1}},
	{"exactly 0xffffff: empty trailer", mysql.MaxPayloadLen - 1, []int{mysql.MaxPayloadLen, 0}},
	{"one byte over", mysql.MaxPayloadLen, []int{mysql.MaxPayloadLen, 1}},
	{"exactly twice: empty trailer", 2*mysql.MaxPayloadLen - 1, []int{mysql.MaxPayloadLen, mysql.MaxPayloadLen, 0}},
	{"20 MB", 20 << 20, []int{mysql.MaxPayloadLen, 20<<20 + 1 - mysql.MaxPayloadLen}},
}

func TestSendSplitsLargeCommands(t *testing.T) {
	for _, tt := range splitSizes {
		t.Run(tt.name, func(t *testing.T) {
			nc := newFake(nil)
			b := fakeBackend(nc)
			b.maxPacket = 1 << 30
			payload := bytes.Repeat([]byte("x"), tt.payload)
			if _, err := b.Send(context.Background(), mysql.COM_QUERY, payload); err != nil {
				t.Fatal(err)
			}
			hs, joined := headers(t, nc.out.Bytes())
			if len(hs) != len(tt.packets) {
				t.Fatalf("%d packets %v, want lengths %v", len(hs), hs, tt.packets)
			}
			for i, h := range hs {
				if h.length != tt.packets[i] || h.seq != byte(i) {
					t.Errorf("packet %d: length %d seq %d, want length %d seq %d", i, h.length, h.seq, tt.packets[i], i)
				}
			}
			if !bytes.Equal(joined, append([]byte{mysql.COM_QUERY}, payload...)) {
				t.Error("the joined packets are not the command")
			}
			// The answer continues the numbering.
			if int(b.c.Sequence) != len(hs) {
				t.Errorf("sequence after the command %d, want %d", b.c.Sequence, len(hs))
			}
		})
	}
}

func TestReadPacketJoinsLargeAnswers(t *testing.T) {
	for _, tt := range splitSizes {
		t.Run(tt.name, func(t *testing.T) {
			row := bytes.Repeat([]byte("r"), tt.payload+1)
			// The answer to a command of two packets starts at 2; a
			// small packet follows the big one.
			stream := packets(2, row)
			next := byte(2 + len(tt.packets))
			stream = append(stream, packets(next, []byte{mysql.EOF_HEADER, 0, 0, 2, 0})...)
			b := fakeBackend(newFake(stream))
			b.c.Sequence = 2
			got, err := b.readPacket(make([]byte, 4))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[4:], row) {
				t.Fatalf("joined %d bytes, want %d", len(got)-4, len(row))
			}
			if b.c.Sequence != next {
				t.Fatalf("sequence %d after the packet, want %d", b.c.Sequence, next)
			}
			if p, err := b.readPacket(nil); err != nil || p[0] != mysql.EOF_HEADER {
				t.Fatalf("next packet %q, %v", p, err)
			}
		})
	}
}

func TestReadPacketRefusesSequenceGaps(t *testing.T) {
	// A chunk numbered 3 where 2 was due: the stream is out of step.
	big := bytes.Repeat([]byte("r"), mysql.MaxPayloadLen+5)
	stream := packets(1, big)
	stream[4+mysql.MaxPayloadLen+3] = 3
	b := fakeBackend(newFake(stream))
	b.c.Sequence = 1
	if _, err := b.readPacket(nil); err == nil || !b.Broken() {
		t.Fatalf("ReadPacket: %v, broken %v; want an error and a broken connection", err, b.Broken())
	}
}

func TestRelayRowsLeavesLargeRowsToReadPacket(t *testing.T) {
	small := []byte{3, 'a', 'b', 'c'}
	big := append([]byte{0xfe}, make([]byte, 8+mysql.MaxPayloadLen)...)
	var stream []byte
	stream = append(stream, packets(3, small)...)
	stream = append(stream, packets(4, big)...) // two packets: 4, 5
	stream = append(stream, packets(6, small)...)
	stream = append(stream, packets(7, []byte{mysql.EOF_HEADER, 0, 0, 2, 0})...)
	b := fakeBackend(newFake(stream))
	b.c.Sequence = 3
	// Fill the reader's buffer as forwarding would have.
	_, _ = b.rd.Peek(1)
	var out bytes.Buffer
	clientSeq := byte(10)
	if n, err := b.relayRows(&out, &clientSeq); err != nil || n != 1 {
		t.Fatalf("RelayRows relayed %d, %v; want the small row", n, err)
	}
	if n, _ := b.relayRows(&out, &clientSeq); n != 0 {
		t.Fatalf("RelayRows relayed %d packets of the large row; want them left to ReadPacket", n)
	}
	p, err := b.readPacket(nil)
	if err != nil || !bytes.Equal(p, big) {
		t.Fatalf("ReadPacket: %d bytes, %v; want the large row whole", len(p), err)
	}
	if b.c.Sequence != 6 || clientSeq != 11 {
		t.Fatalf("sequences %d, %d; want 6 and 11", b.c.Sequence, clientSeq)
	}
}

func TestSendRefusesWhatTheShardWouldRefuse(t *testing.T) {
	const limit = 1 << 20
	tests := []struct {
		name    string
		cmd     byte
		payload int
		prefix  string
		refused bool
	}{
		{"under the limit", mysql.COM_QUERY, limit - 2, "", false},
		// MariaDB refuses a packet of max_allowed_packet bytes or more.
		{"exactly the limit", mysql.COM_QUERY, limit - 1, "", true},
		{"the prefix travels inside the query", mysql.COM_QUERY, limit - 10, "XA START 'x'", true},
		{"long data", mysql.COM_STMT_SEND_LONG_DATA, limit, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := newFake(nil)
			b := fakeBackend(nc)
			b.maxPacket = limit
			b.StartWith(tt.prefix)
			_, err := b.Send(context.Background(), tt.cmd, make([]byte, tt.payload))
			if !tt.refused {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			me, ok := ServerError(err)
			if !ok || me.Code != mysql.ER_NET_PACKET_TOO_LARGE || me.State != "08S01" {
				t.Fatalf("Send: %v; want 1153 (08S01)", err)
			}
			if nc.out.Len() != 0 || b.Broken() || b.prefix != tt.prefix {
				t.Fatalf("refused command: wrote %d bytes, broken %v, prefix %q; want nothing sent and the connection as it was", nc.out.Len(), b.Broken(), b.prefix)
			}
		})
	}
}

func TestSendAsksTheShardItsLimitOnce(t *testing.T) {
	// The answer to SELECT @@max_allowed_packet: a text result of one row.
	var answer []byte
	answer = append(answer, packets(1, []byte{1})...)
	answer = append(answer, packets(2, columnDef("@@max_allowed_packet"))...)
	answer = append(answer, packets(3, []byte{mysql.EOF_HEADER, 0, 0, 2, 0})...)
	answer = append(answer, packets(4, []byte{7, '1', '0', '4', '8', '5', '7', '6'})...)
	answer = append(answer, packets(5, []byte{mysql.EOF_HEADER, 0, 0, 2, 0})...)
	nc := newFake(answer)
	b := fakeBackend(nc)
	_, err := b.Send(context.Background(), mysql.COM_QUERY, make([]byte, 2<<20))
	if me, ok := ServerError(err); !ok || me.Code != mysql.ER_NET_PACKET_TOO_LARGE {
		t.Fatalf("Send: %v; want 1153", err)
	}
	if b.maxPacket != 1048576 {
		t.Fatalf("maxPacket %d, want 1048576", b.maxPacket)
	}
	_, sent := headers(t, nc.out.Bytes())
	if string(sent) != "\x03SELECT @@max_allowed_packet LIMIT 1" {
		t.Fatalf("sent %q; want only the question", sent)
	}
	// Known now: no second question.
	nc.out.Reset()
	if _, err := b.Send(context.Background(), mysql.COM_QUERY, make([]byte, 2<<20)); err == nil || nc.out.Len() != 0 {
		t.Fatalf("second Send: %v, %d bytes written", err, nc.out.Len())
	}
}

func newFake(stream []byte) *fakeNetConn { return &fakeNetConn{in: bytes.NewReader(stream)} }

// columnDef is a minimal protocol-4.1 column definition.
func columnDef(name string) []byte {
	var b []byte
	for _, s := range []string{"def", "", "", "", name, ""} {
		b = mysql.AppendLengthEncodedInteger(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, 0x0c, 0x21, 0, 0x15, 0, 0, 0, mysql.MYSQL_TYPE_LONGLONG, 0, 0, 0, 0, 0)
	return b
}
