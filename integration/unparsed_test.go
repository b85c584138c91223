package integration

import (
	"testing"
	"time"
)

// TestUnparsedStatementsKeepTheirState: a statement the parser cannot read
// runs on the default shard as it came. One that leaves state in its
// connection (a temporary table or sequence, a user variable, a user-level
// lock) used to leave it in a pooled connection: the next session given
// that connection saw session 0's temporary table, variable and sequence,
// and an unparsed START TRANSACTION put the next session inside session
// 0's transaction. Now the connection stays the session's (closed at its
// end), and transaction and lock control that the proxy must run itself is
// refused when it cannot be read.
func TestUnparsedStatementsKeepTheirState(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 3, max_idle: 3}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_unparsed", "CREATE TABLE base (id INT PRIMARY KEY)")
	steps := []scriptStep{
		// Each statement has what the parser cannot read: PERSISTENT,
		// SOUNDS LIKE, TEMPORARY SEQUENCE.
		{0, "CREATE TEMPORARY TABLE tt (x INT, y INT AS (x + 1) PERSISTENT)", nil},
		{1, "SELECT COUNT(*) FROM tt", nil}, // 1146: session 0's
		{0, "INSERT INTO tt (x) VALUES (1)", nil},
		{0, "SELECT x, y FROM tt", nil},
		{0, "SELECT 1 SOUNDS LIKE 1 INTO @zz", nil},
		{1, "SELECT @zz", nil},
		{0, "SELECT @zz", nil},
		{0, "CREATE TEMPORARY SEQUENCE sq", nil},
		{1, "SELECT NEXTVAL(sq)", nil},
		{0, "SELECT NEXTVAL(sq)", nil},
		{1, "SELECT @@in_transaction", nil},
		{0, "DROP TEMPORARY TABLE tt", nil},
		{1, "SELECT COUNT(*) FROM base", nil},
	}
	compareSessions(ctx, t, f.db(t, "shop", ""), f.shard(t, "direct_unparsed"), 2, steps)

	sess := openSessions(ctx, t, f.db(t, "shop", ""), 1)[0]
	for _, q := range []string{
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
		"LOCK TABLE base WRITE CONCURRENT",
	} {
		_, err := sess.ExecContext(ctx, q)
		wantMySQLError(t, err, 1235, "42000")
	}
	if n := queryInt(t, sess, "SELECT @@in_transaction"); n != 0 {
		t.Errorf("after the refused START TRANSACTION: in transaction %d", n)
	}
}

// TestRoutinesKeepTheirState: a procedure, a stored function or a trigger
// runs on the shard with what it leaves there (SET @x inside it, a
// temporary table), which the proxy cannot see. Run on a pooled
// connection, it left them to the next session given that connection. A
// CALL or a call of a routine the catalog knows may leave state (its body
// names it), and a write to a table with such a trigger, now keep their
// connection for the session.
func TestRoutinesKeepTheirState(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 3, max_idle: 3}"})
	ctx := testCtx(t, 2*time.Minute)
	f.directTwin(t, "direct_routines",
		"CREATE PROCEDURE p() BEGIN SET @leak = 1; CREATE TEMPORARY TABLE tleak (x INT); END",
		"CREATE FUNCTION fx() RETURNS INT BEGIN SET @fleak = 7; RETURN 1; END",
		"CREATE FUNCTION pure(x INT) RETURNS INT RETURN x + 1",
		"CREATE TABLE aud (id INT PRIMARY KEY)",
		"CREATE TRIGGER aud_ai AFTER INSERT ON aud FOR EACH ROW SET @last_aud = NEW.id",
		"CREATE FUNCTION fy() RETURNS INT BEGIN SET @yleak = 3; RETURN 1; END",
		"CREATE FUNCTION fycaller() RETURNS INT RETURN fy() + 1")
	steps := []scriptStep{
		// A trigger's SET @x (catalog: the tables of such triggers).
		{0, "INSERT INTO aud VALUES (5)", nil},
		{1, "SELECT @last_aud", nil},
		{0, "SELECT @last_aud", nil},
		{1, "SELECT pure(1)", nil},
		{0, "SELECT fx()", nil},
		{1, "SELECT @fleak", nil},
		{0, "SELECT @fleak", nil},
		{0, "CALL p()", nil},
		{1, "SELECT @leak", nil},
		{1, "SELECT COUNT(*) FROM tleak", nil},
		{0, "SELECT @leak", nil},
		{0, "SELECT COUNT(*) FROM tleak", nil},
		// A function that only calls a stateful one (a fresh session:
		// session 0 keeps its connection since its INSERT).
		{2, "SELECT fycaller()", nil},
		{1, "SELECT @yleak", nil},
		{2, "SELECT @yleak", nil},
	}
	compareSessions(ctx, t, f.db(t, "shop", ""), f.shard(t, "direct_routines"), 3, steps)

	// A trigger fires on row changes only: DDL on its table leaves nothing
	// in the connection, which goes back to the pool at once (it used to
	// stay with the session, and a few idle sessions ran the pool dry).
	// Open and idle come from one scrape, and the comparisons wait: the
	// proxy's own work (shard pings, recovery passes, catalog loads)
	// borrows pool connections for a moment, a leaked pin never returns.
	held := func() float64 {
		v := proxyMetrics(t, f.p.AdminAddr(), `xaproxy_backend_connections_open{shard="s0"}`, `xaproxy_backend_connections_idle{shard="s0"}`)
		return v[0] - v[1]
	}
	// The script's sessions keep their pins; a borrow only adds to them,
	// so the least of a few samples is what the sessions hold.
	before := held()
	for range 5 {
		time.Sleep(50 * time.Millisecond)
		before = min(before, held())
	}
	c, err := f.db(t, "shop", "").Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{"ALTER TABLE aud COMMENT 'audited'", "TRUNCATE TABLE aud", "DROP TABLE aud"} {
		mustExec(t, c, q)
		if !waitFor(2*time.Second, func() bool { return held() == before }) {
			t.Errorf("after %s the sessions hold %v backend connections, %v before", q, held(), before)
		}
	}
}
