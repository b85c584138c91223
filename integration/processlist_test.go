package integration

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// processListUsers: two sessions of app, one of a one-schema user, an admin.
const processListUsers = `
		- {name: app, password: app-secret}
		- {name: one, password: one-secret, schemas: [shop]}
		- {name: boss, password: boss-secret, admin: true}
	`

// SHOW PROCESSLIST and information_schema.PROCESSLIST list the proxy's
// sessions (ids equal to their CONNECTION_ID(), never a shard's thread
// ids) with MariaDB's columns; a user sees its own user's sessions, an
// admin all; KILL of another user's session needs admin (1095).
func TestProxyProcessList(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, processListUsers, "")
	ctx := testCtx(t, 2*time.Minute)
	app := f.open(t, "app", "app-secret", "shop", "")
	a := openSessions(ctx, t, app, 2)
	one := openSessions(ctx, t, f.open(t, "one", "one-secret", "shop", ""), 1)[0]
	boss := openSessions(ctx, t, f.open(t, "boss", "boss-secret", "", ""), 1)[0]
	id := func(c *sql.Conn) string { return strconv.FormatInt(queryInt(t, c, "SELECT CONNECTION_ID()"), 10) }
	a0, a1, oneID, bossID := id(a[0]), id(a[1]), id(one), id(boss)

	// app sees its two sessions, with its own running the query.
	got := queryRows(ctx, t, a[0], "SELECT ID, USER, DB, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST ORDER BY ID")
	want := []string{
		a0 + "\tapp\tshop\tQuery\tFilling schema table\tSELECT ID, USER, DB, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST ORDER BY ID",
		a1 + "\tapp\tshop\tSleep\t\tNULL",
	}
	if !slices.Equal(got, want) {
		t.Errorf("app's information_schema.PROCESSLIST:\n got %q\nwant %q", got, want)
	}
	// Progress as MariaDB sends it to this client.
	progress := lastField(queryRows(ctx, t, openSessions(ctx, t, f.s0.DB(t, ""), 1)[0], "SHOW PROCESSLIST")[0], 8)
	got = queryRows(ctx, t, a[1], "SHOW PROCESSLIST")
	if len(got) != 2 || !strings.HasPrefix(got[0], a0+"\tapp\t127.0.0.1:") || !strings.HasSuffix(got[0], "\tshop\tSleep\t"+lastField(got[0], 5)+"\t\tNULL\t"+progress) ||
		!strings.HasPrefix(got[1], a1+"\tapp\t127.0.0.1:") || !strings.HasSuffix(got[1], "\tshop\tQuery\t0\tstarting\tSHOW PROCESSLIST\t"+progress) {
		t.Errorf("app's SHOW PROCESSLIST:\n%s", strings.Join(got, "\n"))
	}
	// The same condition as MariaDB evaluates it, identity calls included.
	if got := queryRows(ctx, t, one, "SELECT ID = CONNECTION_ID(), USER, HOST LIKE '127.0.0.1:%' FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Sleep'"); !slices.Equal(got, []string{"1\tone\t1"}) {
		t.Errorf("one's own session: %q", got)
	}
	// The admin sees every session; no id is a shard's thread.
	all := queryStrings(t, boss, "SELECT ID FROM information_schema.PROCESSLIST ORDER BY ID")
	for _, x := range []string{a0, a1, oneID, bossID} {
		if !slices.Contains(all, x) {
			t.Errorf("admin's process list %v lacks session %s", all, x)
		}
	}
	for _, thread := range queryStrings(t, f.s0.DB(t, ""), "SELECT ID FROM information_schema.PROCESSLIST") {
		if slices.Contains(all, thread) {
			t.Errorf("the proxy's process list %v holds shard thread %s", all, thread)
		}
	}
	if n := queryInt(t, a[0], "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER <> 'app'"); n != 0 {
		t.Errorf("app sees %d sessions of other users", n)
	}

	// Info: 100 characters without FULL, all of it with FULL.
	long := "SELECT SLEEP(3), '" + strings.Repeat("x", 150) + "'"
	done := make(chan error, 1)
	go func() { _, err := a[1].ExecContext(ctx, long); done <- err }()
	waitUntil(t, 5*time.Second, "the long statement in the process list", func() bool {
		return queryInt(t, a[0], "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = "+a1+" AND COMMAND = 'Query'") == 1
	})
	short := infoOf(ctx, t, a[0], "SHOW PROCESSLIST", a1)
	full := infoOf(ctx, t, a[0], "SHOW FULL PROCESSLIST", a1)
	if short != long[:100] || full != long {
		t.Errorf("Info of a running statement: SHOW PROCESSLIST %q, FULL %q", short, full)
	}

	// KILL of another user's session: 1095 without admin.
	for _, q := range []string{"KILL " + oneID, "KILL QUERY " + oneID, "KILL CONNECTION " + oneID} {
		_, err := a[0].ExecContext(ctx, q)
		wantMySQLError(t, err, 1095, "HY000")
	}
	if _, err := boss.ExecContext(ctx, "KILL "+oneID); err != nil {
		t.Fatalf("admin KILL: %v", err)
	}
	if err := one.PingContext(ctx); err == nil {
		t.Errorf("the killed session still answers")
	}
	if err := <-done; err != nil {
		t.Errorf("the long statement: %v", err)
	}
}

// lastField is field i (0-based) of a tab-separated row.
func lastField(row string, i int) string {
	f := strings.Split(row, "\t")
	if i < len(f) {
		return f[i]
	}
	return ""
}

// infoOf is the Info column of session id in a SHOW [FULL] PROCESSLIST.
func infoOf(ctx context.Context, t *testing.T, c *sql.Conn, q, id string) string {
	t.Helper()
	for _, row := range queryRows(ctx, t, c, q) {
		if f := strings.Split(row, "\t"); f[0] == id {
			return f[7]
		}
	}
	t.Fatalf("%s: no session %s", q, id)
	return ""
}

// The process list's column definitions are MariaDB's.
func TestProxyProcessListColumns(t *testing.T) {
	t.Parallel()
	f := startOpsFixture(t, processListUsers, "")
	proxy, direct := f.open(t, "app", "app-secret", "shop", ""), f.s0.DB(t, "shop")
	sameColumns(t, proxy, direct,
		"SHOW PROCESSLIST",
		"SHOW FULL PROCESSLIST",
		"SELECT * FROM information_schema.PROCESSLIST",
		"SELECT id, Info, time_ms + 1 AS t, COUNT(*) FROM information_schema.processlist p GROUP BY id",
	)
}
