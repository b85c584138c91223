package integration

import (
	"database/sql"
	"testing"
	"time"
)

// TestHandlerAndSequenceState: HANDLER cursors live in the MariaDB
// connection: through the proxy each session keeps its own on a pinned
// connection, as on one MariaDB, although the sessions share three backend
// connections. NEXTVAL works; LASTVAL() and PREVIOUS VALUE FOR, the
// connection's last NEXTVAL, are refused (1235).
func TestHandlerAndSequenceState(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 3, max_idle: 3}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_hs")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_hs")} {
		mustExec(t, db, "CREATE TABLE hs (id INT PRIMARY KEY, v VARCHAR(5))")
		mustExec(t, db, "INSERT INTO hs VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')")
		mustExec(t, db, "CREATE SEQUENCE seq START WITH 100 INCREMENT BY 10")
	}
	steps := []scriptStep{
		{0, "HANDLER hs OPEN", nil},
		{1, "HANDLER hs OPEN AS h1", nil},
		{0, "HANDLER hs READ `PRIMARY` FIRST", nil},
		{1, "HANDLER h1 READ `PRIMARY` FIRST", nil},
		{0, "HANDLER hs READ `PRIMARY` NEXT", nil},
		{2, "SELECT COUNT(*) FROM hs", nil},
		{1, "HANDLER h1 READ `PRIMARY` NEXT", nil},
		{0, "HANDLER hs READ `PRIMARY` NEXT", nil},
		{2, "HANDLER hs READ `PRIMARY` NEXT", nil}, // not open in session 2: 1109
		{0, "HANDLER hs CLOSE", nil},
		{0, "HANDLER hs READ `PRIMARY` NEXT", nil},
		{1, "HANDLER h1 CLOSE", nil},
		{0, "SELECT NEXTVAL(seq)", nil},
		{1, "SELECT NEXTVAL(seq)", nil},
		{2, "SELECT COUNT(*) FROM hs", nil},
		{0, "SELECT NEXT VALUE FOR seq", nil},
	}
	got := runScript(ctx, t, openSessions(ctx, t, f.db(t, "shop", ""), 3), steps)
	want := runScript(ctx, t, openSessions(ctx, t, f.shard(t, "direct_hs"), 3), steps)
	compareScript(t, steps, got, want)

	db := f.db(t, "shop", "")
	for _, q := range []string{"SELECT LASTVAL(seq)", "SELECT PREVIOUS VALUE FOR seq"} {
		_, err := db.ExecContext(ctx, q)
		wantMySQLError(t, err, 1235, "42000")
	}
}

// TestHandlerReadIsPendingCharacteristicsTransaction: SET TRANSACTION READ
// ONLY is for the next transaction; in autocommit a HANDLER ... READ is
// one (it reads its table), HANDLER ... OPEN and CLOSE are not (MariaDB
// 10.11). The proxy kept the characteristic after a HANDLER READ, so the
// INSERT after it got 1792 where MariaDB runs it (found by the session
// differential, seed 1796529306751192387).
func TestHandlerReadIsPendingCharacteristicsTransaction(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, "CREATE TABLE hitems (k INT PRIMARY KEY, v INT)", "INSERT INTO hitems VALUES (1, 1)")
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "HANDLER hitems OPEN", nil},
		{0, "INSERT INTO hitems VALUES (2, 2)", nil},
		{0, "HANDLER hitems READ `PRIMARY` FIRST", nil},
		{0, "INSERT INTO hitems VALUES (3, 3)", nil},
		{0, "HANDLER hitems CLOSE", nil},
		{0, "SET TRANSACTION READ ONLY", nil},
		{0, "HANDLER hitems OPEN", nil},
		{0, "HANDLER hitems CLOSE", nil},
		{0, "INSERT INTO hitems VALUES (4, 4)", nil},
		{0, "SELECT k, v FROM hitems ORDER BY k", nil},
	})
}
