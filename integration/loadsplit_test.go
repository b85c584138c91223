package integration

import (
	"database/sql"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// LOAD DATA LOCAL INFILE into a sharded table over three shards and into
// a broadcast table: the proxy splits the client's file by shard key (or
// copies it), and the rows (as hex), affected rows and warnings are those
// of the same load into one MariaDB; every row is on the shard its key
// names, and a row whose key cannot be placed loads nothing.
func TestLoadDataSplitByShardKey(t *testing.T) {
	t.Parallel()
	shards, ref, p := startThreeShards(t, `
  - name: shop
    default_shard: s0
    tables:
      - {name: lds, shard_key: id, algorithm: hash}
      - {name: ldb, broadcast: true}
`)
	ctx := testCtx(t, 3*time.Minute)
	proxied := p.DB(t, appUser, appPass, "shop", "")
	direct := ref.DB(t, "shop")
	for _, tb := range []string{"lds", "ldb"} {
		ddl := "CREATE TABLE " + tb + " (id INT PRIMARY KEY, name VARCHAR(40), note TEXT, n INT) CHARACTER SET utf8mb4"
		mustExec(t, proxied, ddl)
		mustExec(t, direct, ddl)
	}
	var file strings.Builder
	file.WriteString("id,name,note,n\r\n")
	file.WriteString("1,\"naïve, café\",\"日本語 😀\",10\r\n")
	file.WriteString("2,\\N,\"line\r\nbreak\",\\N\r\n")
	file.WriteString("3,\"say \"\"hi\"\"\",tab\\there,12x\r\n")
	file.WriteString("4,short\r\n")
	file.WriteString("5,extra,fields,5,6,7\r\n")
	for i := 6; i <= 40; i++ {
		fmt.Fprintf(&file, "%d,\"row %d\",\"ü%d\\\\\",%d\r\n", i, i, i, i*3)
	}
	content := file.String()
	mysql.RegisterReaderHandler("ldsplit", func() io.Reader { return strings.NewReader(content) })
	defer mysql.DeregisterReaderHandler("ldsplit")
	mysql.RegisterReaderHandler("ldbad", func() io.Reader { return strings.NewReader("50,a,b,1\n\\N,a,b,2\n") })
	defer mysql.DeregisterReaderHandler("ldbad")

	outcome := func(db *sql.DB, load string) string {
		t.Helper()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var b strings.Builder
		b.WriteString(execOutcome(ctx, t, conn, load))
		b.WriteString(strings.Join(queryRows(ctx, t, conn, "SELECT @@warning_count"), "\n") + "\n")
		return b.String()
	}
	rowsOf := func(db *sql.DB, table string) []string {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return queryRows(ctx, t, conn, "SELECT id, HEX(name), HEX(note), n FROM "+table+" ORDER BY id")
	}
	load := "LOAD DATA LOCAL INFILE 'Reader::ldsplit' INTO TABLE %s CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\r\\n' IGNORE 1 LINES"
	for _, tb := range []string{"lds", "ldb"} {
		q := fmt.Sprintf(load, tb)
		want, got := outcome(direct, q), outcome(proxied, q)
		for _, code := range []string{"affected 40", "1265", "1261", "1262", "at row 3"} {
			if !strings.Contains(want, code) {
				t.Errorf("the direct load does not show %s:\n%s", code, want)
			}
		}
		if got != want {
			t.Errorf("%s\nthrough the proxy:\n%s\ndirectly:\n%s", q, got, want)
		}
		if g, w := strings.Join(rowsOf(proxied, tb), "\n"), strings.Join(rowsOf(direct, tb), "\n"); g != w || !strings.Contains(w, "40\t") {
			t.Errorf("%s: rows through the proxy:\n%s\ndirectly:\n%s", tb, g, w)
		}
	}
	// Every row of the sharded table is on the shard that its key names:
	// the proxy finds each by its key on one shard only.
	total := int64(0)
	for i, s := range shards {
		n := queryInt(t, s.DB(t, "shop"), "SELECT COUNT(*) FROM lds")
		if n == 0 || n == 40 {
			t.Errorf("shard %d holds %d of the 40 rows", i, n)
		}
		total += n
		// Each copy of the broadcast table has them all.
		if c := queryInt(t, s.DB(t, "shop"), "SELECT COUNT(*) FROM ldb"); c != 40 {
			t.Errorf("broadcast copy on shard %d has %d rows", i, c)
		}
	}
	if total != 40 {
		t.Errorf("shards hold %d rows, want 40", total)
	}
	for id := 1; id <= 40; id++ {
		if n := queryInt(t, proxied, fmt.Sprintf("SELECT COUNT(*) FROM lds WHERE id = %d", id)); n != 1 {
			t.Errorf("row %d: found %d times by its key", id, n)
		}
	}
	// A field enclosure or escape of two characters: MariaDB's own
	// refusal (1083).
	for _, fields := range []string{"ENCLOSED BY 'ab'", "ESCAPED BY 'xy'"} {
		q := "LOAD DATA LOCAL INFILE 'Reader::ldbad' INTO TABLE lds FIELDS TERMINATED BY ',' " + fields
		if got, want := outcome(proxied, q), outcome(direct, q); got != want || !strings.Contains(want, "1083") {
			t.Errorf("%s:\n proxy:   %s\n MariaDB: %s", q, got, want)
		}
	}
	// A NULL key cannot be placed: refused, and the row before it is not kept.
	got := outcome(proxied, "LOAD DATA LOCAL INFILE 'Reader::ldbad' INTO TABLE lds FIELDS TERMINATED BY ','")
	if !strings.Contains(got, "error 1235") || !strings.Contains(got, "row 2") {
		t.Errorf("NULL key: %s", got)
	}
	if n := queryInt(t, proxied, "SELECT COUNT(*) FROM lds WHERE id = 50"); n != 0 {
		t.Errorf("the load with a NULL key left %d rows", n)
	}
}
