package backend

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// writeCounter counts the writes that reach a socket.
type writeCounter struct {
	net.Conn
	n *atomic.Int32
}

func (w writeCounter) Write(p []byte) (int, error) {
	w.n.Add(1)
	return w.Conn.Write(p)
}

// TestSendReadOnlyPipelinesTheStart runs a binary execute that opens an XA
// branch against a real MariaDB: the start travels right before it, in the
// same write, and when the start fails the execute's rows are drained, not
// taken for the answer to the next command.
func TestSendReadOnlyPipelinesTheStart(t *testing.T) {
	m := harness.StartMariaDB(t, "pipeline")
	m.Exec(t, "CREATE DATABASE p", "CREATE TABLE p.t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO p.t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
	ctx := context.Background()
	var writes atomic.Int32
	dial := DialFunc(func(ctx context.Context, t Target) (net.Conn, error) {
		nc, err := NetDialer{Timeout: 10 * time.Second}.Dial(ctx, t)
		if err != nil {
			return nil, err
		}
		return writeCounter{Conn: nc, n: &writes}, nil
	})
	pool := NewPool(Target{Shard: "s0", Addr: m.Addr(), User: "root"}, PoolConfig{MaxOpen: 4, MaxIdle: 4, Dialer: dial})
	t.Cleanup(pool.Close)

	c, err := pool.AcquireDB(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Release(c)
	if err := c.UseDB(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Prepare(ctx, "SELECT v FROM t WHERE id >= ? ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	execute := func(from int64) []byte {
		msg := binary.LittleEndian.AppendUint32(nil, st.ID)
		msg = append(msg, 0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_LONGLONG, 0)
		return binary.LittleEndian.AppendUint64(msg, uint64(from))
	}
	// rows reads a binary result set and counts its rows.
	rows := func(r Reply) int {
		t.Helper()
		n := 0
		eofs := 0
		for eofs < 2 {
			p, err := r.ReadPacket(nil)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case p[0] == mysql.ERR_HEADER:
				t.Fatalf("error packet %q", p)
			case p[0] == mysql.EOF_HEADER && len(p) < 9:
				eofs++
			case eofs == 1:
				n++
			}
		}
		return n
	}

	// The start succeeds: one round trip, and the rows are the answer.
	c.StartWith("XA START 'pipe-ok'")
	before := writes.Load()
	sent, err := c.SendReadOnly(ctx, mysql.COM_STMT_EXECUTE, execute(2))
	if err != nil {
		t.Fatal(err)
	}
	if n := writes.Load() - before; n != 1 {
		t.Fatalf("the start and the execute took %d writes, want 1", n)
	}
	r, err := sent.Settle(ctx)
	if err != nil {
		t.Fatalf("Settle: %v", err)
	}
	if n := rows(r); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	if err := c.ExecAll(ctx, "XA END 'pipe-ok'", "XA ROLLBACK 'pipe-ok'"); err != nil {
		t.Fatalf("the branch was not open: %v", err)
	}

	// The start fails (the xid is taken by a prepared branch elsewhere).
	m.Exec(t, "XA START 'pipe-dup'", "XA END 'pipe-dup'", "XA PREPARE 'pipe-dup'")
	t.Cleanup(func() { _, _ = m.DB(t, "").Exec("XA ROLLBACK 'pipe-dup'") })
	c.StartWith("XA START 'pipe-dup'")
	if sent, err = c.SendReadOnly(ctx, mysql.COM_STMT_EXECUTE, execute(1)); err != nil {
		t.Fatal(err)
	}
	_, err = sent.Settle(ctx)
	var me *mysql.MyError
	if !errors.As(err, &me) || me.Code != mysql.ER_XAER_DUPID {
		t.Fatalf("Settle = %v, want 1440 XAER_DUPID", err)
	}
	// The refused start opened nothing: it is queued again (Unstarted),
	// and the connection is otherwise in step.
	if c.Broken() || !c.Unstarted() {
		t.Fatalf("connection broken=%v unstarted=%v after a refused start, want false, true", c.Broken(), c.Unstarted())
	}
	c.StartWith("")
	// The drained rows do not answer the next command.
	if sent, err = c.Send(ctx, mysql.COM_STMT_EXECUTE, execute(3)); err != nil {
		t.Fatal(err)
	}
	if r, err = sent.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rows(r); n != 1 {
		t.Fatalf("next execute: %d rows, want 1", n)
	}
}

// TestSyncCharset: on a server whose default character set is latin1, a
// backend connection fresh from its handshake and one reused after another
// state both carry exactly the session's character set, and ReadCharset
// records values (NULL included, collations of client and results too)
// that replay to the same state, and the
// number the connection labels text columns with (SET NAMES ... COLLATE
// gives the collation itself, any assignment by name its default).
func TestSyncCharset(t *testing.T) {
	m := harness.StartMariaDB(t, "charset", "--character-set-server=latin1", "--collation-server=latin1_swedish_ci")
	ctx := context.Background()
	pool := NewPool(Target{Shard: "s0", Addr: m.Addr(), User: "root"}, PoolConfig{MaxOpen: 1, MaxIdle: 1})
	t.Cleanup(pool.Close)

	const (
		u224 = "'utf8mb4' COLLATE 'utf8mb4_unicode_ci'"
		c224 = "'utf8mb4_unicode_ci'"
	)
	utf8 := State{}.With(CharsetVars("utf8mb4", "utf8mb4_unicode_ci", false)...)
	latin1 := State{}.With(CharsetVars("latin1", "latin1_swedish_ci", true)...).With(Var{"@@session.sql_mode", "'ANSI'"})
	noResults := utf8.With(Var{VarCharsetResults, "NULL"})
	clientDefault := utf8.With(Var{VarCharsetClient, "'utf8mb4'"})
	latin1Conn := utf8.With(Var{VarCollation, "'latin1_swedish_ci'"})
	steps := []struct {
		name  string
		st    State
		exec  string    // run after Sync, before reading back
		want  [3]string // client, results, collation_connection as read back
		label uint16    // the number text columns carry
	}{
		{"fresh connection, utf8mb4_unicode_ci", utf8, "", [3]string{u224, u224, c224}, 224},
		{"reused, latin1", latin1, "", [3]string{"'latin1'", "'latin1'", "'latin1_swedish_ci'"}, 8},
		{"reused, results NULL", noResults, "", [3]string{u224, "NULL", c224}, 0},
		{"reused, server defaults", State{}, "", [3]string{"'latin1'", "'latin1'", "'latin1_swedish_ci'"}, 8},
		{"reused, binary", State{}.With(CharsetVars("binary", "binary", true)...), "", [3]string{"'binary'", "'binary'", "'binary'"}, 63},
		{"SET NAMES COLLATE", State{}, "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci", [3]string{u224, u224, c224}, 224},
		{"SET character_set_client after 224", utf8, "SET character_set_client = utf8mb4", [3]string{"'utf8mb4'", u224, c224}, 224},
		{"replayed: client default, results 224", clientDefault, "", [3]string{"'utf8mb4'", u224, c224}, 224},
		// The client's collation shows only under a connection of its
		// character set: ReadCharset switches and restores.
		{"SET collation_connection to another charset after 224", utf8, "SET collation_connection = latin1_swedish_ci", [3]string{u224, u224, "'latin1_swedish_ci'"}, 224},
		{"replayed: client 224, connection latin1", latin1Conn, "", [3]string{u224, u224, "'latin1_swedish_ci'"}, 224},
		{"SET CHARACTER SET", utf8, "SET CHARACTER SET utf8mb4", [3]string{"'utf8mb4'", "'utf8mb4'", "'latin1_swedish_ci'"}, 45},
	}
	for _, s := range steps {
		c, err := pool.AcquireDB(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Sync(ctx, "", s.st); err != nil {
			t.Fatalf("%s: Sync: %v", s.name, err)
		}
		if s.exec != "" {
			if _, err := c.Exec(ctx, s.exec); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		vs, label, err := c.ReadCharset(ctx)
		if err != nil {
			t.Fatalf("%s: ReadCharset: %v", s.name, err)
		}
		if label != s.label {
			t.Errorf("%s: label %d, want %d", s.name, label, s.label)
		}
		got := [3]string{}
		for _, v := range vs {
			switch v.Name {
			case VarCharsetClient:
				got[0] = v.Value
			case VarCharsetResults:
				got[1] = v.Value
			case VarCollation:
				got[2] = v.Value
			}
		}
		if got != s.want {
			t.Errorf("%s: character set %q, want %q", s.name, got, s.want)
		}
		pool.Release(c)
	}
}
