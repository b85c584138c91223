package integration

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// The session differential test: seeded scripts of 8 sessions interleaved,
// drawn from a catalogue of statement forms that touch what a MariaDB
// connection remembers (docs/session-state.md), run through the proxy and
// on one MariaDB holding all the rows; every answer (column names, types
// and nullability, rows, affected rows, insert ids, error codes) and the
// rows stored at the end, through the proxy and on the shards themselves,
// are compared.
// Sessions write only rows of their own (no statement waits for another
// session's lock), but share the proxy's few backend connections, user-level
// lock names and the AUTO_INCREMENT counter.
//
//	XAPROXY_SESSDIFF_SEED=N     replay a seed
//	XAPROXY_SESSDIFF_SCRIPTS=N  scripts per schema (default sessDiffScripts)
//	XAPROXY_SESSDIFF_TRACE=K    log every statement of session K and both answers
//
// Part of make test (scripts per schema: sessDiffScripts); make
// session-diff runs it alone, XAPROXY_SESSDIFF_SCRIPTS=N for more.

const (
	sdBounds         = 12 // rows below and above each session's ids in sd
	sessDiffSessions = 8
	sessDiffSteps    = 120 // statements per script
	sessDiffScripts  = 8   // scripts per schema in make test
)

// sessDiffForms is the catalogue: each form writes one statement for
// session k (rows of its own: sess = k).
var sessDiffForms = []struct {
	name string
	gen  func(r *rand.Rand, k int) string
}{
	{"insert row", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("INSERT INTO sd (sess, id, v) VALUES (%d, %d, %s)", k, r.IntN(40), sdText(r))
	}},
	{"update row", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("UPDATE sd SET v = %s WHERE sess = %d AND id = %d", sdText(r), k, r.IntN(40))
	}},
	{"read own rows", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("SELECT id, v, HEX(v) FROM sd WHERE sess = %d ORDER BY id", k)
	}},
	{"upsert", func(r *rand.Rand, k int) string {
		// CLIENT_FOUND_ROWS sessions count an unchanged duplicate as 1.
		id := r.IntN(40)
		return []string{
			fmt.Sprintf("INSERT INTO sd (sess, id, v) VALUES (%d, %d, %s) ON DUPLICATE KEY UPDATE v = VALUES(v)", k, id, sdText(r)),
			fmt.Sprintf("INSERT INTO sd (sess, id, v) VALUES (%d, %d, 'a'), (%d, %d, 'x'), (%d, %d, %s) ON DUPLICATE KEY UPDATE v = VALUES(v)", k, id, k, id+1, k, id+2, sdText(r)),
			fmt.Sprintf("INSERT IGNORE INTO sd (sess, id, v) VALUES (%d, %d, 'x'), (%d, %d, %s) ON DUPLICATE KEY UPDATE v = 'x'", k, id, k, id+3, sdText(r)),
		}[r.IntN(3)]
	}},
	{"statement time", func(r *rand.Rand, k int) string {
		// One time for all rows, on every shard they come from.
		return fmt.Sprintf("SELECT COUNT(DISTINCT NOW(6)), COUNT(DISTINCT CURRENT_TIMESTAMP(3)) FROM sd WHERE sess = %d", k)
	}},
	{"delete row", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("DELETE FROM sd WHERE sess = %d AND id = %d", k, r.IntN(40))
	}},
	{"auto-increment insert", func(r *rand.Rand, k int) string {
		if r.IntN(3) == 0 {
			return fmt.Sprintf("INSERT INTO ai (sess, v) VALUES (%d, 1), (%d, 2)", k, k)
		}
		return fmt.Sprintf("INSERT INTO ai (sess, v) VALUES (%d, %d)", k, r.IntN(100))
	}},
	{"auto-increment variables", func(r *rand.Rand, k int) string {
		// insert_id is used by the next statement that generates an id,
		// then reset; the increment and offset stay.
		return []string{
			fmt.Sprintf("SET SESSION insert_id = %d", 300000+k*1000+r.IntN(998)),
			"SET SESSION auto_increment_increment = 5, auto_increment_offset = 2",
			"SET SESSION auto_increment_increment = DEFAULT, auto_increment_offset = DEFAULT",
			"SELECT @@insert_id, @@auto_increment_increment",
		}[r.IntN(4)]
	}},
	{"explicit id insert", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("INSERT IGNORE INTO ai (id, sess, v) VALUES (%d, %d, 0)", 100000+k*1000+1+r.IntN(998), k)
	}},
	{"last insert id", func(r *rand.Rand, k int) string { return "SELECT LAST_INSERT_ID(), @@identity" }},
	{"warnings", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("INSERT IGNORE INTO sd (sess, id, v) VALUES (%d, %d, 'longer than ten chars')", k, 40+r.IntN(10))
	}},
	{"show warnings", func(r *rand.Rand, k int) string { return "SHOW WARNINGS" }},
	{"warning count", func(r *rand.Rand, k int) string { return "SELECT @@warning_count, @@error_count" }},
	{"error", func(r *rand.Rand, k int) string { return "SELECT * FROM no_such_table" }},
	{"user variable", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("SET @v = %d, @w = @v * 2, @s = %s", r.IntN(40), sdText(r))
	}},
	{"read user variables", func(r *rand.Rand, k int) string { return "SELECT @v, @w, @s, HEX(@s)" }},
	{"route by user variable", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("SELECT id, v FROM sd WHERE sess = %d AND id = @v", k)
	}},
	{"temporary table", func(r *rand.Rand, k int) string {
		return []string{"CREATE TEMPORARY TABLE tmp (x INT)", "INSERT INTO tmp VALUES (" + strconv.Itoa(k) + ")",
			"SELECT SUM(x), COUNT(*) FROM tmp", "DROP TEMPORARY TABLE tmp"}[r.IntN(4)]
	}},
	{"transaction", func(r *rand.Rand, k int) string {
		return []string{"BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION READ ONLY", "START TRANSACTION READ WRITE"}[r.IntN(5)]
	}},
	{"autocommit", func(r *rand.Rand, k int) string {
		return []string{"SET autocommit = 0", "SET autocommit = 1", "SELECT @@autocommit"}[r.IntN(3)]
	}},
	{"transaction characteristics", func(r *rand.Rand, k int) string {
		return []string{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET TRANSACTION READ ONLY",
			"SET TRANSACTION READ WRITE", "SET SESSION TRANSACTION READ WRITE", "SET SESSION TRANSACTION READ ONLY"}[r.IntN(5)]
	}},
	{"character set", func(r *rand.Rand, k int) string {
		return []string{"SET NAMES utf8mb4", "SET NAMES latin1", "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
			"SET CHARACTER SET utf8mb4", "SELECT @@character_set_client, @@collation_connection"}[r.IntN(5)]
	}},
	{"user-level lock", func(r *rand.Rand, k int) string {
		return []string{"SELECT GET_LOCK('sessdiff', 0)", "SELECT RELEASE_LOCK('sessdiff')",
			"SELECT IS_FREE_LOCK('sessdiff')", "SELECT RELEASE_ALL_LOCKS()"}[r.IntN(4)]
	}},
	{"implicit commit", func(r *rand.Rand, k int) string {
		return fmt.Sprintf("CREATE TABLE IF NOT EXISTS ddl_%d (id INT)", k)
	}},
	{"comment only", func(r *rand.Rand, k int) string { return "/* nothing */" }},
	{"returning", func(r *rand.Rand, k int) string {
		id := r.IntN(40)
		return []string{
			fmt.Sprintf("INSERT INTO ai (sess, v) VALUES (%d, %d) RETURNING id, sess, v", k, r.IntN(100)),
			fmt.Sprintf("INSERT INTO sd (sess, id, v) VALUES (%d, %d, %s), (%d, %d, %s) RETURNING id, v, HEX(v)", k, id, sdText(r), k, id+1, sdText(r)),
			// One row: over several shards the order of DELETE ... RETURNING
			// is the concatenation of theirs (SQL leaves it undefined).
			fmt.Sprintf("DELETE FROM sd WHERE sess = %d AND id = %d RETURNING id, v", k, id),
		}[r.IntN(3)]
	}},
	{"sql prepared statement", func(r *rand.Rand, k int) string {
		return []string{
			"PREPARE ps FROM 'SELECT id, v FROM sd WHERE sess = ? AND id > ? ORDER BY id LIMIT 3'",
			fmt.Sprintf("EXECUTE ps USING %d, @v", k),
			"PREPARE pc FROM 'SELECT COUNT(*) FROM sd WHERE id >= ?'",
			"EXECUTE pc USING @v",
			"DEALLOCATE PREPARE ps",
		}[r.IntN(5)]
	}},
	{"executable comment", func(r *rand.Rand, k int) string {
		return []string{
			fmt.Sprintf("SELECT COUNT(*) FROM sd WHERE sess = %d /*!40000 AND id > 5 */ /*M!999999 AND id > 100 */", k),
			fmt.Sprintf("INSERT INTO sd (sess, id, v) VALUES (%d, %d, /*!40000 'c' */ 'd')", k, r.IntN(40)),
			"/*!40101 SET @saved = @@character_set_client */",
		}[r.IntN(3)]
	}},
	{"table lock", func(r *rand.Rand, k int) string {
		return []string{fmt.Sprintf("LOCK TABLES ddl_%d WRITE", k), "UNLOCK TABLES"}[r.IntN(2)]
	}},
	{"handler", func(r *rand.Rand, k int) string {
		return []string{"HANDLER ai OPEN", "HANDLER ai READ `PRIMARY` FIRST", "HANDLER ai CLOSE"}[r.IntN(3)]
	}},
	{"show warnings limit", func(r *rand.Rand, k int) string { return "SHOW WARNINGS LIMIT 1" }},
	{"multi-statement query", func(r *rand.Rand, k int) string {
		id := r.IntN(40)
		return []string{
			fmt.Sprintf("INSERT INTO sd (sess, id, v) VALUES (%d, %d, 'm1'); UPDATE sd SET v = 'm2' WHERE sess = %d AND id = %d", k, id, k, id),
			fmt.Sprintf("DELETE FROM sd WHERE sess = %d AND id = %d; SELECT * FROM no_such_table; SET @v = 99", k, id),
			"SET @w = 'multi'; DO 1",
		}[r.IntN(3)]
	}},
	{"found rows", func(r *rand.Rand, k int) string {
		return []string{
			fmt.Sprintf("SELECT SQL_CALC_FOUND_ROWS id FROM sd WHERE sess = %d ORDER BY id LIMIT 2", k),
			fmt.Sprintf("SELECT id FROM sd WHERE sess = %d ORDER BY id LIMIT 3 OFFSET 1", k),
			"SELECT FOUND_ROWS(), ROW_COUNT()",
		}[r.IntN(3)]
	}},
	{"sql mode", func(r *rand.Rand, k int) string {
		// ANSI_QUOTES makes "v" the column, PIPES_AS_CONCAT makes || join
		// strings: the proxy must read the statement as the shards do.
		return []string{
			"SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES,STRICT_TRANS_TABLES'",
			"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,HIGH_NOT_PRECEDENCE'",
			"SET SESSION sql_mode = DEFAULT",
			fmt.Sprintf(`SELECT id, "v" || 'x' FROM sd WHERE sess = %d AND NOT id BETWEEN 3 AND 9 ORDER BY id`, k),
			fmt.Sprintf(`UPDATE sd SET v = "v" || 'y' WHERE sess = %d AND id = %d`, k, r.IntN(40)),
		}[r.IntN(5)]
	}},
	{"routines", func(r *rand.Rand, k int) string {
		return []string{fmt.Sprintf("CALL pv(%d)", k), fmt.Sprintf("SELECT gv(%d)", k), "SELECT @pv, @gv, @ai_last"}[r.IntN(3)]
	}},
	{"variable assigned in a statement", func(r *rand.Rand, k int) string {
		return []string{
			"SELECT @v := @v + 1, @w := 'é'",
			fmt.Sprintf("SELECT v INTO @s FROM sd WHERE sess = %d AND id = %d", k, r.IntN(40)),
			fmt.Sprintf("SELECT id, v FROM sd WHERE sess = %d AND id = %d AND (@w := v) IS NOT NULL", k, r.IntN(40)),
		}[r.IntN(3)]
	}},
}

// sessDiffArgForms are forms with parameters (the binary protocol).
var sessDiffArgForms = []struct {
	name string
	gen  func(r *rand.Rand, k int) scriptStep
}{
	{"LIMIT ? as a double", func(r *rand.Rand, k int) scriptStep {
		return scriptStep{session: k, sql: "SELECT id, v FROM sd WHERE sess = ? ORDER BY id LIMIT ?", args: []any{k, float64(1 + r.IntN(4))}}
	}},
	{"LIMIT ? as a numeric string", func(r *rand.Rand, k int) scriptStep {
		return scriptStep{session: k, sql: "SELECT id FROM sd WHERE sess = ? ORDER BY id DESC LIMIT ?", args: []any{k, strconv.Itoa(1 + r.IntN(4))}}
	}},
}

// sdText is a string literal, sometimes with characters beyond ASCII.
func sdText(r *rand.Rand) string {
	return "'" + []string{"a", "é", "zoë", "€5", "ß", "x"}[r.IntN(6)] + "'"
}

// genSessionScript draws a seeded script.
func genSessionScript(r *rand.Rand) []scriptStep {
	steps := make([]scriptStep, sessDiffSteps)
	for i := range steps {
		k := r.IntN(sessDiffSessions)
		if n := r.IntN(len(sessDiffForms) + len(sessDiffArgForms)); n < len(sessDiffForms) {
			steps[i] = scriptStep{session: k, sql: sessDiffForms[n].gen(r, k)}
		} else {
			steps[i] = sessDiffArgForms[n-len(sessDiffForms)].gen(r, k)
		}
	}
	// Every session ends its transaction and table locks, so that the
	// stored rows compare.
	for k := 0; k < sessDiffSessions; k++ {
		steps = append(steps, scriptStep{session: k, sql: "COMMIT"}, scriptStep{session: k, sql: "UNLOCK TABLES"},
			scriptStep{session: k, sql: "SET autocommit = 1"})
	}
	return steps
}

const sessDiffDDL = `CREATE TABLE sd (sess INT NOT NULL, id INT NOT NULL, v VARCHAR(10), PRIMARY KEY (sess, id));
CREATE TABLE ai (id BIGINT AUTO_INCREMENT PRIMARY KEY, sess INT, v INT)`

const sessDiffRoutines = `CREATE OR REPLACE PROCEDURE pv(x INT) SET @pv = x;
CREATE OR REPLACE FUNCTION gv(x INT) RETURNS INT RETURN (@gv := x) + 1;
CREATE TRIGGER ai_last AFTER INSERT ON ai FOR EACH ROW SET @ai_last = NEW.id`

func TestSessionDifferential(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("XAPROXY_SESSDIFF_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("XAPROXY_SESSDIFF_SEED=%q: %v", s, err)
		}
		seed = n
	}
	scripts := sessDiffScripts
	if s := os.Getenv("XAPROXY_SESSDIFF_SCRIPTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("XAPROXY_SESSDIFF_SCRIPTS=%q: want a positive number", s)
		}
		scripts = n
	}
	t.Logf("session differential: seed %d (replay with XAPROXY_SESSDIFF_SEED=%d), %d scripts per schema", seed, seed, scripts)

	ref := env.StartMariaDB(t, "ref")
	var shards []*harness.MariaDB
	var specs []harness.ShardSpec
	for _, n := range []string{"s0", "s1", "s2"} {
		m := env.StartMariaDB(t, n)
		shards = append(shards, m)
		specs = append(specs, harness.ShardSpec{Name: n, DSN: m.DSN("")})
	}
	schemas := []struct {
		name, yaml string
	}{
		{"unsharded", "\n  - name: u\n    default_shard: s0\n"},
		{"sharded", "\n  - name: sh\n    default_shard: s0\n    tables:\n      - {name: sd, shard_key: id, algorithm: hash}\n"},
	}
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards:  specs,
		Schemas: schemas[0].yaml + strings.TrimPrefix(schemas[1].yaml, "\n"),
		Users:   map[string]string{appUser: appPass},
		// Fewer backend connections than sessions: sessions keep taking
		// each other's; enough for the ones that hold state (transactions,
		// temporary tables, locks, diagnostics) at once.
		Extra: "backend: {max_open: 12, max_idle: 12, wait_timeout: 30s}",
	})
	checkBoundsSpread(t, p, shards)
	// A deployment of one shard runs plain transactions, not XA ones
	// (proxy/plaintx.go): the same scripts through a proxy over s0 alone.
	solo := env.StartProxy(t, harness.ProxyConfig{
		Shards:  specs[:1],
		Schemas: "\n  - name: one\n    default_shard: s0\n",
		Users:   map[string]string{appUser: appPass},
		Extra:   "backend: {max_open: 12, max_idle: 12, wait_timeout: 30s}",
	})
	runs := []struct {
		db     string
		p      *harness.Proxy
		shards []*harness.MariaDB
	}{{"u", p, shards}, {"sh", p, shards}, {"one", solo, shards[:1]}}
	r := rand.New(rand.NewPCG(seed, seed^0x5e55))
	total, statements, mismatches := 0, 0, 0
	for _, run := range runs {
		db := run.db
		for i := 0; i < scripts; i++ {
			refDB := fmt.Sprintf("%s_%d", db, i)
			ref.CreateDatabase(t, refDB)
			for _, m := range run.shards {
				m.CreateDatabase(t, db)
			}
			steps := genSessionScript(r)
			n := runSessionDiff(t, run.p, run.shards, db, ref.DSN(refDB), refDB, steps)
			mismatches += n
			total++
			statements += len(steps)
			// A fresh schema for the next script: drop through the proxy.
			mustExec(t, run.p.DB(t, appUser, appPass, db, ""), "DROP TABLE IF EXISTS sd, ai, ddl_0, ddl_1, ddl_2, ddl_3, ddl_4, ddl_5, ddl_6, ddl_7")
		}
	}
	t.Logf("session differential: %d scripts (%d statements, %d sessions each, unsharded and sharded schemas over 3 shards, and a 1-shard deployment), %d mismatches",
		total, statements, sessDiffSessions, mismatches)
}

// runSessionDiff runs one script through the proxy (schema db) and on the
// reference (database refDB) and reports how many answers differ.
func runSessionDiff(t *testing.T, p *harness.Proxy, shards []*harness.MariaDB, db, refDSN, refDB string, steps []scriptStep) int {
	t.Helper()
	ctx := testCtx(t, 5*time.Minute)
	// Pools of the script's own, closed at its end: the sessions end with
	// it and their state (temporary tables, locks) with them.
	// Sessions may send several statements in one query
	// (CLIENT_MULTI_STATEMENTS) and count matched rows (CLIENT_FOUND_ROWS),
	// as JDBC and mysql2 do.
	const caps = "multiStatements=true&clientFoundRows=true"
	proxyDB, err := sql.Open("mysql", p.DSN(appUser, appPass, db, caps))
	if err != nil {
		t.Fatal(err)
	}
	defer proxyDB.Close()
	refPool, err := sql.Open("mysql", refDSN+"?"+caps)
	if err != nil {
		t.Fatal(err)
	}
	defer refPool.Close()
	for _, q := range strings.Split(sessDiffDDL, ";\n") {
		mustExec(t, proxyDB, q)
		mustExec(t, refPool, q)
	}
	{
		sh0, err := sql.Open("mysql", shards[0].DSN(db))
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range strings.Split(sessDiffRoutines, ";\n") {
			mustExec(t, sh0, q)
			mustExec(t, refPool, q)
		}
		sh0.Close()
		mustExec(t, proxyDB, "DROP TABLE IF EXISTS sd_refresh")
		mustExec(t, refPool, "DROP TABLE IF EXISTS sd_refresh")
	}
	// Rows that bound each session's keys, so that the gap locks a session
	// takes in a transaction never reach another session's keys: no
	// statement waits for another session.
	// On a sharded sd, every shard needs bounds of its own: sdBounds ids
	// on each side (checkBoundsSpread checks that each shard gets some).
	for k := 0; k < sessDiffSessions; k++ {
		var bounds []string
		for i := 1; i <= sdBounds; i++ {
			bounds = append(bounds, fmt.Sprintf("(%d, %d, 'lo'), (%d, %d, 'hi')", k, -i, k, 999+i))
		}
		for _, q := range []string{
			"INSERT INTO sd (sess, id, v) VALUES " + strings.Join(bounds, ", "),
			fmt.Sprintf("INSERT INTO ai (id, sess, v) VALUES (%d, %d, -1), (%d, %d, -1)", 100000+k*1000, k, 100000+k*1000+999, k),
		} {
			mustExec(t, proxyDB, q)
			mustExec(t, refPool, q)
		}
	}
	open := func(pool *sql.DB) []*sql.Conn {
		out := make([]*sql.Conn, sessDiffSessions)
		for i := range out {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = c
		}
		return out
	}
	pc, rc := open(proxyDB), open(refPool)
	// Should a statement wait for a lock all the same, it fails fast on both.
	// SELECT 1 gives FOUND_ROWS() a value: MariaDB's thread cache hands a
	// new connection the one its server thread had before (checked).
	for k := range pc {
		for _, q := range []string{"SET SESSION innodb_lock_wait_timeout = 2", "SELECT 1"} {
			mustExec(t, pc[k], q)
			mustExec(t, rc[k], q)
		}
	}
	defer func() {
		for _, c := range append(pc, rc...) {
			c.Close()
		}
	}()
	start := time.Now()
	got := runScript(ctx, t, pc, steps)
	mid := time.Now()
	want := runScript(ctx, t, rc, steps)
	t.Logf("%s: script of %d statements: proxy %s, MariaDB %s; lock wait timeouts (1205): %d", db, len(steps),
		mid.Sub(start).Round(time.Millisecond), time.Since(mid).Round(time.Millisecond), strings.Count(strings.Join(want, "\n"), "error 1205"))
	if k, err := strconv.Atoi(os.Getenv("XAPROXY_SESSDIFF_TRACE")); err == nil {
		for i, st := range steps {
			if st.session == k {
				t.Logf("%s trace %d: %s\n  proxy:   %s\n  MariaDB: %s", db, i, st.sql, got[i], want[i])
			}
		}
	}
	n := 0
	for i := range steps {
		if got[i] != strings.ReplaceAll(want[i], refDB+".", db+".") {
			n++
			var before []string // what the session ran before, for the reader
			for j := i - 1; j >= 0 && len(before) < 6; j-- {
				if steps[j].session == steps[i].session {
					before = append(before, fmt.Sprintf("    %d: %s -> %s", j, steps[j].sql, want[j]))
				}
			}
			slices.Reverse(before)
			t.Errorf("%s step %d, session %d, %s:\n  proxy:   %s\n  MariaDB: %s\n  the session before:\n%s", db, i, steps[i].session, steps[i].sql, got[i], want[i], strings.Join(before, "\n"))
		}
	}
	// The bytes stored, read through the proxy and on the shards
	// themselves (every shard's rows together).
	for _, q := range []string{"SELECT sess, id, HEX(v) FROM sd ORDER BY sess, id", "SELECT id, sess, v FROM ai ORDER BY id"} {
		g, w := runScript(ctx, t, pc[:1], []scriptStep{{0, q, nil}}), runScript(ctx, t, rc[:1], []scriptStep{{0, q, nil}})
		if g[0] != w[0] {
			n++
			t.Errorf("%s: stored rows differ (%s):\n  proxy:   %s\n  MariaDB: %s", db, q, g[0], w[0])
		}
		onShards := shardLines(t, shards, db, q)
		direct := queryStrings(t, refPool, oneColumn(q))
		slices.Sort(direct)
		if !slices.Equal(onShards, direct) {
			n++
			t.Errorf("%s: rows on the shards differ from MariaDB's (%s):\n  shards:  %v\n  MariaDB: %v", db, q, onShards, direct)
		}
	}
	return n
}

// checkBoundsSpread: the bounding rows of sd reach every shard of the
// sharded schema on both sides, or sessions would wait on each other's gap
// locks there where they do not on one MariaDB.
func checkBoundsSpread(t *testing.T, p *harness.Proxy, shards []*harness.MariaDB) {
	t.Helper()
	for _, m := range shards {
		m.CreateDatabase(t, "sh")
	}
	db := p.DB(t, appUser, appPass, "sh", "")
	mustExec(t, db, strings.Split(sessDiffDDL, ";\n")[0])
	var vals []string
	for i := 1; i <= sdBounds; i++ {
		vals = append(vals, fmt.Sprintf("(0, %d, 'lo'), (0, %d, 'hi')", -i, 999+i))
	}
	mustExec(t, db, "INSERT INTO sd (sess, id, v) VALUES "+strings.Join(vals, ", "))
	for _, m := range shards {
		if lo, hi := queryInt(t, m.DB(t, "sh"), "SELECT COUNT(*) FROM sd WHERE id < 0"), queryInt(t, m.DB(t, "sh"), "SELECT COUNT(*) FROM sd WHERE id >= 1000"); lo == 0 || hi == 0 {
			t.Fatalf("shard %s holds %d low and %d high bounding rows of sd: raise sdBounds", m.Name(), lo, hi)
		}
	}
	mustExec(t, db, "DROP TABLE sd")
}

// oneColumn turns "SELECT a, b FROM ..." into one text column per row.
func oneColumn(q string) string {
	cols, rest, _ := strings.Cut(strings.TrimPrefix(q, "SELECT "), " FROM ")
	return "SELECT CONCAT_WS(',', " + cols + ") FROM " + rest
}

// shardLines runs q (see oneColumn) on every shard holding its table, in
// database db, and returns all their rows, sorted.
func shardLines(t *testing.T, shards []*harness.MariaDB, db, q string) []string {
	t.Helper()
	_, rest, _ := strings.Cut(q, " FROM ")
	table := strings.Fields(rest)[0]
	var out []string
	for _, m := range shards {
		conn := m.DB(t, db)
		if queryInt(t, conn, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", db, table) == 0 {
			continue
		}
		out = append(out, queryStrings(t, conn, oneColumn(q))...)
	}
	slices.Sort(out)
	return out
}
