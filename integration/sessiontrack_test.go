package integration

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/client"
	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// TestSessionTrackNotOffered: the proxy sends no session-state information
// (OK packets never carry SERVER_SESSION_STATE_CHANGED), so its greeting
// does not offer CLIENT_SESSION_TRACK; a client that asks for it anyway
// gets the OK packets of a session without it, the same as MariaDB's to
// a client that did not ask.
func TestSessionTrackNotOffered(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE txitems (k INT PRIMARY KEY, v INT, s VARCHAR(20))")
	if caps := greetingCaps(t, f.p.Addr()); caps&gomysql.CLIENT_SESSION_TRACK != 0 {
		t.Errorf("the proxy's greeting offers CLIENT_SESSION_TRACK (capabilities %#x)", caps)
	}
	tracking, err := client.Connect(f.p.Addr(), appUser, appPass, "shop", func(c *client.Conn) error {
		return c.SetCapability(gomysql.CLIENT_SESSION_TRACK)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tracking.Close()
	direct, err := client.Connect(f.s0.Addr(), "root", "", "direct", func(c *client.Conn) error {
		c.UnsetCapability(gomysql.CLIENT_SESSION_TRACK)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	for _, q := range []string{
		"SET time_zone = '+01:00'", "SET autocommit = 0", "INSERT INTO txitems VALUES (1, 1, 'a'), (2, 2, 'b')",
		"UPDATE txitems SET v = v + 1 WHERE k IN (1, 2)", "COMMIT", "SET autocommit = 1", "SET NAMES latin1",
		"SET SESSION session_track_state_change = ON", "SET @u = 1", "SET NAMES utf8mb4",
	} {
		if got, want := rawOKAnswer(t, tracking, q), rawOKAnswer(t, direct, q); got != want {
			t.Errorf("%s: through the proxy %s, on one server %s", q, got, want)
		}
	}
	if r, err := tracking.Execute("SELECT COUNT(*) FROM txitems"); err != nil || len(r.Values) != 1 {
		t.Errorf("a read after the OK packets: %v, %v", r, err)
	}
}

// greetingCaps reads the capability flags of the server's greeting at addr.
func greetingCaps(t *testing.T, addr string) uint32 {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var head [4]byte
	if _, err := io.ReadFull(nc, head[:]); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
	if _, err := io.ReadFull(nc, p); err != nil {
		t.Fatal(err)
	}
	// protocol version, server version and NUL, connection id (4),
	// scramble (8), filler (1), capabilities (2), charset (1), status (2),
	// upper capabilities (2)
	at := 1
	for at < len(p) && p[at] != 0 {
		at++
	}
	at += 1 + 4 + 8 + 1
	return uint32(binary.LittleEndian.Uint16(p[at:])) | uint32(binary.LittleEndian.Uint16(p[at+5:]))<<16
}
