package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Transactions: explicit ones through database/sql, implicit ones with
// autocommit=0 on one connection, and a client that vanishes mid-way.
func TestTransactions(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	shard := f.shard(t, "shop")
	ctx := testCtx(t, 2*time.Minute)

	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			db := f.db(t, "shop", m.params)
			tbl := tableName("acct", m)
			mustExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB")
			count := func(q querier, id int) int64 {
				t.Helper()
				return queryInt(t, q, "SELECT COUNT(*) FROM "+tbl+" WHERE id = ?", id)
			}

			t.Run("BeginTx commit", func(t *testing.T) {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (?, ?)", 1, "committed")
				mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (?, ?)", 2, "committed")
				if n := queryInt(t, tx, "SELECT COUNT(*) FROM "+tbl+" WHERE id IN (?, ?)", 1, 2); n != 2 {
					t.Fatalf("own uncommitted rows inside the transaction: %d, want 2", n)
				}
				if n := count(shard, 1); n != 0 {
					t.Fatal("uncommitted row visible on the shard before COMMIT")
				}
				if err := tx.Commit(); err != nil {
					t.Fatalf("COMMIT: %v", err)
				}
				if count(db, 1) != 1 || count(db, 2) != 1 || count(shard, 1) != 1 || count(shard, 2) != 1 {
					t.Fatal("committed rows missing through the proxy or on the shard")
				}
			})

			t.Run("BeginTx rollback", func(t *testing.T) {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (?, ?)", 3, "rolled back")
				mustExec(t, tx, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "changed", 1)
				if n := count(tx, 3); n != 1 {
					t.Fatalf("own insert invisible inside the transaction")
				}
				if err := tx.Rollback(); err != nil {
					t.Fatalf("ROLLBACK: %v", err)
				}
				if count(db, 3) != 0 || count(shard, 3) != 0 {
					t.Fatal("rolled back insert is visible")
				}
				if v := queryString(t, shard, "SELECT v FROM "+tbl+" WHERE id = 1"); v.String != "committed" {
					t.Fatalf("rolled back update is visible on the shard: %v", v)
				}
			})

			t.Run("autocommit=0", func(t *testing.T) {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				mustExec(t, conn, "SET autocommit=0")
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 10, "implicit")
				if count(shard, 10) != 0 {
					t.Fatal("row inserted with autocommit=0 is visible on the shard before COMMIT")
				}
				mustExec(t, conn, "ROLLBACK")
				if count(conn, 10) != 0 || count(shard, 10) != 0 {
					t.Fatal("row survived ROLLBACK with autocommit=0")
				}

				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 11, "implicit")
				if count(shard, 11) != 0 {
					t.Fatal("second implicit transaction committed before COMMIT")
				}
				mustExec(t, conn, "COMMIT")
				if count(shard, 11) != 1 {
					t.Fatal("row missing on the shard after COMMIT with autocommit=0")
				}

				// Still autocommit=0: a new implicit transaction, which
				// SET autocommit=1 commits.
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 12, "implicit")
				if count(shard, 12) != 0 {
					t.Fatal("third implicit transaction committed before SET autocommit=1")
				}
				mustExec(t, conn, "SET autocommit=1")
				if count(shard, 12) != 1 {
					t.Fatal("SET autocommit=1 did not commit the open transaction")
				}
				// Back to autocommit: every statement commits at once.
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 13, "auto")
				if count(shard, 13) != 1 {
					t.Fatal("with autocommit=1 again, the insert is not committed")
				}
				mustExec(t, conn, "ROLLBACK") // nothing to roll back
				if count(shard, 13) != 1 {
					t.Fatal("ROLLBACK after autocommit=1 removed a committed row")
				}
			})

			// Applications and pools read @@autocommit back (e.g. to decide
			// whether to COMMIT): it must say what the session does.
			t.Run("@@autocommit follows SET autocommit", func(t *testing.T) {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				for _, want := range []int64{0, 1, 0} {
					mustExec(t, conn, sprintf("SET autocommit=%d", want))
					if n := queryInt(t, conn, "SELECT @@autocommit"); n != want {
						t.Errorf("SELECT @@autocommit after SET autocommit=%d = %d", want, n)
					}
					if n := queryInt(t, conn, "SELECT @@session.autocommit"); n != want {
						t.Errorf("SELECT @@session.autocommit after SET autocommit=%d = %d", want, n)
					}
				}
				mustExec(t, conn, "ROLLBACK")
				mustExec(t, conn, "SET autocommit=1")
			})

			t.Run("SAVEPOINT and AND CHAIN", func(t *testing.T) {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				mustExec(t, conn, "BEGIN")
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 30, "kept")
				mustExec(t, conn, "SAVEPOINT sp1")
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 31, "undone")
				mustExec(t, conn, "ROLLBACK TO SAVEPOINT sp1")
				if count(conn, 31) != 0 || count(conn, 30) != 1 {
					t.Fatal("ROLLBACK TO SAVEPOINT did not undo exactly the work after the savepoint")
				}
				mustExec(t, conn, "COMMIT AND CHAIN")
				if count(shard, 30) != 1 {
					t.Fatal("COMMIT AND CHAIN did not commit")
				}
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 32, "chained")
				if count(shard, 32) != 0 {
					t.Fatal("insert after COMMIT AND CHAIN is not in a new transaction")
				}
				mustExec(t, conn, "ROLLBACK")
				if count(shard, 31) != 0 || count(shard, 32) != 0 {
					t.Fatal("rolled back rows on the shard")
				}
			})

			t.Run("READ ONLY transaction", func(t *testing.T) {
				tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if n := count(tx, 1); n != 1 {
					t.Fatalf("read in a READ ONLY transaction: %d", n)
				}
				_, err = tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?, ?)", 33, "ro")
				wantMySQLError(t, err, 1792, "25006")
				if err := tx.Rollback(); err != nil {
					t.Fatal(err)
				}
				if count(shard, 33) != 0 {
					t.Fatal("insert in a READ ONLY transaction reached the shard")
				}
			})

			// SET TRANSACTION for the next transaction only, which
			// database/sql sends for an isolation level
			// (TestTransactionCharacteristics checks the level itself).
			t.Run("isolation level", func(t *testing.T) {
				tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
				if err != nil {
					t.Fatalf("BeginTx(ReadCommitted): %v", err)
				}
				if n := count(tx, 1); n != 1 {
					t.Fatalf("row 1 in a READ COMMITTED transaction: %d, want 1", n)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			})

			t.Run("DDL commits implicitly", func(t *testing.T) {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				mustExec(t, conn, "BEGIN")
				mustExec(t, conn, "INSERT INTO "+tbl+" VALUES (?, ?)", 34, "before ddl")
				mustExec(t, conn, "CREATE TABLE "+tbl+"_ddl (id INT)")
				mustExec(t, conn, "ROLLBACK")
				if count(shard, 34) != 1 {
					t.Fatal("insert before a DDL statement was not committed by it, as MySQL does")
				}
			})

			t.Run("deadlock ends the transaction", func(t *testing.T) {
				mustExec(t, db, "INSERT INTO "+tbl+" VALUES (?, ?), (?, ?)", 40, "a", 41, "b")
				x, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer x.Close()
				y, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer y.Close()
				mustExec(t, x, "BEGIN")
				mustExec(t, y, "BEGIN")
				mustExec(t, x, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "x", 40)
				mustExec(t, y, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "y", 41)
				xerr := make(chan error, 1)
				go func() {
					_, err := x.ExecContext(ctx, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "x", 41)
					xerr <- err
				}()
				time.Sleep(300 * time.Millisecond) // x waits for y's lock
				_, yerr := y.ExecContext(ctx, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "y", 40)
				var errX error
				select {
				case errX = <-xerr:
				case <-time.After(20 * time.Second):
					t.Fatal("no deadlock detected within 20 s")
				}
				victim, winner, vname := x, y, "x"
				switch {
				case mysqlErrNumber(yerr) == 1213 && errX == nil:
					victim, winner, vname = y, x, "y"
				case mysqlErrNumber(errX) == 1213 && yerr == nil:
				default:
					t.Fatalf("want exactly one 1213: x: %v, y: %v", errX, yerr)
				}
				mustExec(t, winner, "COMMIT")
				// The victim's transaction is over: its next statement
				// commits on its own.
				mustExec(t, victim, "INSERT INTO "+tbl+" VALUES (?, ?)", 42, vname)
				if count(shard, 42) != 1 {
					t.Fatal("after a deadlock the victim session is still in a transaction")
				}
				mustExec(t, victim, "ROLLBACK")
				if count(shard, 42) != 1 {
					t.Fatal("ROLLBACK after the deadlock removed an autocommitted row")
				}
				other := "x"
				if vname == "x" {
					other = "y"
				}
				got := queryStrings(t, shard, "SELECT v FROM "+tbl+" WHERE id IN (40, 41) ORDER BY id")
				if len(got) != 2 || got[0] != other || got[1] != other {
					t.Fatalf("rows 40, 41 = %q, want both %q (the winner's)", got, other)
				}
			})

			t.Run("COM_RESET_CONNECTION", func(t *testing.T) {
				r := rawSession{t, f.rawClient(t, appUser, appPass, "shop")}
				for _, q := range []string{"SET @v = 5", "SET SESSION sql_mode = 'ANSI_QUOTES'", "BEGIN", "INSERT INTO " + tbl + " VALUES (50, 'reset')"} {
					if _, err := r.c.Execute(q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				stmt := r.prepare("SELECT ?")
				r.send([]byte{0x1f}) // COM_RESET_CONNECTION
				if p := r.read(); p[0] != 0x00 {
					t.Fatalf("COM_RESET_CONNECTION answered %x %q", p[0], p)
				}
				res, err := r.c.Execute("SELECT @v IS NULL, @@sql_mode NOT LIKE '%ANSI_QUOTES%', DATABASE()")
				if err != nil {
					t.Fatal(err)
				}
				vNull, _ := res.GetInt(0, 0)
				modeReset, _ := res.GetInt(0, 1)
				dbName, _ := res.GetString(0, 2)
				if vNull != 1 || modeReset != 1 || dbName != "shop" {
					t.Fatalf("after COM_RESET_CONNECTION: @v IS NULL=%d, sql_mode reset=%d, DATABASE()=%q", vNull, modeReset, dbName)
				}
				if count(shard, 50) != 0 {
					t.Fatal("COM_RESET_CONNECTION committed the open transaction")
				}
				if _, err := r.c.Execute("INSERT INTO " + tbl + " VALUES (51, 'after')"); err != nil {
					t.Fatal(err)
				}
				if count(shard, 51) != 1 {
					t.Fatal("after COM_RESET_CONNECTION the session is still in a transaction")
				}
				r.send(cat(execHead(stmt), []byte{0, 1}, []byte{8, 0}, le32(1), le32(0)))
				p := r.read()
				if p[0] != 0xff || binary.LittleEndian.Uint16(p[1:]) != 1243 {
					t.Fatalf("statement prepared before COM_RESET_CONNECTION: %x %q, want error 1243", p[0], p)
				}
				r.ping()
			})

			t.Run("disconnect mid-transaction", func(t *testing.T) {
				mustExec(t, db, "INSERT INTO "+tbl+" VALUES (?, ?)", 20, "locked")
				for _, how := range []string{"socket closed", "COM_QUIT"} {
					t.Run(how, func(t *testing.T) {
						closeFn := f.clientMidTransaction(t, m, tbl, how)
						// The transaction really is open on the shard.
						f.waitOpenWriteTrx(t, 1)
						closeFn()
						f.assertUnlockedAndClean(t, m, tbl)
					})
				}
			})
		})
	}
}

// trackingDialer registers go-sql-driver networks whose connections tests
// can close abruptly, as a crashed client or a cut network would.
var (
	trackMu    sync.Mutex
	trackConns = map[string][]net.Conn{}
	trackSeq   int
)

func trackingNetwork(t *testing.T) string {
	t.Helper()
	trackMu.Lock()
	trackSeq++
	name := fmt.Sprintf("xatrack%d", trackSeq)
	trackMu.Unlock()
	mysql.RegisterDialContext(name, func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			trackMu.Lock()
			trackConns[name] = append(trackConns[name], c)
			trackMu.Unlock()
		}
		return c, err
	})
	return name
}

func closeTracked(name string) int {
	trackMu.Lock()
	defer trackMu.Unlock()
	for _, c := range trackConns[name] {
		_ = c.Close()
	}
	n := len(trackConns[name])
	delete(trackConns, name)
	return n
}

// clientMidTransaction opens a transaction that locks row 20 and inserts
// row 21, and returns a function that makes the client vanish: "socket
// closed" cuts the TCP connection of a go-sql-driver client; "COM_QUIT"
// logs a go-mysql client out without COMMIT.
func (f *fixture) clientMidTransaction(t *testing.T, m mode, tbl, how string) func() {
	t.Helper()
	if how == "COM_QUIT" {
		c := f.rawClient(t, appUser, appPass, "shop")
		for _, q := range []string{
			"BEGIN",
			"UPDATE " + tbl + " SET v = 'dirty' WHERE id = 20",
			"INSERT INTO " + tbl + " VALUES (21, 'uncommitted')",
		} {
			if _, err := c.Execute(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// With arguments go-mysql uses the binary protocol.
		if _, err := c.Execute("UPDATE "+tbl+" SET v = ? WHERE id = ?", "dirtier", 20); err != nil {
			t.Fatal(err)
		}
		return func() {
			if err := c.Quit(); err != nil {
				t.Logf("COM_QUIT: %v", err)
			}
		}
	}
	ctx := testCtx(t, time.Minute)
	network := trackingNetwork(t)
	dsn := fmt.Sprintf("%s:%s@%s(%s)/shop?%s", appUser, appPass, network, f.p.Addr(), joinParams("timeout=5s", m.params))
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "dirty", 20)
	mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (?, ?)", 21, "uncommitted")
	return func() {
		if n := closeTracked(network); n != 1 {
			t.Fatalf("%d tracked connections, want 1", n)
		}
		// database/sql finds the connection broken; nothing more is sent.
		_ = tx.Rollback()
		_ = db.Close()
	}
}

// assertUnlockedAndClean checks that the vanished client's transaction was
// rolled back: row 20 can be updated by another session without a lock
// wait timeout, and row 21 does not exist.
func (f *fixture) assertUnlockedAndClean(t *testing.T, m mode, tbl string) {
	t.Helper()
	ctx := testCtx(t, time.Minute)
	db := f.db(t, "shop", m.params)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mustExec(t, conn, "SET SESSION innodb_lock_wait_timeout = 2")
	if n := queryInt(t, conn, "SELECT @@innodb_lock_wait_timeout"); n != 2 {
		t.Fatalf("innodb_lock_wait_timeout = %d, want 2", n)
	}
	start := time.Now()
	res, err := conn.ExecContext(ctx, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "clean", 20)
	if err != nil {
		if mysqlErrNumber(err) == 1205 {
			t.Fatalf("row locked by the vanished client's transaction is still locked after %s: %v", time.Since(start).Round(time.Millisecond), err)
		}
		t.Fatalf("UPDATE of the row the vanished client locked: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("UPDATE affected %d rows, want 1", n)
	}
	if n := queryInt(t, f.shard(t, "shop"), "SELECT COUNT(*) FROM "+tbl+" WHERE id = 21"); n != 0 {
		t.Fatal("the vanished client's uncommitted insert is on the shard")
	}
	if v := queryString(t, f.shard(t, "shop"), "SELECT v FROM "+tbl+" WHERE id = 20"); v.String != "clean" {
		t.Fatalf("row 20 = %v, want clean", v)
	}
	// Restore for the next variant.
	mustExec(t, conn, "UPDATE "+tbl+" SET v = ? WHERE id = ?", "locked", 20)
	// No transaction left open on the shard by the proxy.
	f.waitOpenWriteTrx(t, 0)
}

// waitOpenWriteTrx waits until the shard has want open transactions that
// modified rows. information_schema.innodb_trx is a cache InnoDB refreshes
// only when it was not read for 100 ms, hence polling every 200 ms.
func (f *fixture) waitOpenWriteTrx(t *testing.T, want int64) {
	t.Helper()
	shard := f.shard(t, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := queryInt(t, shard, "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_rows_modified > 0")
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transactions with modifications open on the shard, want %d: %q", n, want,
				queryStrings(t, shard, "SELECT CONCAT_WS(' ', t.trx_mysql_thread_id, t.trx_state, t.trx_started, t.trx_rows_modified, p.command, p.time, p.db, p.info) "+
					"FROM information_schema.innodb_trx t LEFT JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Session state (user variables, sql_mode, NAMES) follows each client
// session whatever pooled backend connection serves it.
func TestSessionStateReplay(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	globalMode := queryString(t, f.shard(t, ""), "SELECT @@GLOBAL.sql_mode").String
	if strings.Contains(globalMode, "ANSI_QUOTES") {
		t.Fatalf("the shard's default sql_mode %q already has ANSI_QUOTES", globalMode)
	}

	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			db := f.db(t, "shop", m.params)
			a, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()

			mustExec(t, a, "SET @v = 42")
			mustExec(t, a, "SET SESSION sql_mode = 'ANSI_QUOTES'")
			mustExec(t, b, "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")

			type seen struct {
				v       sql.NullInt64
				mode    string
				backend int64
				arg     int64
			}
			probe := func(conn *sql.Conn, i int) seen {
				t.Helper()
				var s seen
				err := conn.QueryRowContext(ctx, "SELECT @v, @@sql_mode, @@pseudo_thread_id, ?", i).Scan(&s.v, &s.mode, &s.backend, &s.arg)
				if err != nil {
					t.Fatalf("probe %d: %v", i, err)
				}
				if s.arg != int64(i) {
					t.Fatalf("probe %d returned argument %d", i, s.arg)
				}
				return s
			}
			backendsA, backendsB := map[int64]bool{}, map[int64]bool{}
			for i := 0; i < 20; i++ {
				sa := probe(a, i)
				if !sa.v.Valid || sa.v.Int64 != 42 {
					t.Fatalf("round %d: session A sees @v = %v, want 42", i, sa.v)
				}
				if !strings.Contains(sa.mode, "ANSI_QUOTES") {
					t.Fatalf("round %d: session A sees sql_mode %q, want ANSI_QUOTES", i, sa.mode)
				}
				backendsA[sa.backend] = true

				sb := probe(b, i)
				if sb.v.Valid {
					t.Fatalf("round %d: session B sees A's @v = %d", i, sb.v.Int64)
				}
				if sb.mode != "NO_ENGINE_SUBSTITUTION" {
					t.Fatalf("round %d: session B sees sql_mode %q, want its own NO_ENGINE_SUBSTITUTION", i, sb.mode)
				}
				backendsB[sb.backend] = true

				if i%5 == 0 {
					sc := probe(c, i)
					if sc.v.Valid || sc.mode != globalMode {
						t.Fatalf("round %d: untouched session C sees @v=%v sql_mode=%q, want NULL and %q", i, sc.v, sc.mode, globalMode)
					}
				}
				// ANSI_QUOTES really applies in A only: "x" is an identifier there.
				if i%10 == 0 {
					_, err := a.QueryContext(ctx, `SELECT "x"`)
					wantMySQLError(t, err, 1054, "42S22")
					if s := queryString(t, b, `SELECT "x"`); s.String != "x" {
						t.Fatalf(`session B: SELECT "x" = %v`, s)
					}
				}
			}
			shared := false
			for id := range backendsA {
				shared = shared || backendsB[id]
			}
			if !shared {
				t.Fatalf("sessions A and B never shared a backend connection (A %v, B %v): the test did not exercise replay", backendsA, backendsB)
			}

			// A holds a transaction open (pinning one backend connection)
			// while B and C take turns on the other.
			tx, err := a.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s := queryInt(t, tx, "SELECT @v + ?", 0); s != 42 {
				t.Fatalf("@v inside A's transaction = %d", s)
			}
			for i := 0; i < 5; i++ {
				if sb := probe(b, i); sb.v.Valid || sb.mode != "NO_ENGINE_SUBSTITUTION" {
					t.Fatalf("B while A holds a transaction: %+v", sb)
				}
				if sc := probe(c, i); sc.v.Valid || sc.mode != globalMode {
					t.Fatalf("C while A holds a transaction: %+v", sc)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if sa := probe(a, 99); sa.v.Int64 != 42 || !strings.Contains(sa.mode, "ANSI_QUOTES") {
				t.Fatalf("A after its transaction: %+v", sa)
			}

			// SET NAMES is per session too.
			mustExec(t, a, "SET NAMES latin1")
			for i := 0; i < 5; i++ {
				if s := queryString(t, a, "SELECT @@character_set_client"); s.String != "latin1" {
					t.Fatalf("session A after SET NAMES latin1: character_set_client = %v", s)
				}
				if s := queryString(t, a, "SELECT @@character_set_results"); s.String != "latin1" {
					t.Fatalf("session A after SET NAMES latin1: character_set_results = %v", s)
				}
				if s := queryString(t, b, "SELECT @@character_set_client"); s.String != "utf8mb4" {
					t.Fatalf("session B: character_set_client = %v, want utf8mb4", s)
				}
			}
			// Resetting to defaults works and reaches the shard.
			mustExec(t, a, "SET NAMES utf8mb4")
			mustExec(t, a, "SET SESSION sql_mode = DEFAULT")
			mustExec(t, a, "SET @v = NULL")
			if sa := probe(a, 7); sa.v.Valid || sa.mode != globalMode {
				t.Fatalf("A after resetting: %+v, want NULL and %q", sa, globalMode)
			}
			if s := queryString(t, a, "SELECT @@character_set_client"); s.String != "utf8mb4" {
				t.Fatalf("A after SET NAMES utf8mb4: %v", s)
			}
		})
	}
}

// The character set a client asks for at connect time (handshake
// collation, or the driver's SET NAMES) is the session's, not its neighbours'.
func TestConnectCharset(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 1, max_idle: 1}"})
	ctx := testCtx(t, time.Minute)
	tests := []struct {
		params string
		want   string
	}{
		{"collation=latin1_swedish_ci", "latin1"},
		{"charset=latin1", "latin1"},
		{"collation=utf8mb4_unicode_ci", "utf8mb4"},
		{"", "utf8mb4"},
		{"charset=ascii", "ascii"},
	}
	// All sessions open at once and share the single backend connection.
	conns := make([]*sql.Conn, len(tests))
	for i, tt := range tests {
		c, err := f.db(t, "shop", tt.params).Conn(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tt.params, err)
		}
		defer c.Close()
		conns[i] = c
	}
	for round := 0; round < 3; round++ {
		for i, tt := range tests {
			var client, results, conn string
			err := conns[i].QueryRowContext(ctx, "SELECT @@character_set_client, @@character_set_results, @@character_set_connection").Scan(&client, &results, &conn)
			if err != nil {
				t.Fatalf("%q: %v", tt.params, err)
			}
			if client != tt.want || results != tt.want || conn != tt.want {
				t.Errorf("round %d, DSN %q: character_set_client/results/connection = %s/%s/%s, want %s", round, tt.params, client, results, conn, tt.want)
			}
		}
	}
	// Non-ASCII text survives in a latin1 session and a utf8mb4 one.
	for _, i := range []int{0, 3} {
		if s := queryString(t, conns[i], "SELECT ?", "caf\u00e9"); s.String != "caf\u00e9" {
			t.Errorf("DSN %q: SELECT 'café' = %q", tests[i].params, s.String)
		}
	}
}

// KILL QUERY <proxy connection id> interrupts a running statement.
func TestKillQuery(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	ctx := testCtx(t, 2*time.Minute)
	db := f.db(t, "shop", "")

	// go-mysql's client exposes the connection id of the handshake: the
	// proxy's id for the session, which KILL takes.
	a := f.rawClient(t, appUser, appPass, "shop")
	proxyID := a.GetConnectionID()
	r, err := a.Execute("SELECT CONNECTION_ID()")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := r.GetInt(0, 0); uint64(proxyID) != uint64(id) {
		t.Fatalf("SELECT CONNECTION_ID() through the proxy returns %d, not the session's id %d from the handshake, which is what KILL takes", id, proxyID)
	}

	runSleep := func(query string) (chan error, chan int64) {
		errc := make(chan error, 1)
		valc := make(chan int64, 1)
		go func() {
			r, err := a.Execute(query)
			if err != nil {
				errc <- err
				return
			}
			v, err := r.GetInt(0, 0)
			if err != nil {
				errc <- err
				return
			}
			valc <- v
		}()
		return errc, valc
	}
	waitRunning := func(query string) {
		t.Helper()
		shard := f.shard(t, "")
		deadline := time.Now().Add(10 * time.Second)
		for {
			if queryInt(t, shard, "SELECT COUNT(*) FROM information_schema.processlist WHERE info = ?", query) > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q never showed up in the shard's processlist", query)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	t.Run("KILL QUERY", func(t *testing.T) {
		const q = "SELECT SLEEP(30)"
		errc, valc := runSleep(q)
		waitRunning(q)
		start := time.Now()
		if _, err := db.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", proxyID)); err != nil {
			t.Fatalf("KILL QUERY %d: %v", proxyID, err)
		}
		select {
		case err := <-errc:
			if code := goMySQLErrCode(err); code != 1317 {
				t.Fatalf("killed query ended with %v, want error 1317 or result 1", err)
			}
			t.Logf("killed SLEEP ended after %s with %v", time.Since(start).Round(time.Millisecond), err)
		case v := <-valc:
			if v != 1 {
				t.Fatalf("killed SLEEP returned %d, want 1 (interrupted)", v)
			}
			t.Logf("killed SLEEP returned 1 after %s", time.Since(start).Round(time.Millisecond))
		case <-time.After(5 * time.Second):
			t.Fatal("SELECT SLEEP(30) still running 5 s after KILL QUERY")
		}
		// The killed session goes on.
		r, err := a.Execute("SELECT 7")
		if err != nil {
			t.Fatalf("session after KILL QUERY: %v", err)
		}
		if v, _ := r.GetInt(0, 0); v != 7 {
			t.Fatalf("SELECT 7 = %d", v)
		}
	})

	t.Run("KILL errors", func(t *testing.T) {
		_, err := db.ExecContext(ctx, "KILL QUERY 987654")
		wantMySQLError(t, err, 1094, "HY000")
		other := f.p.DB(t, otherUser, otherPass, "shop", "")
		_, err = other.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", proxyID))
		wantMySQLError(t, err, 1095, "HY000")
		// KILL QUERY of an idle session is harmless.
		if _, err := db.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", proxyID)); err != nil {
			t.Fatalf("KILL QUERY of an idle session: %v", err)
		}
		if _, err := a.Execute("SELECT 1"); err != nil {
			t.Fatalf("idle session after KILL QUERY: %v", err)
		}
	})

	t.Run("KILL CONNECTION", func(t *testing.T) {
		const q = "SELECT SLEEP(31)"
		errc, valc := runSleep(q)
		waitRunning(q)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("KILL %d", proxyID)); err != nil {
			t.Fatalf("KILL %d: %v", proxyID, err)
		}
		// MariaDB closes the connection: the statement gets no answer
		// ("Lost connection"), not 1317 as for KILL QUERY.
		select {
		case err := <-errc:
			if code := goMySQLErrCode(err); code != 0 {
				t.Errorf("the killed connection's statement answered error %d (%v), want the connection closed", code, err)
			}
		case v := <-valc:
			t.Errorf("the killed connection's statement answered %d, want the connection closed", v)
		case <-time.After(5 * time.Second):
			t.Fatal("SELECT SLEEP(31) still running 5 s after KILL")
		}
		if _, err := a.Execute("SELECT 1"); err == nil {
			t.Fatal("killed connection still answers")
		}
	})
	f.assertAlive(t)
}

// Prepared statements: reuse across backend connections, NULL, large
// BLOBs, DATETIME/DECIMAL round trips, statements inside transactions.
func TestPreparedStatements(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 3*time.Minute)
	shard := f.shard(t, "shop")
	psModes := append(append([]mode{}, modes...),
		// A small maxAllowedPacket makes the driver send the 1 MB argument
		// with COM_STMT_SEND_LONG_DATA.
		mode{name: "prepared-longdata", params: "maxAllowedPacket=2097152"})

	for _, m := range psModes {
		t.Run(m.name, func(t *testing.T) {
			db := f.db(t, "shop", joinParams("parseTime=true&loc=UTC", m.params))
			tbl := tableName("vals", m)
			mustExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, s VARCHAR(20) NULL, n INT NULL, b LONGBLOB NULL, ts DATETIME(6) NULL, d DECIMAL(20,6) NULL) ENGINE=InnoDB")

			t.Run("same statement 50 times on 2 backend connections", func(t *testing.T) {
				db.SetMaxOpenConns(5)
				stmt, err := db.PrepareContext(ctx, "SELECT ? + 1, CONCAT('k', ?), @@pseudo_thread_id, SLEEP(0.005)")
				if err != nil {
					t.Fatal(err)
				}
				defer stmt.Close()
				var mu sync.Mutex
				backends := map[int64]int{}
				var wg sync.WaitGroup
				errs := make(chan error, 50)
				for g := 0; g < 5; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := g * 10; i < g*10+10; i++ {
							var n, backend, slept int64
							var k string
							if err := stmt.QueryRowContext(ctx, i, i).Scan(&n, &k, &backend, &slept); err != nil {
								errs <- fmt.Errorf("execution %d: %w", i, err)
								return
							}
							if n != int64(i)+1 || k != fmt.Sprintf("k%d", i) {
								errs <- fmt.Errorf("execution %d: got %d, %q", i, n, k)
								return
							}
							mu.Lock()
							backends[backend]++
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				total := 0
				for _, n := range backends {
					total += n
				}
				if total != 50 {
					t.Fatalf("%d successful executions, want 50", total)
				}
				if len(backends) < 2 {
					t.Fatalf("all executions ran on backend connection(s) %v: want at least 2", backends)
				}
				if len(backends) > 2 {
					t.Fatalf("executions ran on %d backend connections %v with backend.max_open=2", len(backends), backends)
				}
				t.Logf("50 executions over backend connections %v", backends)
			})

			t.Run("NULL arguments", func(t *testing.T) {
				mustExec(t, db, "INSERT INTO "+tbl+" (id, s, n, b, ts, d) VALUES (?, ?, ?, ?, ?, ?)", 1, nil, sql.NullInt64{}, []byte(nil), nil, nil)
				var s sql.NullString
				var n sql.NullInt64
				var b []byte
				var ts sql.NullTime
				var d sql.NullString
				if err := db.QueryRowContext(ctx, "SELECT s, n, b, ts, d FROM "+tbl+" WHERE id = ?", 1).Scan(&s, &n, &b, &ts, &d); err != nil {
					t.Fatal(err)
				}
				if s.Valid || n.Valid || b != nil || ts.Valid || d.Valid {
					t.Fatalf("NULLs came back as %v %v %v %v %v", s, n, b, ts, d)
				}
				if k := queryInt(t, shard, "SELECT COUNT(*) FROM "+tbl+" WHERE id = 1 AND s IS NULL AND n IS NULL AND b IS NULL AND ts IS NULL AND d IS NULL"); k != 1 {
					t.Fatal("the row on the shard has non-NULL values")
				}
				if v := queryInt(t, db, "SELECT ? IS NULL", nil); v != 1 {
					t.Fatal("SELECT ? IS NULL with nil = 0")
				}
				// A NULL in the middle of non-NULL arguments.
				var a, c int64
				var mid sql.NullString
				if err := db.QueryRowContext(ctx, "SELECT ?, ?, ?", 5, nil, 6).Scan(&a, &mid, &c); err != nil {
					t.Fatal(err)
				}
				if a != 5 || mid.Valid || c != 6 {
					t.Fatalf("SELECT 5, NULL, 6 = %d %v %d", a, mid, c)
				}
			})

			t.Run("1 MB BLOB", func(t *testing.T) {
				blob := make([]byte, 1<<20)
				if _, err := rand.Read(blob); err != nil {
					t.Fatal(err)
				}
				blob[0], blob[1], blob[2] = 0, '\'', '\\' // bytes that need escaping when interpolated
				sum := sha256.Sum256(blob)
				mustExec(t, db, "INSERT INTO "+tbl+" (id, s, b) VALUES (?, ?, ?)", 2, "blob", blob)
				var got []byte
				if err := db.QueryRowContext(ctx, "SELECT b FROM "+tbl+" WHERE id = ?", 2).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, blob) {
					t.Fatalf("BLOB round trip: got %d bytes, want %d (equal prefix: %v)", len(got), len(blob), len(got) > 16 && bytes.Equal(got[:16], blob[:16]))
				}
				if h := queryString(t, shard, "SELECT SHA2(b, 256) FROM "+tbl+" WHERE id = 2"); h.String != hex.EncodeToString(sum[:]) {
					t.Fatal("the BLOB on the shard differs")
				}
				// As a WHERE argument too.
				if k := queryInt(t, db, "SELECT id FROM "+tbl+" WHERE b = ?", blob); k != 2 {
					t.Fatalf("WHERE b = <1 MB> found id %d", k)
				}
			})

			t.Run("DATETIME and DECIMAL", func(t *testing.T) {
				values := []struct {
					ts time.Time
					d  string
				}{
					{time.Date(2024, 2, 29, 13, 45, 30, 123456000, time.UTC), "12345678901234.123456"},
					{time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), "-0.000001"},
					{time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC), "0.000000"},
				}
				for i, v := range values {
					id := 10 + i
					mustExec(t, db, "INSERT INTO "+tbl+" (id, ts, d) VALUES (?, ?, ?)", id, v.ts, v.d)
					var ts time.Time
					var d string
					if err := db.QueryRowContext(ctx, "SELECT ts, d FROM "+tbl+" WHERE id = ? AND ts = ? AND d = ?", id, v.ts, v.d).Scan(&ts, &d); err != nil {
						t.Fatalf("row %d: %v", id, err)
					}
					if !ts.Equal(v.ts) || d != v.d {
						t.Fatalf("row %d: got %v, %s; want %v, %s", id, ts, d, v.ts, v.d)
					}
					onShard := queryString(t, shard, "SELECT CONCAT(DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f'), ' ', d) FROM "+tbl+" WHERE id = ?", id)
					if want := v.ts.Format("2006-01-02 15:04:05.000000") + " " + v.d; onShard.String != want {
						t.Fatalf("row %d on the shard: %q, want %q", id, onShard.String, want)
					}
				}
				// Arithmetic on DECIMAL arguments is exact.
				if s := queryString(t, db, "SELECT CAST(? AS DECIMAL(30,10)) + CAST(? AS DECIMAL(30,10))", "0.1", "0.2"); s.String != "0.3000000000" {
					t.Fatalf("0.1 + 0.2 = %v", s)
				}
			})

			t.Run("prepared outside, executed inside a transaction", func(t *testing.T) {
				ins, err := db.PrepareContext(ctx, "INSERT INTO "+tbl+" (id, s) VALUES (?, ?)")
				if err != nil {
					t.Fatal(err)
				}
				defer ins.Close()
				sel, err := db.PrepareContext(ctx, "SELECT COUNT(*) FROM "+tbl+" WHERE id >= ? AND id < ?")
				if err != nil {
					t.Fatal(err)
				}
				defer sel.Close()

				for _, commit := range []bool{false, true} {
					tx, err := db.BeginTx(ctx, nil)
					if err != nil {
						t.Fatal(err)
					}
					for id := 100; id < 105; id++ {
						if _, err := tx.StmtContext(ctx, ins).ExecContext(ctx, id, "tx"); err != nil {
							t.Fatalf("insert %d in transaction: %v", id, err)
						}
					}
					var n int
					if err := tx.StmtContext(ctx, sel).QueryRowContext(ctx, 100, 105).Scan(&n); err != nil || n != 5 {
						t.Fatalf("count inside the transaction = %d, %v; want 5", n, err)
					}
					if k := queryInt(t, shard, "SELECT COUNT(*) FROM "+tbl+" WHERE id >= 100 AND id < 105"); k != 0 {
						t.Fatalf("%d uncommitted rows visible on the shard", k)
					}
					if commit {
						err = tx.Commit()
					} else {
						err = tx.Rollback()
					}
					if err != nil {
						t.Fatal(err)
					}
					want := int64(0)
					if commit {
						want = 5
					}
					if k := queryInt(t, shard, "SELECT COUNT(*) FROM "+tbl+" WHERE id >= 100 AND id < 105"); k != want {
						t.Fatalf("commit=%v: %d rows on the shard, want %d", commit, k, want)
					}
					if err := sel.QueryRowContext(ctx, 100, 105).Scan(&n); err != nil || int64(n) != want {
						t.Fatalf("commit=%v: %d rows through the proxy (%v), want %d", commit, n, err, want)
					}
				}
				// The statement still works outside the transaction.
				if _, err := ins.ExecContext(ctx, 200, "after"); err != nil {
					t.Fatal(err)
				}
				if k := queryInt(t, shard, "SELECT COUNT(*) FROM "+tbl+" WHERE id = 200"); k != 1 {
					t.Fatal("insert after the transactions is missing")
				}
			})
		})
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("test ran out of time")
	}
}

// The same SQL text prepared by sessions on different schemas (or by one
// session before and after USE) must run against each session's schema,
// even when one backend connection serves them all.
func TestPreparedAcrossSchemas(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 1, max_idle: 1}"})
	f.s0.Exec(t,
		"CREATE TABLE shop.whereami (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO shop.whereami (v) VALUES ('shop')",
		"CREATE TABLE crm.whereami (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO crm.whereami (v) VALUES ('crm')",
	)
	ctx := testCtx(t, time.Minute)
	shopDB := f.db(t, "shop", "")
	crmDB := f.db(t, "crm", "")

	t.Run("SELECT", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			for _, c := range []struct {
				db   *sql.DB
				want string
			}{{shopDB, "shop"}, {crmDB, "crm"}} {
				if s := queryString(t, c.db, "SELECT v FROM whereami WHERE id = ?", 1); s.String != c.want {
					t.Fatalf("round %d: session on %s reads whereami = %q", i, c.want, s.String)
				}
			}
		}
	})

	t.Run("INSERT", func(t *testing.T) {
		mustExec(t, shopDB, "INSERT INTO whereami (v) VALUES (?)", "shop-2")
		mustExec(t, crmDB, "INSERT INTO whereami (v) VALUES (?)", "crm-2")
		for _, schema := range []string{"shop", "crm"} {
			got := queryStrings(t, f.shard(t, schema), "SELECT v FROM whereami ORDER BY id")
			if want := []string{schema, schema + "-2"}; strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s.whereami on the shard = %q, want %q", schema, got, want)
			}
		}
	})

	// sql_mode changes how a statement parses: under ANSI_QUOTES "v" is the
	// column, otherwise the string 'v'.
	t.Run("sql_mode at prepare time", func(t *testing.T) {
		ansi, err := shopDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ansi.Close()
		plain, err := shopDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer plain.Close()
		mustExec(t, ansi, "SET SESSION sql_mode = 'ANSI_QUOTES'")
		const q = `SELECT "v" FROM whereami WHERE id = ?`
		if s := queryString(t, ansi, q, 1); s.String != "shop" {
			t.Fatalf("ANSI_QUOTES session: %s = %q, want shop (the column)", q, s.String)
		}
		if s := queryString(t, plain, q, 1); s.String != "v" {
			t.Fatalf("default sql_mode session: %s = %q, want \"v\" (a string)", q, s.String)
		}
	})

	t.Run("USE between prepares", func(t *testing.T) {
		conn, err := shopDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if s := queryString(t, conn, "SELECT v FROM whereami WHERE id = ?", 1); s.String != "shop" {
			t.Fatalf("before USE: %q", s.String)
		}
		mustExec(t, conn, "USE crm")
		if s := queryString(t, conn, "SELECT v FROM whereami WHERE id = ?", 1); s.String != "crm" {
			t.Fatalf("after USE crm, a prepared SELECT on whereami reads %q", s.String)
		}
	})

	t.Run("USE between prepare and execute", func(t *testing.T) {
		// One MariaDB reads the whereami of the PREPARE's database, shop;
		// the proxy read crm's: refused.
		c := connectGoMySQL(t, f.p.Addr(), appUser, appPass, "shop")
		st, err := c.Prepare("SELECT v FROM whereami WHERE id = ?")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Execute("USE crm"); err != nil {
			t.Fatal(err)
		}
		r, err := st.Execute(int64(1))
		if err == nil || !strings.HasPrefix(err.Error(), "ERROR 1235 (42000)") {
			var v string
			if err == nil && len(r.Values) > 0 {
				v, _ = r.GetString(0, 0)
			}
			t.Fatalf("after USE crm, the SELECT prepared in shop: %q, %v, want 1235", v, err)
		}
	})
}
