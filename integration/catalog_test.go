package integration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xaproxy/xaproxy/integration/harness"
)

// TestSchemaCatalog: the proxy reads the tables' definitions from the
// shards and routes what MariaDB resolves with them.
//   - An INSERT without a column list into a sharded table puts each row on
//     the shard of its key, as the same INSERT with the column list; after
//     ALTER TABLE through the proxy the new column order is used at once;
//     a table created directly on the shards is found on first use; a row
//     of the wrong length gets MariaDB's 1136, an unknown table 1146.
//   - Connecting to a served schema whose database does not exist answers
//     1049 as MariaDB; after CREATE DATABASE through the proxy it works.
//   - SHOW SHARD CATALOG lists the tables and says where shards differ.
func TestSchemaCatalog(t *testing.T) {
	t.Parallel()
	srv, p := startShards(t, 2, `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: cat_a, shard_key: user_id, algorithm: mod}
			    - {name: cat_b, shard_key: k, algorithm: mod}
			- name: later
			  default_shard: s1
		`)
	ctx := testCtx(t, 2*time.Minute)
	db := p.DB(t, appUser, appPass, "shop", "")
	mustExec(t, db, "CREATE TABLE cat_a (id INT PRIMARY KEY, user_id INT NOT NULL, note VARCHAR(20))")
	mustExec(t, db, "INSERT INTO cat_a VALUES (1, 10, 'x'), (2, 11, 'é'), (3, 13, NULL)")
	shardIDs := func(table string) [2]string {
		var out [2]string
		for i, s := range srv {
			out[i] = strings.Join(queryStrings(t, s.DB(t, "shop"), "SELECT id FROM "+table+" ORDER BY id"), ",")
		}
		return out
	}
	// mod 2 on user_id: 10 -> s0, 11 and 13 -> s1.
	if got := shardIDs("cat_a"); got != [2]string{"1", "2,3"} {
		t.Fatalf("column-less INSERT placed ids %v on s0/s1, want [1 2,3]", got)
	}
	if got := queryString(t, db, "SELECT note FROM cat_a WHERE user_id = 11"); got.String != "é" {
		t.Errorf("note of user 11 = %q", got.String)
	}

	// ALTER TABLE moves the key: the next column-less INSERT uses the new order.
	mustExec(t, db, "ALTER TABLE cat_a ADD COLUMN extra INT FIRST")
	mustExec(t, db, "INSERT INTO cat_a VALUES (7, 4, 12, 'y')")
	if got := shardIDs("cat_a"); got != [2]string{"1,4", "2,3"} {
		t.Fatalf("after ALTER TABLE: ids %v on s0/s1, want [1,4 2,3]", got)
	}
	_, err := db.ExecContext(ctx, "INSERT INTO cat_a VALUES (5, 12)")
	wantMySQLError(t, err, 1136, "21S01")

	// Created on the shards behind the proxy's back: found on first use.
	for _, s := range srv {
		mustExec(t, s.DB(t, "shop"), "CREATE TABLE cat_b (a VARCHAR(5), k BIGINT, PRIMARY KEY (k))")
	}
	mustExec(t, db, "INSERT INTO cat_b VALUES ('even', 8), ('odd', 9)")
	if got := queryInt(t, srv[1].DB(t, "shop"), "SELECT k FROM cat_b"); got != 9 {
		t.Errorf("cat_b on s1 has k %d, want 9", got)
	}
	_, err = db.ExecContext(ctx, "INSERT INTO cat_nope VALUES (1)")
	wantMySQLError(t, err, 1146, "42S02")

	// A shard whose definition differs is reported.
	mustExec(t, srv[1].DB(t, "shop"), "ALTER TABLE cat_b MODIFY a VARCHAR(9)")
	mustExec(t, db, "CREATE TABLE cat_c (i INT)") // DDL through the proxy reloads the catalog
	rows := adminRows(t, db, "SHOW SHARD CATALOG")
	found, foundA := false, false
	for _, r := range rows {
		if r[1] == "cat_b" {
			found = true
			if !strings.Contains(r[6], "s1 (vs s0): column 1: a varchar(5)") || r[4] != "k" {
				t.Errorf("SHOW SHARD CATALOG row for cat_b: %q", r)
			}
		}
		if r[1] == "cat_a" {
			foundA = true
			if r[6] != "NULL" {
				t.Errorf("cat_a reported as differing: %q", r)
			}
		}
	}
	if !found {
		t.Errorf("SHOW SHARD CATALOG has no cat_b: %q", rows)
	}
	// Without its row the check that cat_a is not reported held vacuously.
	if !foundA {
		t.Errorf("SHOW SHARD CATALOG has no cat_a: %q", rows)
	}

	// 1049 for a served schema that does not exist yet, as MariaDB.
	_, err = p.DB(t, appUser, appPass, "later", "").ExecContext(ctx, "SELECT 1")
	wantMySQLError(t, err, 1049, "42000")
	_, err = db.ExecContext(ctx, "USE later")
	wantMySQLError(t, err, 1049, "42000")
	mustExec(t, db, "CREATE DATABASE later")
	if n := queryInt(t, p.DB(t, appUser, appPass, "later", ""), "SELECT 1"); n != 1 {
		t.Fatal("SELECT 1 in later")
	}
}

// adminRows runs an admin statement and returns its rows as text (NULL as
// "NULL").
func adminRows(t *testing.T, db *sql.DB, q string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// TestCatalogRefreshSeesDirectChanges: what is changed on the shards
// directly, not through the proxy, is known within backend.catalog_refresh
// without any statement asking for a read: a function created there that
// sums a sharded table (one shard's sum if the proxy ran it) is refused,
// and a column changed on one shard is reported by SHOW SHARD CATALOG.
func TestCatalogRefreshSeesDirectChanges(t *testing.T) {
	t.Parallel()
	srv, p := startShardsConfig(t, 2, harness.ProxyConfig{
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: ref_t, shard_key: k, algorithm: mod}
		`,
		Extra: "backend: {catalog_refresh: 1s}",
	})
	s0, s1 := srv[0], srv[1]
	ctx := testCtx(t, 2*time.Minute)
	db := p.DB(t, appUser, appPass, "shop", "")
	mustExec(t, db, "CREATE TABLE ref_t (k INT PRIMARY KEY, a VARCHAR(5))")
	mustExec(t, db, "INSERT INTO ref_t VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w')")
	// The ALTER first, so that a load that read s1 after the functions
	// sees it too.
	mustExec(t, s1.DB(t, "shop"), "ALTER TABLE ref_t MODIFY a VARCHAR(9)")
	for _, s := range []*harness.MariaDB{s0, s1} {
		mustExec(t, s.DB(t, "shop"), "CREATE FUNCTION ref_total() RETURNS INT READS SQL DATA RETURN (SELECT SUM(k) FROM ref_t)")
	}

	deadline := time.Now().Add(15 * time.Second)
	var last string
	for {
		var n sql.NullInt64
		err := db.QueryRowContext(ctx, "SELECT ref_total()").Scan(&n)
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1235 && strings.Contains(me.Message, "ref_t") {
			break
		}
		last = fmt.Sprintf("%v (value %v)", err, n)
		if time.Now().After(deadline) {
			t.Fatalf("SELECT ref_total() 15 s after the function was created on the shards: %s; want 1235 naming ref_t (one MariaDB holding all rows says 10)", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// One catalog load reads the shards one after the other, not as one
	// snapshot: the load that saw the function may have read s1 before the
	// ALTER. The next loads (every 1 s) see it.
	reported := func() bool {
		for _, r := range adminRows(t, db, "SHOW SHARD CATALOG") {
			if r[1] == "ref_t" && strings.Contains(r[6], "varchar(9)") {
				return true
			}
		}
		return false
	}
	if !waitFor(5*time.Second, reported) {
		t.Errorf("SHOW SHARD CATALOG does not report ref_t's column changed on s1 5 s after the function was refused: %q", adminRows(t, db, "SHOW SHARD CATALOG"))
	}
}
