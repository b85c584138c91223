package integration

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestExecutableComments: MariaDB runs the text of /*!NNNNN ... */ and
// /*M!NNNNNN ... */ comments by its version, and the proxy must plan what
// the shard runs. On a range-sharded table (id < 100 on s0, < 200 on s1,
// the rest on s2) the rows a query reads, its column names and errors, and
// the rows INSERTs store equal those of one MariaDB server holding all
// rows, and each INSERT row lands on the shard its id (as the comment makes
// it) belongs to.
func TestExecutableComments(t *testing.T) {
	t.Parallel()
	names := shardNames
	shardSrv, ref, p := startThreeShards(t, `
			- name: shop
			  default_shard: s0
			  tables:
			    - name: ec
			      shard_key: id
			      algorithm: range
			      ranges: [{shard: s0, below: 100}, {shard: s1, below: 200}, {shard: s2}]
		`)
	ctx := testCtx(t, 2*time.Minute)
	proxy := p.DB(t, appUser, appPass, "shop", "")
	direct := ref.DB(t, "shop")
	for _, db := range []*sql.DB{proxy, direct} {
		mustExec(t, db, "CREATE TABLE ec (id INT PRIMARY KEY, v VARCHAR(20))")
	}

	// Each INSERT with the ids it stores (the shard follows from the id).
	inserts := []struct {
		sql     string
		args    []any
		ids     []int
		refused bool // the proxy refuses it (an expression for the shard key)
	}{
		{sql: "INSERT INTO ec (id, v) VALUES (/*!101 */ /*!99999 1 */, 'a')", ids: []int{101}},                                                        // no version: runs; MySQL 5.7+: never
		{sql: "INSERT INTO ec (id, v) VALUES (/*M!100000 202 */ /*M!999999 2 */, 'b')", ids: []int{202}},                                              // MariaDB 10.0.0 runs, a later one not
		{sql: "INSERT INTO ec (id, v) VALUES (3 /*!50700 , 'x'), (103 */, 'c')", ids: []int{3}},                                                       // MySQL 5.7: never runs
		{sql: "INSERT INTO ec (id, v) VALUES (/*M!999999 104 */ /*M!100000 4 */, 'd')", ids: []int{4}},                                                // a later version
		{sql: "/*!40101 INSERT INTO ec (id, v) VALUES (155, 'e') */", ids: []int{155}},                                                                // MySQL 4.1.1: runs
		{sql: "INSERT INTO ec (id, v) VALUES (6, 'f') /*M!100000 , (160, 'g') */", ids: []int{6, 160}},                                                // a second row
		{sql: "INSERT INTO ec (id, v) VALUES (7 /*T! +100 */, 'h')", ids: []int{7}},                                                                   // TiDB's: a plain comment
		{sql: "/*!40000 INSERT INTO ec (id, v) VALUES (8, 'i') */", ids: []int{8}},                                                                    // the whole statement
		{sql: "INSERT INTO ec (id, v) VALUES (/*M!99999 209 */ /*!99999 9 */, 'j')", ids: []int{209}},                                                 // /*M! runs 5.7 versions
		{sql: "INSERT INTO ec (id, v) VALUES (11 /*!99999 +100 /* nested */ +1 */, 'l')", ids: []int{11}},                                             // skipped, a comment inside
		{sql: "INSERT INTO ec (id, v) VALUES (/*!50000 114, '*/' */ /*!99999 12, 'x' */)", ids: []int{114}},                                           // a string inside
		{sql: "INSERT INTO ec (id, v) VALUES (/*!50000 213 -- x */\n */, 'n')", ids: []int{213}},                                                      // a line comment inside
		{sql: "INSERT INTO ec (id, v) VALUES (/*!100000 ?, */ /*!110000 ?, */ 'k') /*!100000 , (110, 'k2') */", args: []any{10}, ids: []int{10, 110}}, // prepared
		{sql: "INSERT INTO ec (id, v) VALUES (1 /*!+100 */, 'z')", refused: true},
	}
	for _, ins := range inserts {
		a := execResult(ctx, proxy, ins.sql, ins.args)
		if ins.refused {
			if a != "error 1235" {
				t.Errorf("%q: proxy %s, want error 1235 (not supported)", ins.sql, a)
			}
			continue
		}
		b := execResult(ctx, direct, ins.sql, ins.args)
		if a != b {
			t.Errorf("%q: proxy %s, MariaDB %s", ins.sql, a, b)
		}
	}
	// Where each row is.
	want := make([][]int, len(shardSrv))
	for _, ins := range inserts {
		for _, id := range ins.ids {
			s := 2
			if id < 100 {
				s = 0
			} else if id < 200 {
				s = 1
			}
			want[s] = append(want[s], id)
		}
	}
	for i, m := range shardSrv {
		slices.Sort(want[i])
		got := queryStrings(t, m.DB(t, "shop"), "SELECT id FROM ec ORDER BY id")
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("shard %s holds ids %v, want %v", names[i], got, want[i])
		}
	}

	queries := []struct {
		sql  string
		args []any
	}{
		{"SELECT id, v FROM ec ORDER BY id", nil},
		{"SELECT id FROM ec WHERE id = 3 /*M!100000 OR id = 155 */ ORDER BY id", nil},
		{"SELECT id FROM ec WHERE id = 3 /*!100000 OR id = 202 */ ORDER BY id", nil},
		{"SELECT id FROM ec WHERE id = 3 /*!50000 OR id = 101 /* inner */ OR id = 202 */ ORDER BY id", nil},
		{"SELECT id FROM ec WHERE id = 202 /*!50700 OR id = 3 */", nil},
		{"SELECT id FROM ec WHERE id = 4 /*M!999999 OR id = 101 */", nil},
		{"SELECT id FROM ec WHERE id = 4 /*T! OR id = 101 */", nil},
		{"SELECT id FROM ec WHERE id = 4 /*+ OR id = 101 */", nil},
		{"SELECT id FROM ec WHERE id = 4 -- /*!50000 OR id = 101 */", nil},
		{"SELECT id FROM ec WHERE id = ? /*!50000 OR id = 160 */ ORDER BY id", []any{6}},
		{"SELECT id FROM ec WHERE id = 1 /*!50000 OR id = 101 -- x */", nil}, // unclosed: syntax error
		{"SELECT id FROM ec WHERE id = 1 /*!50000 OR id = 101", nil},         // unclosed: syntax error
		{"SELECT 1 /*!50000 +1 */, 2/*!+1*/, 3/*!99999 x*/+1, 4 /* c */ + 1, 5 /*M!101200 +1 */", nil},
		{"SELECT '/*!50000 x */' AS s, \"/*M!1 y */\" AS t", nil},
		{"SELECT 1/*!50000*/2", nil},
		{"/*M!999999\\- enable the sandbox mode */ SELECT 1", nil},
	}
	for _, q := range queries {
		a := queryResult(ctx, proxy, q.sql, q.args)
		b := queryResult(ctx, direct, q.sql, q.args)
		if a != b {
			t.Errorf("%q:\n proxy   %s\n MariaDB %s", q.sql, a, b)
		}
	}
}

// execResult runs a statement and describes its outcome: affected rows
// and insert id, or the error number.
func execResult(ctx context.Context, db *sql.DB, query string, args []any) string {
	r, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Sprintf("error %d", mysqlErrNumber(err))
	}
	n, _ := r.RowsAffected()
	id, _ := r.LastInsertId()
	return fmt.Sprintf("affected %d insert_id %d", n, id)
}

// queryResult runs a query and describes its column names and rows, or
// its error number.
func queryResult(ctx context.Context, db *sql.DB, query string, args []any) string {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Sprintf("error %d", mysqlErrNumber(err))
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := fmt.Sprintf("columns %q rows", cols)
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "scan: " + err.Error()
		}
		var cells []string
		for _, v := range vals {
			cells = append(cells, fmt.Sprintf("%q", v.String))
		}
		out += " (" + strings.Join(cells, ",") + ")"
	}
	if err := rows.Err(); err != nil {
		return out + fmt.Sprintf(" error %d", mysqlErrNumber(err))
	}
	return out
}
