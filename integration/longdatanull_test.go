package integration

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// TestLongDataWithNullBit: a parameter sent with COM_STMT_SEND_LONG_DATA is
// that value even when the execute's NULL bitmap marks it (MariaDB's
// insert_params skips the bitmap for it). Over shards the proxy decodes the
// parameters itself, to route by the key and to write them into the
// statements it rewrites: it must do the same.
func TestLongDataWithNullBit(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE litems (k INT PRIMARY KEY, s VARCHAR(20))",
		"INSERT INTO litems VALUES (3, 'three'), (4, 'four')")
	proxy := dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)
	direct := dialWire(t, f.s0.Addr(), "root", "", "direct", 0)
	steps := []struct {
		q    string
		args []string
		long map[int]string // parameter: its long data, sent with the NULL bit set
	}{
		// Routed by the key the long data gives.
		{"SELECT k, s FROM litems WHERE k = ?", []string{""}, map[int]string{0: "3"}},
		// Split over both shards, the long data written into each part.
		{"INSERT INTO litems VALUES (?, ?), (?, ?)", []string{"5", "", "6", "x"}, map[int]string{1: "long five"}},
		{"SELECT k, s FROM litems ORDER BY k", nil, nil},
	}
	for i, st := range steps {
		got, want := longNullExecute(t, proxy, st.q, st.args, st.long), longNullExecute(t, direct, st.q, st.args, st.long)
		if got != want {
			t.Errorf("step %d, %s:\n  proxy:   %s\n  MariaDB: %s", i, st.q, got, want)
		}
	}
}

// longNullExecute prepares q and executes it with string parameters args,
// those in long sent as long data with their NULL bit set; it describes
// the answer: an OK's affected rows, an error, or the binary rows' bytes.
func longNullExecute(t *testing.T, c *wireConn, q string, args []string, long map[int]string) string {
	t.Helper()
	ok := c.command(0x16, []byte(q))
	if ok[0] != 0 {
		t.Fatalf("PREPARE %s: %q", q, ok)
	}
	id := ok[1:5]
	cols, params := binary.LittleEndian.Uint16(ok[5:]), binary.LittleEndian.Uint16(ok[7:])
	for _, n := range []uint16{params, cols} {
		for range min(n, 1) + n {
			c.read()
		}
	}
	bitmap := make([]byte, (len(args)+7)/8)
	for i := 0; i < len(args); i++ {
		if data, ok := long[i]; ok {
			c.seq = 0
			c.write(append(append([]byte{0x18}, id...), append(binary.LittleEndian.AppendUint16(nil, uint16(i)), data...)...))
			bitmap[i/8] |= 1 << (i % 8)
		}
	}
	p := append(append([]byte{}, id...), 0, 1, 0, 0, 0)
	p = append(p, bitmap...)
	p = append(p, 1)
	for range args {
		p = append(p, 0xfe, 0)
	}
	for i, a := range args {
		if _, ok := long[i]; !ok {
			p = append(append(p, byte(len(a))), a...)
		}
	}
	r := c.command(0x17, p)
	switch r[0] {
	case 0x00:
		n, _ := wireLenenc(r[1:])
		return fmt.Sprintf("OK affected %d", n)
	case 0xff:
		return wireErr(r).errMsg
	}
	for n := int(r[0]); n >= 0; n-- {
		c.read() // column definitions and their EOF
	}
	var rows []string
	for {
		d := c.read()
		if d[0] == 0xff || d[0] == 0xfe && len(d) < 9 {
			return strings.Join(rows, " | ")
		}
		rows = append(rows, fmt.Sprintf("%q", d))
	}
}
