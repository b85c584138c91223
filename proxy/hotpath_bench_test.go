package proxy

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/internal/fakeshard"
)

// The hottest path of the proxy: a point read relayed to the one shard of
// an unsharded schema (sysbench oltp_point_select), prepared and as a text
// query. The client writes raw command packets and reads the answer
// packets into one reused buffer, so that what the benchmark measures and
// allocates is the proxy's work (and the fake shard's, which is the same
// before and after a change to the proxy).

// hotSelect is the point read; ranged (fakeshard_test.go) is unsharded
// under oneShardConfig (plaintx_test.go): every table is on s0.
const hotSelect = "SELECT v FROM ranged WHERE id = "

// newHotEnv is a proxy over one fake shard that answers the point read
// with one row, and a client session connected to it.
func newHotEnv(b *testing.B) *client.Conn {
	b.Helper()
	e := newFakeEnvWith(b, oneShardConfig)
	e.shards["s0"].On(hotSelect, fakeshard.Rows([]string{"v"}, []any{"aaaaaaaaaa-bbbbbbbbbb-cccccccccc-dddddddddd-eeeeeeeeee-ffffffffff-gggggggggg-hhhhhhhhhh-iiiiiiiiii-jjjjjjjjjj"}))
	return e.connect(b)
}

// roundTrip writes one command packet and reads its answer to the end,
// failing on an error packet or anything but one result set of one row.
func roundTrip(b *testing.B, c *client.Conn, cmd []byte, buf []byte) []byte {
	c.ResetSequence()
	if err := c.WritePacket(cmd); err != nil {
		b.Fatal(err)
	}
	eofs, rows := 0, 0
	for eofs < 2 {
		p, err := c.ReadPacketReuseMem(buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		buf = p
		switch {
		case p[0] == mysql.ERR_HEADER:
			b.Fatalf("error packet: %q", p[3:])
		case p[0] == mysql.EOF_HEADER && len(p) < 9:
			eofs++
		case eofs == 1:
			rows++
		}
	}
	if rows != 1 {
		b.Fatalf("%d rows, want 1", rows)
	}
	return buf
}

func BenchmarkHotPointSelectPrepared(b *testing.B) {
	c := newHotEnv(b)
	st, err := c.Prepare(hotSelect + "?")
	if err != nil {
		b.Fatal(err)
	}
	// COM_STMT_EXECUTE: id, no cursor, one iteration, the NULL bitmap, the
	// types sent on every execute (as go-mysql does) and a BIGINT id.
	cmd := []byte{0, 0, 0, 0, mysql.COM_STMT_EXECUTE}
	cmd = binary.LittleEndian.AppendUint32(cmd, st.ID)
	cmd = append(cmd, 0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_LONGLONG, 0)
	at := len(cmd)
	cmd = binary.LittleEndian.AppendUint64(cmd, 0)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.LittleEndian.PutUint64(cmd[at:], uint64(i%100+1))
		buf = roundTrip(b, c, cmd, buf)
	}
}

func BenchmarkHotPointSelectText(b *testing.B) {
	c := newHotEnv(b)
	cmds := make([][]byte, 100)
	for i := range cmds {
		cmds[i] = append([]byte{0, 0, 0, 0, mysql.COM_QUERY}, fmt.Sprintf("%s%d", hotSelect, i+1)...)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = roundTrip(b, c, cmds[i%len(cmds)], buf)
	}
}

// BenchmarkHotPointSelectPreparedConstant: a prepared point read without
// parameters (JDBC's server-side statements, mysql2's execute of a
// constant query); each execution asks whether the statement is one the
// proxy answers from every shard's information_schema.
func BenchmarkHotPointSelectPreparedConstant(b *testing.B) {
	c := newHotEnv(b)
	st, err := c.Prepare(hotSelect + "7")
	if err != nil {
		b.Fatal(err)
	}
	cmd := []byte{0, 0, 0, 0, mysql.COM_STMT_EXECUTE}
	cmd = binary.LittleEndian.AppendUint32(cmd, st.ID)
	cmd = append(cmd, 0, 1, 0, 0, 0)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = roundTrip(b, c, cmd, buf)
	}
}
