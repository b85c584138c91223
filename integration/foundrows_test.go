package integration

import (
	"database/sql"
	"testing"
	"time"
)

// TestClientFoundRows: a client that connects with CLIENT_FOUND_ROWS
// (go-sql-driver's clientFoundRows=true, as JDBC and mysql2 do by default)
// gets the rows an UPDATE matched, one without it the rows it changed, as
// from one MariaDB, although the proxy's backend connections are shared.
func TestClientFoundRows(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, time.Minute)
	f.s0.CreateDatabase(t, "direct_fr")
	for _, db := range []*sql.DB{f.db(t, "shop", ""), f.shard(t, "direct_fr")} {
		mustExec(t, db, "CREATE TABLE fr (id INT PRIMARY KEY, v INT)")
		mustExec(t, db, "INSERT INTO fr VALUES (1, 0), (2, 0), (3, 5)")
	}
	steps := []scriptStep{
		{0, "UPDATE fr SET v = 0 WHERE id IN (1, 2)", nil}, // matched 2, changed 0
		{1, "UPDATE fr SET v = 0 WHERE id IN (1, 2)", nil},
		{0, "UPDATE fr SET v = 5 WHERE id >= 2", nil}, // matched 2, changed 1
		{1, "UPDATE fr SET v = 5 WHERE id >= 2", nil},
		{0, "UPDATE fr SET v = ? WHERE id = ?", []any{5, 3}},
		{1, "UPDATE fr SET v = ? WHERE id = ?", []any{5, 3}},
		{0, "UPDATE fr SET v = 9 WHERE id = 99", nil},
		{0, "DELETE FROM fr WHERE id = 99", nil},
	}
	// Session 0 asks for found rows, session 1 does not; both share the
	// proxy's two backend connections.
	got := runScript(ctx, t, openEach(ctx, t, f.db(t, "shop", "clientFoundRows=true"), f.db(t, "shop", "")), steps)
	direct := f.s0.DSN("direct_fr")
	plain, err := sql.Open("mysql", direct)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plain.Close() })
	found, err := sql.Open("mysql", direct+"?clientFoundRows=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { found.Close() })
	want := runScript(ctx, t, openEach(ctx, t, found, plain), steps)
	compareScript(t, steps, got, want)
	if got[0] != "affected 2 insert_id 0" || got[1] != "affected 0 insert_id 0" {
		t.Errorf("found-rows session %q, plain session %q: the two counts were not told apart", got[0], got[1])
	}
}

// TestClientFoundRowsAcrossShards: an UPDATE over several shards sums the
// matched rows of every shard for a CLIENT_FOUND_ROWS client.
func TestClientFoundRowsAcrossShards(t *testing.T) {
	b := startBank(t)
	p := b.startProxy(t, "fr", "")
	ctx := testCtx(t, time.Minute)
	for _, tc := range []struct {
		params string
		want   int64
	}{{"clientFoundRows=true", bankAccounts}, {"", 0}} {
		db := p.DB(t, appUser, appPass, "bank", tc.params)
		r, err := db.ExecContext(ctx, "UPDATE accounts SET bal = bal WHERE id > 0") // every shard, nothing changes
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := r.RowsAffected(); n != tc.want {
			t.Errorf("%q: UPDATE matching all %d accounts, changing none: affected %d, want %d", tc.params, bankAccounts, n, tc.want)
		}
	}
	b.assertClean(t)
}
