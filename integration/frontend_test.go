package integration

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-mysql-org/go-mysql/client"
)

// CRUD on an unsharded table through the proxy, in both driver modes; the
// data must really be on the shard.
func TestCRUD(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	shard := f.shard(t, "shop")
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			db := f.db(t, "shop", m.params)
			tbl := tableName("items", m)
			mustExec(t, db, "CREATE TABLE "+tbl+" (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INT NOT NULL) ENGINE=InnoDB")

			res := mustExec(t, db, "INSERT INTO "+tbl+" (name, qty) VALUES (?, ?), (?, ?), (?, ?)", "apple", 5, "pear", 10, "plum", 15)
			if n, err := res.RowsAffected(); err != nil || n != 3 {
				t.Fatalf("multi-row INSERT: RowsAffected = %d, %v; want 3", n, err)
			}
			// MySQL reports the id of the first row of a multi-row insert.
			if id, err := res.LastInsertId(); err != nil || id != 1 {
				t.Fatalf("multi-row INSERT: LastInsertId = %d, %v; want 1", id, err)
			}
			res = mustExec(t, db, "INSERT INTO "+tbl+" (name, qty) VALUES (?, ?)", "kiwi", 20)
			if id, err := res.LastInsertId(); err != nil || id != 4 {
				t.Fatalf("INSERT: LastInsertId = %d, %v; want 4", id, err)
			}

			rows, err := db.Query("SELECT id, name, qty FROM "+tbl+" WHERE qty >= ? AND name <> ? ORDER BY id", 10, "kiwi")
			if err != nil {
				t.Fatal(err)
			}
			type item struct {
				id   int
				name string
				qty  int
			}
			var got []item
			for rows.Next() {
				var it item
				if err := rows.Scan(&it.id, &it.name, &it.qty); err != nil {
					t.Fatal(err)
				}
				got = append(got, it)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if want := []item{{2, "pear", 10}, {3, "plum", 15}}; !slices.Equal(got, want) {
				t.Fatalf("SELECT with args = %v, want %v", got, want)
			}

			updates := []struct {
				sql  string
				args []any
				want int64
			}{
				{"UPDATE " + tbl + " SET qty = qty + 1 WHERE qty > ?", []any{9}, 3},
				{"UPDATE " + tbl + " SET qty = ? WHERE name = ?", []any{6, "apple"}, 1},
				// Same value again: matched but not changed, so 0 affected.
				{"UPDATE " + tbl + " SET qty = ? WHERE name = ?", []any{6, "apple"}, 0},
				{"UPDATE " + tbl + " SET qty = 0 WHERE name = ?", []any{"nothing"}, 0},
			}
			for _, u := range updates {
				res := mustExec(t, db, u.sql, u.args...)
				if n, err := res.RowsAffected(); err != nil || n != u.want {
					t.Fatalf("%s %v: RowsAffected = %d, %v; want %d", u.sql, u.args, n, err, u.want)
				}
			}
			res = mustExec(t, db, "DELETE FROM "+tbl+" WHERE id = ?", 3)
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				t.Fatalf("DELETE: RowsAffected = %d, %v; want 1", n, err)
			}

			// Through the proxy and directly on the shard: same data.
			for name, q := range map[string]*sql.DB{"proxy": db, "shard": shard} {
				if n := queryInt(t, q, "SELECT COUNT(*) FROM "+tbl); n != 3 {
					t.Errorf("%s: COUNT(*) = %d, want 3", name, n)
				}
				if n := queryInt(t, q, "SELECT SUM(qty) FROM "+tbl); n != 6+11+21 {
					t.Errorf("%s: SUM(qty) = %d, want %d", name, n, 6+11+21)
				}
				if s := queryString(t, q, "SELECT GROUP_CONCAT(name ORDER BY id) FROM "+tbl); s.String != "apple,pear,kiwi" {
					t.Errorf("%s: names = %q", name, s.String)
				}
			}
		})
	}
}

// SHOW DATABASES shows the configured schemas only; SHOW TABLES and
// @@version are the shard's.
func TestShowStatements(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	f.s0.CreateDatabase(t, "notserved") // exists on the shard, not in the config
	db := f.db(t, "shop", "")
	mustExec(t, db, "CREATE TABLE customers (id INT PRIMARY KEY)")
	mustExec(t, db, "CREATE TABLE orders (id INT PRIMARY KEY)")
	mustExec(t, db, "CREATE TABLE crm.contacts (id INT PRIMARY KEY)")

	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	tests := []struct {
		query string
		want  []string
	}{
		{"SHOW DATABASES", []string{"crm", "information_schema", "shop"}},
		{"show databases", []string{"crm", "information_schema", "shop"}},
		{"SHOW DATABASES LIKE 'sh%'", []string{"shop"}},
		{"SHOW DATABASES LIKE 'SHOP'", []string{"shop"}},
		{"SHOW DATABASES LIKE 'mysql'", nil},
		{"SHOW DATABASES LIKE '%schema'", []string{"information_schema"}},
		{"SHOW TABLES", []string{"customers", "orders"}},
		{"SHOW TABLES FROM crm", []string{"contacts"}},
		{"SHOW TABLES LIKE 'ord%'", []string{"orders"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := queryStrings(t, db, tt.query)
			if !slices.Equal(sorted(got), sorted(tt.want)) {
				t.Fatalf("%s = %q, want %q", tt.query, got, tt.want)
			}
		})
	}
	t.Run("column definitions", func(t *testing.T) {
		// MariaDB's own: "Database (sh%)" with LIKE, its type and length.
		for _, q := range []string{"SHOW DATABASES", "SHOW DATABASES LIKE 'sh%'"} {
			if g, w := columnTypes(t, db, q), columnTypes(t, f.shard(t, "shop"), q); g != w {
				t.Errorf("%s: columns through the proxy %s, direct %s", q, g, w)
			}
		}
	})
	t.Run("version", func(t *testing.T) {
		v := queryString(t, db, "SELECT @@version")
		if !v.Valid || strings.TrimSpace(v.String) == "" {
			t.Fatalf("SELECT @@version = %v", v)
		}
		t.Logf("SELECT @@version through the proxy: %q", v.String)
	})
	t.Run("no database selected", func(t *testing.T) {
		nodb := f.db(t, "", "")
		got := queryStrings(t, nodb, "SHOW DATABASES")
		if want := []string{"crm", "information_schema", "shop"}; !slices.Equal(sorted(got), want) {
			t.Fatalf("SHOW DATABASES without a database = %q, want %q", got, want)
		}
		_, err := nodb.Query("SHOW TABLES")
		wantMySQLError(t, err, 1046, "3D000")
	})
}

// USE, COM_INIT_DB and the DSN database select the logical schema;
// DATABASE() follows the session, not the pooled backend connection.
func TestUseDatabase(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "backend: {max_open: 2, max_idle: 2}"})
	f.s0.Exec(t,
		"CREATE TABLE shop.whereami (v VARCHAR(10))", "INSERT INTO shop.whereami VALUES ('shop')",
		"CREATE TABLE crm.whereami (v VARCHAR(10))", "INSERT INTO crm.whereami VALUES ('crm')",
	)
	ctx := testCtx(t, 2*time.Minute)

	// Backend connection ids used by sessions that selected shop.
	shopBackends := map[int64]bool{}
	shopDB := f.db(t, "shop", "")
	shopDB.SetMaxOpenConns(3)

	t.Run("USE switches schema", func(t *testing.T) {
		conn, err := shopDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if s := queryString(t, conn, "SELECT DATABASE()"); s.String != "shop" {
			t.Fatalf("DATABASE() = %v, want shop", s)
		}
		if s := queryString(t, conn, "SELECT v FROM whereami"); s.String != "shop" {
			t.Fatalf("whereami before USE = %v, want shop", s)
		}
		shopBackends[queryInt(t, conn, "SELECT @@pseudo_thread_id")] = true
		mustExec(t, conn, "USE crm")
		if s := queryString(t, conn, "SELECT DATABASE()"); s.String != "crm" {
			t.Fatalf("DATABASE() after USE crm = %v", s)
		}
		if s := queryString(t, conn, "SELECT v FROM whereami"); s.String != "crm" {
			t.Fatalf("unqualified table after USE crm = %v, want crm", s)
		}
		if s := queryString(t, conn, "SELECT v FROM shop.whereami"); s.String != "shop" {
			t.Fatalf("qualified shop.whereami after USE crm = %v", s)
		}
		mustExec(t, conn, "USE `shop`")
		if s := queryString(t, conn, "SELECT v FROM whereami"); s.String != "shop" {
			t.Fatalf("after USE `shop` = %v", s)
		}
		_, err = conn.ExecContext(ctx, "USE nosuch")
		wantMySQLError(t, err, 1049, "42000")
		if s := queryString(t, conn, "SELECT DATABASE()"); s.String != "shop" {
			t.Fatalf("failed USE changed the database to %v", s)
		}
	})

	t.Run("DSN database", func(t *testing.T) {
		for _, m := range modes {
			crm := f.db(t, "crm", m.params)
			if s := queryString(t, crm, "SELECT DATABASE()"); s.String != "crm" {
				t.Fatalf("%s: DATABASE() = %v, want crm", m.name, s)
			}
			if s := queryString(t, crm, "SELECT v FROM whereami WHERE v = ?", "crm"); s.String != "crm" {
				t.Fatalf("%s: whereami = %v, want crm", m.name, s)
			}
		}
	})

	t.Run("COM_INIT_DB", func(t *testing.T) {
		c := f.rawClient(t, appUser, appPass, "")
		if err := c.UseDB("crm"); err != nil {
			t.Fatalf("COM_INIT_DB crm: %v", err)
		}
		r, err := c.Execute("SELECT DATABASE(), v FROM whereami")
		if err != nil {
			t.Fatal(err)
		}
		db, _ := r.GetString(0, 0)
		v, _ := r.GetString(0, 1)
		if db != "crm" || v != "crm" {
			t.Fatalf("after COM_INIT_DB crm: DATABASE()=%q whereami=%q", db, v)
		}
		err = c.UseDB("nosuch")
		if code := goMySQLErrCode(err); code != 1049 {
			t.Fatalf("COM_INIT_DB nosuch: %v, want error 1049", err)
		}
		err = c.UseDB("mysql")
		if code := goMySQLErrCode(err); code != 1044 {
			t.Fatalf("COM_INIT_DB mysql: %v, want error 1044", err)
		}
		if r, err := c.Execute("SELECT DATABASE()"); err != nil {
			t.Fatal(err)
		} else if s, _ := r.GetString(0, 0); s != "crm" {
			t.Fatalf("failed COM_INIT_DB changed the database to %q", s)
		}
	})

	t.Run("no database", func(t *testing.T) {
		// Keep both backend connections busy with shop for a while, so that
		// whichever one the next session gets has shop selected.
		for i := 0; i < 10; i++ {
			shopBackends[queryInt(t, shopDB, "SELECT @@pseudo_thread_id FROM whereami")] = true
		}
		nodb := f.db(t, "", "")
		conn, err := nodb.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		backend := queryInt(t, conn, "SELECT @@pseudo_thread_id")
		if !shopBackends[backend] {
			t.Logf("note: the no-database session ran on backend %d, not one of the shop sessions' %v", backend, shopBackends)
		}
		if s := queryString(t, conn, "SELECT DATABASE()"); s.Valid {
			t.Fatalf("DATABASE() without a database = %q, want NULL", s.String)
		}
		if s := queryString(t, conn, "SELECT SCHEMA()"); s.Valid {
			t.Fatalf("SCHEMA() without a database = %q, want NULL", s.String)
		}
		_, err = conn.QueryContext(ctx, "SELECT v FROM whereami")
		wantMySQLError(t, err, 1046, "3D000")
		if s := queryString(t, conn, "SELECT v FROM crm.whereami"); s.String != "crm" {
			t.Fatalf("qualified crm.whereami = %v", s)
		}
	})

	t.Run("no database, DATABASE() in an expression", func(t *testing.T) {
		for i := 0; i < 4; i++ {
			queryInt(t, shopDB, "SELECT COUNT(*) FROM whereami")
		}
		nodb := f.db(t, "", "")
		if s := queryString(t, nodb, "SELECT COALESCE(DATABASE(), 'none')"); s.String != "none" {
			t.Errorf("SELECT COALESCE(DATABASE(), 'none') without a database = %q, want \"none\" (the pooled backend connection's database leaks)", s.String)
		}
		if n := queryInt(t, nodb, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"); n != 0 {
			t.Errorf("information_schema.tables WHERE table_schema = DATABASE() without a database: %d rows, want 0", n)
		}
	})
}

// Each error comes back as an error packet with the right code, the
// connection that got it keeps working, and so does the proxy.
func TestErrors(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	mustExec(t, f.shard(t, "shop"), "CREATE TABLE t (id INT PRIMARY KEY)")
	ctx := testCtx(t, 2*time.Minute)

	t.Run("login", func(t *testing.T) {
		tests := []struct {
			name           string
			user, pass, db string
			code           uint16
			state          string
		}{
			{"wrong password", appUser, "wrong", "shop", 1045, "28000"},
			{"empty password", appUser, "", "shop", 1045, "28000"},
			{"unknown user", "nobody", appPass, "shop", 1045, "28000"},
			{"unknown database", appUser, appPass, "nosuch", 1049, "42000"},
			{"hidden database", appUser, appPass, "mysql", 1044, "42000"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				db, err := sql.Open("mysql", f.p.DSN(tt.user, tt.pass, tt.db, "timeout=5s"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				wantMySQLError(t, db.PingContext(ctx), tt.code, tt.state)
				f.assertAlive(t)
			})
		}
	})

	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			db := f.db(t, "shop", m.params)
			tests := []struct {
				name  string
				query string
				args  []any
				code  uint16
				state string
			}{
				{"USE unknown", "USE nosuch", nil, 1049, "42000"},
				{"USE mysql", "USE mysql", nil, 1044, "42000"},
				{"mysql.user", "SELECT * FROM mysql.user", nil, 1044, "42000"},
				{"mysql.user with arg", "SELECT * FROM mysql.user WHERE User = ?", []any{"root"}, 1044, "42000"},
				{"performance_schema", "SELECT * FROM performance_schema.threads", nil, 1044, "42000"},
				{"syntax error", "SELEC 1", nil, 1064, "42000"},
				{"syntax error with arg", "SELECT * FROM t WHER id = ?", []any{1}, 1064, "42000"},
				{"XA START", "XA START 'x'", nil, 1235, "42000"},
				{"XA RECOVER", "XA RECOVER", nil, 1235, "42000"},
				{"xa with comment", "/* c */ xa end 'x'", nil, 1235, "42000"},
				{"SET GLOBAL", "SET GLOBAL max_connections = 10", nil, 1227, "42000"},
				{"SET @@global", "SET @@global.max_connections = 10", nil, 1227, "42000"},
				{"SET GLOBAL unknown", "SET GLOBAL nosuch_variable = 1", nil, 1193, "HY000"},
				{"SET GLOBAL session-only", "SET GLOBAL last_insert_id = 5", nil, 1228, "HY000"},
				{"SET @@global read-only", "SET @@global.version = 'x'", nil, 1238, "HY000"},
				{"unknown table", "SELECT * FROM nosuch", nil, 1146, "42S02"},
				{"unknown table with arg", "SELECT * FROM nosuch WHERE id = ?", []any{1}, 1146, "42S02"},
				{"unknown column", "SELECT nosuch FROM t WHERE id = ?", []any{1}, 1054, "42S22"},
				{"duplicate key", "INSERT INTO t VALUES (?), (?)", []any{7, 7}, 1062, "23000"},
				{"unknown system variable", "SET SESSION nosuch_variable = 1", nil, 1193, "HY000"},
				{"multi-statement without CLIENT_MULTI_STATEMENTS", "SELECT 1; SELECT 2", nil, 1064, "42000"},
				{"FLUSH", "FLUSH TABLES", nil, 1227, "42000"},
				{"SHUTDOWN", "SHUTDOWN", nil, 1227, "42000"},
				{"CREATE USER", "CREATE USER 'x'@'%' IDENTIFIED BY 'y'", nil, 1227, "42000"},
				{"GRANT", "GRANT ALL ON *.* TO 'app'@'%'", nil, 1227, "42000"},
				{"CREATE DATABASE not served", "CREATE DATABASE nosuch", nil, 1049, "42000"},
				{"DROP DATABASE mysql", "DROP DATABASE mysql", nil, 1044, "42000"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					conn, err := db.Conn(ctx)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close()
					rows, err := conn.QueryContext(ctx, tt.query, tt.args...)
					if err == nil {
						// Errors may also arrive while reading.
						for rows.Next() {
						}
						err = rows.Err()
						rows.Close()
					}
					wantMySQLError(t, err, tt.code, tt.state)
					// The same session goes on.
					if n := queryInt(t, conn, "SELECT 1"); n != 1 {
						t.Fatalf("SELECT 1 after the error = %d", n)
					}
					if s := queryString(t, conn, "SELECT DATABASE()"); s.String != "shop" {
						t.Fatalf("DATABASE() after the error = %v, want shop", s)
					}
				})
			}
			// Nothing of the failed statements reached the shard.
			if n := queryInt(t, f.shard(t, "shop"), "SELECT COUNT(*) FROM t"); n != 0 {
				t.Fatalf("%d rows in t after failed inserts", n)
			}
			f.assertAlive(t)
		})
	}

	// A SET GLOBAL that MariaDB refuses before its privilege check gets
	// MariaDB's error, message included; the rest the proxy's refusal.
	t.Run("SET GLOBAL errors as MariaDB's", func(t *testing.T) {
		db, direct := f.db(t, "shop", ""), f.shard(t, "shop")
		for _, q := range []string{
			"SET GLOBAL NoSuch = 1",
			"SET GLOBAL max_connections = 500, SESSION nosuch = 1",
			"SET GLOBAL Last_Insert_ID = 5",
			"SET GLOBAL insert_id = 5, SESSION sql_mode = ''",
			"SET @@global.version = 'x'",
			"SET @@global.warning_count = 1",
			"SET GLOBAL sql_log_bin = 0",
			"SET SESSION max_connections = 5, GLOBAL wait_timeout = 5",
		} {
			_, perr := db.ExecContext(ctx, q)
			_, derr := direct.ExecContext(ctx, q)
			sameMySQLError(t, q, perr, derr)
		}
		f.assertAlive(t)
	})

	// SHOW DATABASES is answered by the proxy, as a plain query only.
	t.Run("prepared SHOW DATABASES", func(t *testing.T) {
		db := f.db(t, "shop", "")
		_, err := db.PrepareContext(ctx, "SHOW DATABASES")
		wantMySQLError(t, err, 1295, "HY000")
		if got := queryStrings(t, db, "SHOW DATABASES"); len(got) != 3 {
			t.Fatalf("SHOW DATABASES after the refused prepare: %q", got)
		}
	})

	// With multiStatements=true the driver announces
	// CLIENT_MULTI_STATEMENTS: both statements run, as on MariaDB
	// (TestMultiStatements compares the answers with MariaDB's).
	t.Run("multiStatements DSN", func(t *testing.T) {
		db := f.db(t, "shop", "multiStatements=true")
		if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (100); INSERT INTO t VALUES (101)"); err != nil {
			t.Fatalf("multi-statement INSERTs: %v", err)
		}
		if n := queryInt(t, f.shard(t, "shop"), "SELECT COUNT(*) FROM t WHERE id IN (100, 101)"); n != 2 {
			t.Fatalf("a multi-statement query inserted %d of its 2 rows", n)
		}
		mustExec(t, db, "DELETE FROM t WHERE id IN (100, 101)")
		if n := queryInt(t, db, "SELECT 3"); n != 3 {
			t.Fatal("single statement on a multiStatements connection failed")
		}
	})
	f.assertAlive(t)
}

// frontend.max_connections: the connection over the limit gets 1040 in
// place of the greeting, and a slot freed is usable again.
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{extra: "frontend: {max_connections: 3}"})
	ctx := testCtx(t, time.Minute)
	db := f.db(t, "shop", "timeout=5s")
	var conns []*sql.Conn
	for i := 0; i < 3; i++ {
		conns = append(conns, connWhenFree(t, ctx, db, fmt.Sprintf("connection %d of 3", i+1)))
	}
	for i := 0; i < 2; i++ {
		_, err := db.Conn(ctx)
		wantMySQLError(t, err, 1040, "")
		// As MariaDB: no SQLSTATE before the handshake, the exact text
		// (go-sql-driver's own tests compare it).
		if err.Error() != "Error 1040: Too many connections" {
			t.Errorf("over the limit: %q, want MariaDB's \"Error 1040: Too many connections\"", err)
		}
	}
	// The three sessions still work.
	for i, c := range conns {
		if n := queryInt(t, c, "SELECT ?", i); n != int64(i) {
			t.Fatalf("session %d: %d", i, n)
		}
	}
	// Free one (Raw close, so database/sql does not keep it idle) and a new
	// session gets in once the proxy saw it go.
	if err := conns[0].Raw(func(dc any) error { return dc.(interface{ Close() error }).Close() }); err != nil {
		t.Fatal(err)
	}
	conns[0].Close()
	connWhenFree(t, ctx, db, "after closing a session").Close()

	// Many clients connecting at the same moment: still at most 3 in.
	t.Run("concurrent logins", func(t *testing.T) {
		for _, c := range conns[1:] {
			_ = c.Raw(func(dc any) error { return dc.(interface{ Close() error }).Close() })
			c.Close()
		}
		// The session opened after the first close sits idle in db's pool.
		db.Close()
		// A slot is freed only once the proxy's session goroutine handled
		// the close, which under load can take a while: each round starts
		// with all three free, as xaproxy_sessions shows.
		waitNoSessions := func(when string) {
			t.Helper()
			if !waitFor(5*time.Second, func() bool { return metric(t, f.p, "xaproxy_sessions") == 0 }) {
				t.Fatalf("%s: the proxy still counts %v sessions 5 s after their clients closed", when, metric(t, f.p, "xaproxy_sessions"))
			}
		}
		waitNoSessions("before the concurrent logins")
		// The limit must hold however the logins interleave: a few bursts.
		const clients, rounds = 24, 3
		maxIn := 0
		for round := 0; round < rounds; round++ {
			type res struct {
				c   *gomysql.Conn
				err error
			}
			results := make(chan res, clients)
			start := make(chan struct{})
			for i := 0; i < clients; i++ {
				go func() {
					<-start
					c, err := gomysql.ConnectWithTimeout(f.p.Addr(), appUser, appPass, "shop", 5*time.Second)
					results <- res{c, err}
				}()
			}
			close(start)
			in, refused := 0, 0
			var opened []*gomysql.Conn
			for i := 0; i < clients; i++ {
				r := <-results
				if r.err != nil {
					if code := goMySQLErrCode(r.err); code != 1040 {
						t.Errorf("login failed with %v, want 1040", r.err)
					}
					refused++
					continue
				}
				opened = append(opened, r.c)
				if _, err := r.c.Execute("SELECT 1"); err == nil {
					in++
				}
			}
			for _, c := range opened {
				c.Close()
			}
			t.Logf("round %d: %d of %d concurrent logins got in, %d refused", round, in, clients, refused)
			if in == 0 {
				t.Fatal("no concurrent login got in")
			}
			maxIn = max(maxIn, in)
			waitNoSessions(fmt.Sprintf("after round %d", round))
		}
		if maxIn > 3 {
			t.Fatalf("up to %d sessions serving at once with frontend.max_connections=3", maxIn)
		}
	})
}

// connWhenFree opens a session, retrying for up to 5 s while the proxy
// answers 1040: a connection the client closed holds its slot until the
// proxy reads the close, as on MariaDB, and the harness's readiness probe
// (a bare TCP connect) is one such connection.
func connWhenFree(t *testing.T, ctx context.Context, db *sql.DB, what string) *sql.Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := db.Conn(ctx)
		if err == nil {
			if err = c.PingContext(ctx); err == nil {
				return c
			}
			c.Close()
		}
		if mysqlErrNumber(err) != 1040 || time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A caching_sha2_password user and mysql_native_password users log in.
// The harness writes users as {name, password} only, so the config file
// is extended with auth_plugin and the proxy restarted on it.
func TestAuthPlugins(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{users: map[string]string{appUser: appPass, otherUser: otherPass, "sha": "sha-secret"}})
	cfg, err := os.ReadFile(f.p.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	shaLine := `  - {name: "sha", password: "sha-secret"}`
	if !strings.Contains(string(cfg), shaLine+"\n") {
		t.Fatalf("config has no line %q:\n%s", shaLine, cfg)
	}
	newCfg := strings.Replace(string(cfg), shaLine, `  - {name: "sha", password: "sha-secret", auth_plugin: caching_sha2_password}`, 1)
	if err := os.WriteFile(f.p.ConfigPath(), []byte(newCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	f.p.Restart(t)
	ctx := testCtx(t, time.Minute)

	tests := []struct {
		name, user, pass string
		wantCode         uint16
	}{
		{"native app", appUser, appPass, 0},
		{"native other", otherUser, otherPass, 0},
		{"sha first login (full auth over RSA)", "sha", "sha-secret", 0},
		{"sha second login (cached, fast auth)", "sha", "sha-secret", 0},
		{"sha wrong password", "sha", "sha-wrong", 1045},
		{"sha empty password", "sha", "", 1045},
		{"sha login after failures", "sha", "sha-secret", 0},
		{"native wrong password", otherUser, appPass, 1045},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range modes {
				db, err := sql.Open("mysql", f.p.DSN(tt.user, tt.pass, "shop", joinParams("timeout=5s", m.params)))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var n int
				var dbName string
				err = db.QueryRowContext(ctx, "SELECT ? + 1, DATABASE()", 41).Scan(&n, &dbName)
				if tt.wantCode != 0 {
					wantMySQLError(t, err, tt.wantCode, "28000")
					continue
				}
				if err != nil {
					t.Fatalf("%s as %s: %v", m.name, tt.user, err)
				}
				if n != 42 || dbName != "shop" {
					t.Fatalf("%s as %s: got %d, %q", m.name, tt.user, n, dbName)
				}
			}
		})
	}
	t.Run("sha via go-mysql client", func(t *testing.T) {
		c := f.rawClient(t, "sha", "sha-secret", "crm")
		r, err := c.Execute("SELECT DATABASE()")
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := r.GetString(0, 0); s != "crm" {
			t.Fatalf("DATABASE() = %q", s)
		}
	})
	f.assertAlive(t)
}
