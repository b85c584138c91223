package proxy

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/xaproxy/xaproxy/internal/fakeshard"
	"github.com/xaproxy/xaproxy/xa"
)

// Session logic against fake shards (fakeshard_test.go): what each shard
// connection receives for transactions, pins, diagnostics and variables.

// branchXID reads the xid of the XA START that opens a connection's
// queries, checks that it names the connection (bqual "<shard>.<thread
// id>", which recovery relies on) and returns it with its gtrid.
func branchXID(t *testing.T, shard string, id uint32, first string) (x, gtrid string) {
	t.Helper()
	rest, ok := strings.CutPrefix(first, "XA START ")
	if !ok {
		t.Fatalf("%s conn %d: first statement %q is not an XA START", shard, id, first)
	}
	x, _, _ = strings.Cut(rest, "; ")
	hexGtrid, _, _ := strings.Cut(strings.TrimPrefix(x, "X'"), "'")
	g, err := hex.DecodeString(hexGtrid)
	if err != nil {
		t.Fatalf("xid %s: %v", x, err)
	}
	if want := xa.BranchXID(string(g), shard, id).SQL(); x != want {
		t.Fatalf("%s conn %d: xid %s, want %s", shard, id, x, want)
	}
	return x, string(g)
}

func TestFakeTransactionBranches(t *testing.T) {
	const (
		ins0 = "INSERT INTO ranged (id, v) VALUES (1, 'a')"
		upd0 = "UPDATE ranged SET v = 'b' WHERE id = 2"
		ins1 = "INSERT INTO ranged (id, v) VALUES (200, 'c')"
	)
	tests := []struct {
		name  string
		stmts []string
		// want is what the branch connection of each shard receives,
		// {x} standing for its xid; a shard absent here receives nothing.
		want map[string][]string
	}{
		{
			name:  "one shard commits in one phase",
			stmts: []string{"BEGIN", ins0, upd0, "COMMIT"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, upd0, "XA END {x}; XA COMMIT {x} ONE PHASE"},
			},
		},
		{
			name:  "two shards prepare, then commit",
			stmts: []string{"BEGIN", ins0, ins1, upd0, "COMMIT"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, upd0, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
			},
		},
		{
			name:  "rollback ends every branch",
			stmts: []string{"START TRANSACTION", ins1, ins0, "ROLLBACK"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, "XA END {x}; XA ROLLBACK {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA ROLLBACK {x}"},
			},
		},
		{
			name:  "autocommit=0 opens the transaction with the first statement",
			stmts: []string{"SET autocommit = 0", ins0, ins1, "COMMIT"},
			want: map[string][]string{
				"s0": {"XA START {x}; " + ins0, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
				"s1": {"XA START {x}; " + ins1, "XA END {x}; XA PREPARE {x}", "XA COMMIT {x}"},
			},
		},
		{
			name:  "a transaction with no statement touches no shard",
			stmts: []string{"BEGIN", "COMMIT"},
			want:  map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t)
			for _, f := range e.shards {
				f.On("INSERT INTO ranged", fakeshard.Answer{Affected: 1})
				f.On("UPDATE ranged", fakeshard.Answer{Affected: 1, Info: "Rows matched: 1  Changed: 1  Warnings: 0"})
			}
			c := e.connect(t)
			exec(t, c, tt.stmts...)
			waitFor(t, "every connection back in its pool", e.idle)
			gtrids := map[string]bool{}
			for _, shard := range []string{"s0", "s1"} {
				want, ok := tt.want[shard]
				if !ok {
					if used := e.usedConns(shard); len(used) > 0 {
						t.Errorf("%s received %v, want nothing", shard, used)
					}
					continue
				}
				gtrids[e.checkBranch(t, shard, want)] = true
			}
			if len(gtrids) > 1 {
				t.Errorf("branches of one transaction have gtrids %v, want one", gtrids)
			}
		})
	}
}

// usedConns is what each connection of shard that ran client statements
// received, by connection id.
func (e *fakeEnv) usedConns(shard string) map[uint32][]string {
	used := map[uint32][]string{}
	for _, id := range e.shards[shard].Conns() {
		if qs := clientQueries(e.queries(shard, id)); len(qs) > 0 {
			used[id] = qs
		}
	}
	return used
}

// checkBranch checks that one connection of shard ran client statements,
// exactly want with {x} standing for its branch's xid, and returns the
// branch's gtrid.
func (e *fakeEnv) checkBranch(t *testing.T, shard string, want []string) string {
	t.Helper()
	used := e.usedConns(shard)
	if len(used) != 1 {
		t.Fatalf("%s: %d connections ran statements (%v), want the one branch", shard, len(used), used)
	}
	for id, got := range used {
		x, gtrid := branchXID(t, shard, id, got[0])
		exp := make([]string, len(want))
		for i, w := range want {
			exp[i] = strings.ReplaceAll(w, "{x}", x)
		}
		if !slices.Equal(got, exp) {
			t.Errorf("%s conn %d received\n %q\nwant\n %q", shard, id, got, exp)
		}
		return gtrid
	}
	return ""
}

// refuseFirstStart makes f refuse the first XA START it gets (1440), as
// MariaDB does for an xid in use, and accept the next ones.
func refuseFirstStart(f *fakeshard.Shard) {
	var starts atomic.Int32
	f.OnFunc("XA START", func(uint32, string) fakeshard.Answer {
		if starts.Add(1) == 1 {
			return fakeshard.Error(mysql.ER_XAER_DUPID, "XAER_DUPID: The XID already exists")
		}
		return fakeshard.OK()
	})
}

// usedBy lists the connections of shard that received a statement
// starting with prefix (alone or in a multi-statement query).
func (e *fakeEnv) usedBy(shard, prefix string) []uint32 {
	var ids []uint32
	for _, id := range e.shards[shard].Conns() {
		if slices.ContainsFunc(e.queries(shard, id), func(q string) bool {
			return slices.ContainsFunc(fakeshard.Split(q), func(st string) bool { return strings.HasPrefix(st, prefix) })
		}) {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestFakeTempTablePin: a temporary table pins its connection to the
// session. No other session gets it while the pin lives; the session's
// statements on the table run on it; when the session ends with the table
// still there the connection is closed, never pooled, and when the table
// is dropped first it goes back to the pool.
func TestFakeTempTablePin(t *testing.T) {
	tests := []struct {
		name       string
		dropFirst  bool
		wantClosed bool
	}{
		{name: "session ends with the table", wantClosed: true},
		{name: "table dropped before the end", dropFirst: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t)
			s0 := e.shards["s0"]
			s0.On("INSERT INTO", fakeshard.Answer{Affected: 1})
			s0.On("CREATE TEMPORARY TABLE", fakeshard.OK())
			s0.On("DROP TEMPORARY TABLE", fakeshard.OK())
			s0.On("SELECT v FROM ranged", fakeshard.Rows([]string{"v"}, []any{"x"}))
			a, b := e.connect(t), e.connect(t)
			exec(t, a, "CREATE TEMPORARY TABLE tmp (id INT)")
			pinned := e.usedBy("s0", "CREATE TEMPORARY TABLE")
			if len(pinned) != 1 {
				t.Fatalf("CREATE TEMPORARY TABLE ran on connections %v, want one", pinned)
			}
			pin := pinned[0]
			// Session b works on s0 while a holds its pin: the pool must
			// never hand it the pinned connection.
			for i := 0; i < 5; i++ {
				exec(t, b, "SELECT v FROM ranged WHERE id = 1", "INSERT INTO ranged (id, v) VALUES (2, 'y')")
				waitFor(t, "b's connection back in the pool", func() bool {
					open, idle := e.srv.pools["s0"].Stats()
					return open-idle <= 1 // at most the pin is out
				})
			}
			exec(t, a, "INSERT INTO tmp VALUES (1)")
			if got := e.usedBy("s0", "INSERT INTO tmp"); !slices.Equal(got, []uint32{pin}) {
				t.Errorf("INSERT INTO tmp ran on %v, want the pinned connection %d", got, pin)
			}
			for _, q := range e.queries("s0", pin) {
				if strings.Contains(q, "ranged") {
					t.Errorf("pinned connection %d received another session's %q", pin, q)
				}
			}
			if tt.dropFirst {
				exec(t, a, "DROP TEMPORARY TABLE tmp")
				if got := e.usedBy("s0", "DROP TEMPORARY TABLE"); !slices.Equal(got, []uint32{pin}) {
					t.Errorf("DROP TEMPORARY TABLE ran on %v, want the pinned connection %d", got, pin)
				}
			}
			_ = a.Close()
			waitFor(t, "a's session to end and no connection checked out", e.idle)
			if tt.wantClosed {
				waitFor(t, "the pinned connection to close", func() bool { return s0.Closed(pin) })
			} else if s0.Closed(pin) {
				t.Errorf("connection %d was closed after its temporary table was dropped; want it pooled", pin)
			}
			if open := s0.Open(); len(open) == 0 {
				t.Errorf("no s0 connection left open; b's should be pooled")
			}
		})
	}
}

// TestFakeWarningsReadBeforeRelease: a statement whose OK reports warnings
// has them read (SHOW WARNINGS) on the same connection before anything
// else runs there; the session answers SHOW WARNINGS from its record
// later, whatever the connection now holds, and keeps no connection
// checked out meanwhile.
func TestFakeWarningsReadBeforeRelease(t *testing.T) {
	const ins = "INSERT INTO ranged (id, v) VALUES (1, 'too long')"
	warn := fakeshard.Warning{Level: "Warning", Code: 1265, Message: "Data truncated for column 'v' at row 1"}
	tests := []struct {
		name          string
		before, after []string
	}{
		{name: "autocommit"},
		{name: "in a transaction", before: []string{"BEGIN"}, after: []string{"COMMIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t)
			s0 := e.shards["s0"]
			s0.On("INSERT INTO ranged", fakeshard.Answer{Affected: 1, Warnings: []fakeshard.Warning{warn}})
			s0.On("SELECT 1", fakeshard.Rows([]string{"1"}, []any{int64(1)}))
			c := e.connect(t)
			exec(t, c, tt.before...)
			r, err := c.Execute(ins)
			if err != nil {
				t.Fatal(err)
			}
			if r.Warnings != 1 {
				t.Errorf("INSERT answered %d warnings, want 1", r.Warnings)
			}
			exec(t, c, tt.after...)
			waitFor(t, "every connection back in its pool", e.idle)
			ran := e.usedBy("s0", "INSERT INTO ranged")
			if len(ran) != 1 {
				t.Fatalf("INSERT ran on %v, want one connection", ran)
			}
			qs := clientQueries(e.queries("s0", ran[0]))
			i := slices.IndexFunc(qs, func(q string) bool { return strings.HasSuffix(q, ins) })
			if i+1 >= len(qs) || qs[i+1] != "SHOW WARNINGS" {
				t.Fatalf("connection %d received %q; want SHOW WARNINGS right after the INSERT", ran[0], qs)
			}
			// A statement without tables leaves the diagnostics (MariaDB);
			// on the fake it clears the connection's own.
			exec(t, c, "SELECT 1")
			rs, err := c.Execute("SHOW WARNINGS")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range rs.Values {
				level, _ := rs.GetString(i, 0)
				code, _ := rs.GetInt(i, 1)
				msg, _ := rs.GetString(i, 2)
				got = append(got, fmt.Sprintf("%s %d %s", level, code, msg))
			}
			want := []string{fmt.Sprintf("%s %d %s", warn.Level, warn.Code, warn.Message)}
			if !slices.Equal(got, want) {
				t.Errorf("SHOW WARNINGS = %q, want %q", got, want)
			}
			waitFor(t, "every connection back in its pool", e.idle)
		})
	}
}

// TestFakeUserVariableByValue: SET @x = expr is recorded as the value it
// gave on the shard that ran it (read back there), and a connection of
// another shard is given that value, not the expression, before the
// session's next statement runs on it.
func TestFakeUserVariableByValue(t *testing.T) {
	tests := []struct {
		name     string
		set      string
		expr     string // a piece of the expression, which must not reach s1
		readBack []any  // @x, HEX(@x), COLLATION(@x)
		want     string
	}{
		{name: "double", set: "SET @x = RAND()", expr: "RAND", readBack: []any{0.25, "0", "binary"}, want: "SET @x = 2.5e-01"},
		{name: "integer", set: "SET @x = 6 * 7", expr: "*", readBack: []any{int64(42), "2A", "binary"}, want: "SET @x = 42"},
		{name: "string", set: "SET @x = CONCAT('a', 'b')", expr: "CONCAT", readBack: []any{"ab", "6162", "utf8mb4_general_ci"},
			want: "SET @x = _utf8mb4 X'6162' COLLATE utf8mb4_general_ci"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFakeEnv(t)
			s0, s1 := e.shards["s0"], e.shards["s1"]
			s0.On("SELECT @x, HEX(@x), COLLATION(@x)", fakeshard.Rows([]string{"@x", "HEX(@x)", "COLLATION(@x)"}, tt.readBack))
			s1.On("SELECT v FROM ranged", fakeshard.Rows([]string{"v"}, []any{"x"}))
			c := e.connect(t)
			exec(t, c, tt.set, "SELECT v FROM ranged WHERE id = 200")
			waitFor(t, "every connection back in its pool", e.idle)
			if got := e.usedBy("s0", "SET @x = "); len(got) != 1 {
				t.Fatalf("%s ran on s0 connections %v, want one", tt.set, got)
			}
			ran := e.usedBy("s1", "SELECT v FROM ranged")
			if len(ran) != 1 {
				t.Fatalf("the SELECT ran on s1 connections %v, want one", ran)
			}
			qs := e.queries("s1", ran[0])
			i := slices.Index(qs, "SELECT v FROM ranged WHERE id = 200")
			var replayed []string
			for _, q := range qs[:i] {
				replayed = append(replayed, fakeshard.Split(q)...)
			}
			if !slices.Contains(replayed, tt.want) {
				t.Errorf("s1 connection %d received %q before the SELECT; want %q among them", ran[0], qs[:i], tt.want)
			}
			for _, q := range qs {
				if strings.Contains(strings.ToUpper(q), tt.expr) {
					t.Errorf("s1 received the expression itself: %q", q)
				}
			}
		})
	}
}

// TestFakeDDLRowNotesOfEveryShard: DDL over several shards keeps the later
// shards' conditions about their own rows, Notes included (MariaDB's
// rounding of a DECIMAL is "Note 1265 ... at row N"), and not their
// conditions about the statement, which repeat the first shard's.
func TestFakeDDLRowNotesOfEveryShard(t *testing.T) {
	e := newFakeEnv(t)
	rowNote := fakeshard.Warning{Level: "Note", Code: 1265, Message: "Data truncated for column 'v' at row 1"}
	stmtNote := fakeshard.Warning{Level: "Note", Code: 1051, Message: "Unknown table 'shop.x'"}
	for _, f := range e.shards {
		f.On("ALTER TABLE ranged", fakeshard.Answer{Warnings: []fakeshard.Warning{stmtNote, rowNote}})
	}
	c := e.connect(t)
	r, err := c.Execute("ALTER TABLE ranged MODIFY v DECIMAL(10, 1)")
	if err != nil {
		t.Fatal(err)
	}
	if r.Warnings != 3 {
		t.Errorf("ALTER answered %d warnings, want 3 (the statement's Note once, each shard's row Note)", r.Warnings)
	}
}

// TestFakeAssignedVarsUnreadBreakConnection: when the user variables a
// statement assigned cannot be read back, the connection that holds them
// is not pooled for another session.
func TestFakeAssignedVarsUnreadBreakConnection(t *testing.T) {
	e := newFakeEnvWith(t, oneShardConfig)
	s0 := e.shards["s0"]
	s0.On("SELECT v INTO @x FROM ranged", fakeshard.OK())
	s0.On("SELECT @x, HEX(@x)", fakeshard.Error(2013, "Lost connection to server during query"))
	c := e.connect(t)
	if _, err := c.Execute("SELECT v INTO @x FROM ranged WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "no connection checked out", e.idle)
	ran := e.usedBy("s0", "SELECT v INTO @x FROM ranged")
	if len(ran) != 1 {
		t.Fatalf("ran on %v, want one connection", ran)
	}
	waitFor(t, "the connection holding @x closed", func() bool { return !slices.Contains(s0.Open(), ran[0]) })
}
