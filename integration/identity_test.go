package integration

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
	"github.com/go-sql-driver/mysql"
)

// describeResult is a result's column definitions as sent (name, type, length,
// flags, charset) and its rows, read with go-mysql's client.
// A value equal to the session's connection id reads <id>.
func describeResult(t *testing.T, c *gomysql.Conn, q string) string {
	t.Helper()
	r, err := c.Execute(q)
	if err != nil {
		return "error " + err.Error()
	}
	var parts []string
	for _, f := range r.Fields {
		parts = append(parts, fmt.Sprintf("%s/%s type=%d len=%d flags=%d charset=%d dec=%d", f.Name, f.OrgName, f.Type, f.ColumnLength, f.Flag, f.Charset, f.Decimal))
	}
	for i := range r.Values {
		var vals []string
		for j := range r.Fields {
			s, _ := r.GetString(i, j)
			if s == fmt.Sprint(c.GetConnectionID()) {
				s = "<id>"
			}
			vals = append(vals, s)
		}
		parts = append(parts, strings.Join(vals, ","))
	}
	return strings.Join(parts, "; ")
}

// TestIdentityFunctions: CONNECTION_ID(), USER(), CURRENT_USER() and their
// synonyms answer the proxy session's identity, with MariaDB's column
// definitions, although three sessions share two backend connections.
// MariaDB's reference is a direct session of an account 'app'@'%' with the
// proxy user's name: its USER() is app@127.0.0.1 (skip_name_resolve), as
// through the proxy; the connection ids differ and are compared with each
// session's own id.
func TestIdentityFunctions(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, 2*time.Minute)
	root := f.shard(t, "shop")
	mustExec(t, root, "CREATE USER 'app'@'%' IDENTIFIED BY '"+appPass+"'")
	mustExec(t, root, "GRANT ALL ON *.* TO 'app'@'%'")
	mustExec(t, f.db(t, "shop", ""), "CREATE TABLE idt (id INT PRIMARY KEY, owner BIGINT, who VARCHAR(400))")

	proxyRaw := []*gomysql.Conn{f.rawClient(t, appUser, appPass, "shop"), f.rawClient(t, appUser, appPass, "shop"), f.rawClient(t, appUser, appPass, "shop")}
	direct, err := gomysql.ConnectWithTimeout(f.s0.Addr(), appUser, appPass, "shop", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.Execute("CREATE TEMPORARY TABLE idt (id INT PRIMARY KEY, owner BIGINT, who VARCHAR(400))"); err != nil {
		t.Fatal(err)
	}

	queries := []string{
		"SELECT CONNECTION_ID()",
		"SELECT USER(), CURRENT_USER(), SESSION_USER(), SYSTEM_USER(), CURRENT_USER",
		"SELECT CONNECTION_ID() AS id, user() AS u, current_user cu",
		"SELECT CONNECTION_ID() + 1 - CONNECTION_ID(), CONCAT(USER(), '!'), USER() = 'app@127.0.0.1', COERCIBILITY(USER()), IF(1, 7, CONNECTION_ID())",
		"SELECT * FROM (SELECT CURRENT_USER(), CONNECTION_ID()) d",
		"SELECT CONNECTION_ID() = CONNECTION_ID(), 'x' WHERE USER() LIKE 'app@%'",
		"PREPARE pid FROM 'SELECT CONNECTION_ID(), USER(), CURRENT_USER() AS cu'",
		"EXECUTE pid",
	}
	// The table is shared through the proxy: one session writes it.
	writes := []string{
		"INSERT INTO idt VALUES (1, CONNECTION_ID(), USER())",
		"SELECT id, owner = CONNECTION_ID(), who FROM idt WHERE who = SESSION_USER()",
		"UPDATE idt SET who = CURRENT_USER WHERE owner = CONNECTION_ID()",
		"SELECT who FROM idt",
		"DELETE FROM idt WHERE owner = CONNECTION_ID()",
	}
	for k, q := range append(queries, writes...) {
		for i, pc := range proxyRaw {
			if k >= len(queries) && i > 0 {
				break
			}
			got := describeResult(t, pc, q)
			want := describeResult(t, direct, q)
			if got != want {
				t.Errorf("session %d: %s:\n  proxy:   %s\n  MariaDB: %s", i, q, got, want)
			}
		}
	}

	// CONNECTION_ID() is the id KILL takes and the status page lists.
	c := proxyRaw[2]
	other := proxyRaw[1]
	r, err := c.Execute("SELECT CONNECTION_ID()")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := r.GetUint(0, 0)
	if id != uint64(c.GetConnectionID()) {
		t.Fatalf("CONNECTION_ID() %d, handshake id %d", id, c.GetConnectionID())
	}
	// As on MariaDB 10.11: 1317 for the statement that interrupts itself,
	// 1927 for the connection, which then ends.
	_, err = c.Execute("KILL QUERY CONNECTION_ID()")
	if goMySQLErrCode(err) != 1317 {
		t.Fatalf("KILL QUERY CONNECTION_ID(): %v, want 1317 (Query execution was interrupted)", err)
	}
	if _, err := other.Execute("SELECT 1"); err != nil {
		t.Fatalf("another session after KILL QUERY CONNECTION_ID(): %v", err)
	}
	if _, err := c.Execute("SELECT 1"); err != nil {
		t.Fatalf("the session after its KILL QUERY CONNECTION_ID(): %v", err)
	}
	if _, err := c.Execute("KILL CONNECTION_ID()"); goMySQLErrCode(err) != 1927 {
		t.Fatalf("KILL CONNECTION_ID(): %v, want 1927 (Connection was killed)", err)
	}
	if _, err := c.Execute("SELECT 1"); err == nil {
		t.Fatal("the session still answers after KILL CONNECTION_ID()")
	}
	if _, err := other.Execute("SELECT 1"); err != nil {
		t.Fatalf("another session after KILL CONNECTION_ID(): %v", err)
	}

	// Statements that would keep the call, not its value, are refused.
	db := f.db(t, "shop", "")
	for _, q := range []string{"CREATE TABLE idu (who VARCHAR(400) DEFAULT (USER()))", "CREATE VIEW idv AS SELECT CURRENT_USER()"} {
		_, err := db.ExecContext(ctx, q)
		wantMySQLError(t, err, 1235, "42000")
	}
}

// TestConnectAttrs: performance_schema.session_connect_attrs and
// session_account_connect_attrs list the session's client's attributes,
// in its order, with MariaDB's column definitions, as go-sql-driver's
// TestConnectionAttributes reads them.
func TestConnectAttrs(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}", mariaArgs: []string{"--performance-schema=ON"}})
	root := f.shard(t, "shop")
	mustExec(t, root, "CREATE USER 'app'@'%' IDENTIFIED BY '"+appPass+"'")
	mustExec(t, root, "GRANT ALL ON *.* TO 'app'@'%'")

	attrs := "connectionAttributes=" + "zeta:1,alpha:two,mid:3"
	cfg, err := mysql.ParseDSN(f.p.DSN(appUser, appPass, "shop", attrs))
	if err != nil {
		t.Fatal(err)
	}
	proxy := openWith(t, cfg.FormatDSN())
	dcfg := *cfg
	dcfg.Addr = f.s0.Addr()
	direct := openWith(t, dcfg.FormatDSN())

	queries := []string{
		"SELECT ATTR_NAME, ATTR_VALUE FROM performance_schema.session_account_connect_attrs WHERE PROCESSLIST_ID = CONNECTION_ID()",
		"SELECT * FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = CONNECTION_ID() ORDER BY ORDINAL_POSITION",
		"SELECT ATTR_NAME, ORDINAL_POSITION FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID = CONNECTION_ID() AND ATTR_NAME IN ('zeta', 'alpha', 'mid') ORDER BY ATTR_NAME",
		"SELECT COUNT(*), UPPER(a.ATTR_VALUE) v FROM performance_schema.session_connect_attrs a WHERE a.ATTR_NAME = 'alpha' AND a.PROCESSLIST_ID = CONNECTION_ID() GROUP BY v",
	}
	ctx := testCtx(t, time.Minute)
	pc, dc := openSessions(ctx, t, proxy, 1)[0], openSessions(ctx, t, direct, 1)[0]
	var pid, did string
	if err := pc.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if err := dc.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&did); err != nil {
		t.Fatal(err)
	}
	steps := make([]scriptStep, len(queries))
	for i, q := range queries {
		steps[i] = scriptStep{0, q, nil}
	}
	got := runScript(ctx, t, []*sql.Conn{pc}, steps)
	want := runScript(ctx, t, []*sql.Conn{dc}, steps)
	for i := range want {
		// The driver's _pid and the ids are the same client's.
		want[i] = strings.ReplaceAll(want[i], ";"+did+",", ";"+pid+",")
	}
	compareScript(t, steps, got, want)
	for _, q := range queries {
		if g, w := columnTypes(t, proxy, q), columnTypes(t, direct, q); g != w {
			t.Errorf("%s: columns through the proxy %s, direct %s", q, g, w)
		}
	}
	// The rest of performance_schema stays refused.
	_, err = proxy.ExecContext(ctx, "SELECT * FROM performance_schema.threads")
	wantMySQLError(t, err, 1044, "42000")
}

func openWith(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPreparedKillUsesProxyIDs: a KILL prepared through the binary protocol
// names the proxy's session ids, as a KILL query does; a KILL with a
// parameter is refused. Neither reaches a shard, where the number would be
// some pooled backend connection's thread (another session's).
func TestPreparedKillUsesProxyIDs(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	ctx := testCtx(t, time.Minute)
	db := f.db(t, "shop", "")
	victim, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	backendThread := queryInt(t, victim, "SELECT @@pseudo_thread_id")
	killer, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	stmt, err := killer.PrepareContext(ctx, fmt.Sprintf("KILL %d", backendThread))
	if err != nil {
		t.Fatalf("prepare KILL %d: %v", backendThread, err)
	}
	_, err = stmt.ExecContext(ctx)
	stmt.Close()
	wantMySQLError(t, err, 1094, "HY000") // no proxy session has that id
	_, err = killer.ExecContext(ctx, "KILL ?", backendThread)
	wantMySQLError(t, err, 1235, "42000")
	if n := queryInt(t, victim, "SELECT 1"); n != 1 {
		t.Fatalf("the other session after the KILLs: SELECT 1 = %d", n)
	}
	// The proxy id works prepared too.
	victimID := queryInt(t, victim, "SELECT CONNECTION_ID()")
	stmt, err = killer.PrepareContext(ctx, fmt.Sprintf("KILL %d", victimID))
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if _, err := stmt.ExecContext(ctx); err != nil {
		t.Fatalf("prepared KILL of the proxy session %d: %v", victimID, err)
	}
	if _, err := victim.ExecContext(ctx, "SELECT 1"); err == nil {
		t.Fatal("the killed session still answers")
	}
}
