package integration

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestMariaDBDump: mariadb-dump with its default options dumps a schema
// through the proxy and the mariadb client restores the dump through it.
// The dump reads under LOCK TABLES ... READ, the restore writes under
// LOCK TABLES ... WRITE with /*!40000 ALTER TABLE ... DISABLE KEYS */ and
// the dump's SET statements (many inside executable comments): afterwards
// the rows and their bytes (non-ASCII text, a BLOB of every byte value)
// equal the originals, and another session writes the tables at once: no
// lock stays behind.
func TestMariaDBDump(t *testing.T) {
	bins := dumpBins(t)
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	shards := []*sql.DB{f.shard(t, "shop")}
	db := f.db(t, "shop", "")
	fillDumpTables(t, db)
	before := shardContents(t, db, shards)
	dump := runDump(t, bins, f.p)
	assertWritable(t, f.p, shards, "after the dump")
	// The dump taken directly from the shard is the same, but for the
	// version in the header.
	direct, err := runClientAs(t, bins.dump, nil, f.s0.Port(), "root", "", "shop")
	if err != nil {
		t.Fatalf("mariadb-dump on the shard: %v\n%s", err, direct.stderr)
	}
	if a, b := dumpBody(dump), dumpBody(direct.stdout); a != b {
		t.Errorf("the dump through the proxy differs from the shard's:\n%s\n----- shard's:\n%s", a, b)
	}

	changeDumpTables(t, db)
	if out, err := runClient(t, bins.client, withNoteVerbosity(dump), f.p.Port(), "shop"); err != nil {
		t.Fatalf("restoring the dump through the proxy with mariadb: %v\n%s", err, out.stderr)
	}
	if after := shardContents(t, db, shards); after != before {
		t.Errorf("restored rows differ:\nbefore %s\nafter  %s", before, after)
	}
	assertWritable(t, f.p, shards, "after the restore")
}

// TestMariaDBDumpSharded: mariadb-dump on a schema whose dump_a is spread
// over two shards. Its default dump (LOCK TABLES ... READ of tables on
// different shards) works through the proxy, and so does the restore of
// it, with or without column lists, under LOCK TABLES ... WRITE with
// extended INSERTs of both shards' rows. A transaction under LOCK TABLES
// that would reach a second shard is still refused.
func TestMariaDBDumpSharded(t *testing.T) {
	bins := dumpBins(t)
	t.Parallel()
	srv, p := startShards(t, 2, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: dump_a, shard_key: id, algorithm: mod}
		`)
	s0, s1 := srv[0], srv[1]
	shards := []*sql.DB{s0.DB(t, "shop"), s1.DB(t, "shop")}
	db := p.DB(t, appUser, appPass, "shop", "")
	fillDumpTables(t, db)
	before := shardContents(t, db, shards)

	plain := runDump(t, bins, p)
	complete := runDump(t, bins, p, "--complete-insert")
	assertWritable(t, p, shards, "after the dumps")
	for _, dump := range [][]byte{plain, complete} {
		changeDumpTables(t, db)
		if out, err := runClient(t, bins.client, withNoteVerbosity(dump), p.Port(), "shop"); err != nil {
			t.Fatalf("restoring the dump through the proxy with mariadb: %v\n%s", err, out.stderr)
		}
		if after := shardContents(t, db, shards); after != before {
			t.Errorf("restored rows differ:\nbefore %s\nafter  %s", before, after)
		}
		assertWritable(t, p, shards, "after the restore")
	}

	script := []byte("SET autocommit = 0;\nLOCK TABLES dump_a WRITE;\nINSERT INTO dump_a (id) VALUES (10);\nINSERT INTO dump_a (id) VALUES (11);\n")
	out, err := runClient(t, bins.client, script, p.Port(), "shop")
	wantRefused(t, "a transaction under LOCK TABLES reaching a second shard", out, err, "ERROR 1235", "a transaction under LOCK TABLES runs on the shard holding the locks")
	assertWritable(t, p, shards, "after the refused transaction")
	if after := shardContents(t, db, shards); after != before {
		t.Errorf("the refused transaction changed rows:\nbefore %s\nafter  %s", before, after)
	}
}

// wantRefused checks that a client run failed with an error naming code
// and saying msg.
func wantRefused(t *testing.T, what string, out clientOutput, err error, code, msg string) {
	t.Helper()
	if err == nil || !strings.Contains(string(out.stderr), code) || !strings.Contains(string(out.stderr), msg) {
		t.Fatalf("%s: %v, %s; want %s ... %s", what, err, out.stderr, code, msg)
	}
}

type dumpTools struct{ dump, client string }

// dumpBins finds mariadb-dump and mariadb; CI installs them, so their
// absence fails the test.
func dumpBins(t *testing.T) dumpTools {
	t.Helper()
	var b dumpTools
	var err error
	if b.dump, err = exec.LookPath("mariadb-dump"); err != nil {
		t.Fatalf("mariadb-dump is required (Debian/Ubuntu: apt-get install mariadb-client): %v", err)
	}
	if b.client, err = exec.LookPath("mariadb"); err != nil {
		t.Fatalf("the mariadb client is required (Debian/Ubuntu: apt-get install mariadb-client): %v", err)
	}
	return b
}

// fillDumpTables creates two tables with non-ASCII text and a BLOB of
// every byte value.
func fillDumpTables(t *testing.T, db *sql.DB) {
	t.Helper()
	var every bytes.Buffer
	for i := 0; i < 256; i++ {
		every.WriteByte(byte(i))
	}
	mustExec(t, db, "CREATE TABLE dump_a (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, data BLOB, KEY (name)) DEFAULT CHARSET=utf8mb4")
	mustExec(t, db, "CREATE TABLE dump_b (id INT AUTO_INCREMENT PRIMARY KEY, note TEXT CHARACTER SET latin1, amount DECIMAL(10,2), at DATETIME) DEFAULT CHARSET=latin1")
	mustExec(t, db, "INSERT INTO dump_a (id, name, data) VALUES (1, 'café', ?), (2, '€ 10', ?), (3, 'plain', NULL), (4, 'quote '' and \\\\ backslash', '')", every.Bytes(), []byte{0, '\'', '\\', 0xff})
	mustExec(t, db, "INSERT INTO dump_b (note, amount, at) VALUES ('é in latin1', 12.5, '2024-06-11 10:00:00'), (NULL, -1, NULL)")
}

// changeDumpTables changes rows of both tables, for a restore to undo.
func changeDumpTables(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db, "DELETE FROM dump_a WHERE id = 1")
	mustExec(t, db, "UPDATE dump_b SET note = 'changed'")
	mustExec(t, db, "INSERT INTO dump_a (id, name) VALUES (5, 'new')")
}

// runDump dumps the schema shop through the proxy with mariadb-dump's
// default options and extra.
func runDump(t *testing.T, bins dumpTools, p *harness.Proxy, extra ...string) []byte {
	t.Helper()
	out, err := runClientAs(t, bins.dump, nil, p.Port(), appUser, appPass, "shop", extra...)
	if err != nil {
		t.Fatalf("mariadb-dump %v through the proxy: %v\n%s", extra, err, out.stderr)
	}
	for _, want := range []string{"LOCK TABLES `dump_a` WRITE", "DISABLE KEYS", "CREATE TABLE `dump_b`", "Dump completed"} {
		if strings.HasPrefix(want, "LOCK") && slices.Contains(extra, "--skip-add-locks") {
			continue
		}
		if !strings.Contains(string(out.stdout), want) {
			t.Fatalf("the dump lacks %q:\n%s", want, out.stdout)
		}
	}
	return out.stdout
}

// withNoteVerbosity adds the lines newer mariadb-dump versions write
// around a dump.
func withNoteVerbosity(dump []byte) []byte {
	return []byte("/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;\n" + string(dump) +
		"/*M!100616 SET NOTE_VERBOSITY=@OLD_NOTE_VERBOSITY */;\n")
}

// shardContents describes the rows through the proxy and on each shard.
func shardContents(t *testing.T, db *sql.DB, shards []*sql.DB) string {
	t.Helper()
	out := "proxy: " + dumpContents(t, db)
	for i, s := range shards {
		out += fmt.Sprintf("\nshard %d: %s", i, dumpContents(t, s))
	}
	return out
}

// dumpBody is a dump without the lines that name the server version and
// the time.
func dumpBody(dump []byte) string {
	var keep []string
	for _, l := range strings.Split(string(dump), "\n") {
		if !strings.HasPrefix(l, "-- Server version") && !strings.HasPrefix(l, "-- Dump completed") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

type clientOutput struct{ stdout, stderr []byte }

// runClient runs mariadb-dump or mariadb as the app user against the proxy,
// stdin fed from in.
func runClient(t *testing.T, bin string, in []byte, port int, dbName string) (clientOutput, error) {
	return runClientAs(t, bin, in, port, appUser, appPass, dbName)
}

func runClientAs(t *testing.T, bin string, in []byte, port int, user, pass, dbName string, extra ...string) (clientOutput, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--no-defaults", "-h127.0.0.1", "-P" + strconv.Itoa(port),
		"-u" + user, "--password=" + pass, "--ssl=0"}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, dbName)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if in != nil {
		cmd.Stdin = bytes.NewReader(in)
	}
	err := cmd.Run()
	return clientOutput{stdout.Bytes(), stderr.Bytes()}, err
}

// dumpContents describes both tables' rows byte for byte (a table a
// shard does not hold is "absent").
func dumpContents(t *testing.T, db *sql.DB) string {
	t.Helper()
	out := ""
	for _, q := range []struct{ table, sql string }{
		{"dump_a", "SELECT CONCAT_WS(',', id, HEX(name), IFNULL(HEX(data), 'NULL')) FROM dump_a ORDER BY id"},
		{"dump_b", "SELECT CONCAT_WS(',', id, IFNULL(HEX(note), 'NULL'), amount, IFNULL(at, 'NULL')) FROM dump_b ORDER BY id"},
	} {
		if queryInt(t, db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", q.table) == 0 {
			out += q.table + " absent "
			continue
		}
		out += fmt.Sprintf("%s %v ", q.table, queryStrings(t, db, q.sql))
	}
	return out
}

// assertWritable: a new session writes both tables at once, through the
// proxy and directly on each shard (the tables it holds), within a lock
// wait of one second.
func assertWritable(t *testing.T, p *harness.Proxy, shards []*sql.DB, when string) {
	t.Helper()
	for _, db := range append([]*sql.DB{p.DB(t, appUser, appPass, "shop", "")}, shards...) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := db.Conn(ctx)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		steps := []string{
			"SET SESSION lock_wait_timeout = 1",
			"SET SESSION innodb_lock_wait_timeout = 1",
			"BEGIN",
			"INSERT INTO dump_a (id, name) VALUES (1000, 'lock check')",
		}
		if queryInt(t, c, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dump_b'") > 0 {
			steps = append(steps, "UPDATE dump_b SET amount = amount WHERE id = 1")
		}
		for _, q := range steps {
			if _, err := c.ExecContext(ctx, q); err != nil {
				t.Errorf("%s: another session cannot write: %s: %v", when, q, err)
				break
			}
		}
		if _, err := c.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Errorf("%s: ROLLBACK: %v", when, err)
		}
		c.Close()
		cancel()
	}
}
