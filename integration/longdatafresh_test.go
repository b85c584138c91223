package integration

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// TestLongDataOnAFreshStatement: two sessions prepare the same statement;
// the first executes it with an integer parameter, the second sends its
// parameter as long data. On MariaDB the second session's statement is
// fresh and finds the row; through the proxy both ran on one pooled
// shard connection's cached statement, which MariaDB had typed by the
// first execute, and the second found nothing.
func TestLongDataOnAFreshStatement(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE litems (k INT PRIMARY KEY, s VARCHAR(20))",
		"INSERT INTO litems VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four')")
	const q = "SELECT k, s FROM litems WHERE k = ?"
	for _, side := range []struct {
		name          string
		first, second *wireConn
	}{
		{"proxy", dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0), dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)},
		{"MariaDB", dialWire(t, f.s0.Addr(), "root", "", "direct", 0), dialWire(t, f.s0.Addr(), "root", "", "direct", 0)},
	} {
		// The first session types the parameter MYSQL_TYPE_LONGLONG.
		typedExecute(t, side.first, wirePrepare(t, side.first, q), 0x08, binary.LittleEndian.AppendUint64(nil, 4))
		id := wirePrepare(t, side.second, q)
		side.second.seq = 0
		side.second.write(append(append([]byte{0x18}, id...), append(binary.LittleEndian.AppendUint16(nil, 0), '4')...))
		// MYSQL_TYPE_STRING, its value empty: the long data gives it.
		if got := typedExecute(t, side.second, id, 0xfe, []byte{0}); got != `"\x00\x00\x04\x00\x00\x00\x04four"` {
			t.Errorf("%s: long data on a second session's statement: %s, want the row (4, 'four')", side.name, got)
		}
	}
}

// wirePrepare prepares q and returns its statement id.
func wirePrepare(t *testing.T, c *wireConn, q string) []byte {
	t.Helper()
	ok := c.command(0x16, []byte(q))
	if ok[0] != 0 {
		t.Fatalf("PREPARE %s: %q", q, ok)
	}
	cols, params := binary.LittleEndian.Uint16(ok[5:]), binary.LittleEndian.Uint16(ok[7:])
	for _, n := range []uint16{params, cols} {
		for range min(n, 1) + n {
			c.read()
		}
	}
	return append([]byte(nil), ok[1:5]...)
}

// typedExecute executes statement id with one parameter of type typ and
// value val (its binary encoding), and describes the answer as
// longNullExecute does.
func typedExecute(t *testing.T, c *wireConn, id []byte, typ byte, val []byte) string {
	t.Helper()
	p := append(append([]byte{}, id...), 0, 1, 0, 0, 0)
	p = append(p, 0, 1, typ, 0)
	p = append(p, val...)
	r := c.command(0x17, p)
	switch r[0] {
	case 0x00:
		return "OK"
	case 0xff:
		return wireErr(r).errMsg
	}
	for n := int(r[0]); n >= 0; n-- {
		c.read()
	}
	var rows []string
	for {
		d := c.read()
		if d[0] == 0xff || d[0] == 0xfe && len(d) < 9 {
			if len(rows) == 0 {
				return "no rows"
			}
			return rows[0]
		}
		rows = append(rows, fmt.Sprintf("%q", d))
	}
}
