package integration

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestStmtCursorRefused: COM_STMT_EXECUTE asking for a read-only cursor
// over a result set (JDBC useCursorFetch, mysql_stmt_attr_set CURSOR_TYPE)
// is refused with one error packet, before any row is sent, and the
// statement then runs without one; a statement without a result set runs
// with the flag as on MariaDB (which ignores it there).
func TestStmtCursorRefused(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))",
		"INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c')")
	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sel, err := c.Prepare("SELECT k, v FROM txitems ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	cursorExec := cat([]byte{comStmtExecute}, le32(sel.ID), []byte{1, 1, 0, 0, 0})
	answer := rawPackets(t, c, cursorExec)
	if len(answer) != 1 || answer[0][0] != gomysql.ERR_HEADER || !bytes.Contains(answer[0], []byte("#42000")) ||
		!bytes.Contains(answer[0], []byte("cursor")) || answer[0][1] != 0xd3 || answer[0][2] != 0x04 { // 1235
		t.Fatalf("execute with a cursor: %q, want one error 1235 (42000) naming the cursor", answer)
	}
	fetch := cat([]byte{0x1c}, le32(sel.ID), le32(2))
	if answer := rawPackets(t, c, fetch); len(answer) != 1 || !bytes.HasPrefix(answer[0], []byte("\xff\x8d\x05")) {
		t.Fatalf("fetch after the refused execute: %q, want 1421 (no open cursor)", answer)
	}
	r, err := sel.Execute()
	if err != nil || len(r.Values) != 3 {
		t.Fatalf("execute without a cursor after the refusal: %v, %v", r, err)
	}
	// An INSERT with the flag: the same OK packet as MariaDB's.
	direct, err := client.Connect(f.s0.Addr(), "root", "", "direct")
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	ins := func(c *client.Conn) string {
		st, err := c.Prepare("INSERT INTO txitems VALUES (4, 4, 'd'), (5, 5, 'e')")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%q", rawPackets(t, c, cat([]byte{comStmtExecute}, le32(st.ID), []byte{1, 1, 0, 0, 0})))
	}
	if got, want := ins(c), ins(direct); got != want {
		t.Errorf("INSERT executed with the cursor flag: proxy %s, MariaDB %s", got, want)
	}
}

// rawPackets sends one command packet and reads what comes back until the
// connection stays quiet for 1 s. The first packet may take longer (a
// two-shard XA commit under load): it is waited for up to 10 s.
func rawPackets(t *testing.T, c *client.Conn, pkt []byte) [][]byte {
	t.Helper()
	c.ResetSequence()
	if err := c.WritePacket(append([]byte{0, 0, 0, 0}, pkt...)); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		wait := time.Second
		if len(out) == 0 {
			wait = 10 * time.Second
		}
		_ = c.Conn.Conn.SetReadDeadline(time.Now().Add(wait))
		p, err := c.ReadPacket()
		if err != nil {
			break
		}
		out = append(out, p)
	}
	_ = c.Conn.Conn.SetReadDeadline(time.Time{})
	return out
}
