package integration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// information_schema.TABLES and SHOW TABLE STATUS through the proxy list
// each logical table once, a sharded table's counts summed over its
// shards, and every schema's tables whatever its default shard.
//
// Compared: after ANALYZE TABLE on each shard (InnoDB's persistent
// statistics count a small table's rows exactly), the proxy's TABLE_ROWS,
// DATA_LENGTH and INDEX_LENGTH of the sharded table are the sums of the
// shards' own values and TABLE_ROWS the number of rows inserted;
// AVG_ROW_LENGTH is DATA_LENGTH / TABLE_ROWS (MariaDB's definition);
// AUTO_INCREMENT is the highest id + 1, as one MariaDB holding the rows
// gives after explicit ids; the column definitions are MariaDB's.
func TestTableStatusSummed(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	var shards []*harness.MariaDB
	var specs []harness.ShardSpec
	for i := 0; i < 3; i++ {
		m := env.StartMariaDB(t, fmt.Sprintf("s%d", i))
		m.CreateDatabase(t, "shop", "crm")
		m.Exec(t, "CREATE TABLE shop.orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, who VARCHAR(40), KEY (who))")
		shards = append(shards, m)
		specs = append(specs, harness.ShardSpec{Name: m.Name(), DSN: m.DSN("")})
	}
	shards[0].Exec(t, "CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20))", "INSERT INTO shop.items VALUES (1, 'a')")
	shards[1].Exec(t, "CREATE TABLE crm.contacts (id INT PRIMARY KEY, a INT, b INT)")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: specs,
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: orders, shard_key: id, algorithm: mod, shards: [s0, s1, s2]}
			- name: crm
			  default_shard: s1
		`,
	})
	db := p.DB(t, "app", "app-secret", "shop", "")
	for i := 1; i <= 9; i++ {
		mustExec(t, db, "INSERT INTO orders (id, who) VALUES (?, ?)", i, strconv.Itoa(i))
	}
	var rows, data, index int64
	for _, m := range shards {
		m.Exec(t, "ANALYZE TABLE shop.orders")
		d := m.DB(t, "")
		var r, dl, il int64
		if err := d.QueryRowContext(ctx, "SELECT TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders'").Scan(&r, &dl, &il); err != nil {
			t.Fatal(err)
		}
		if r == 0 || r == 9 {
			t.Fatalf("shard %s holds %d of the 9 rows: the test wants them spread", m.Name(), r)
		}
		rows, data, index = rows+r, data+dl, index+il
	}
	if rows != 9 {
		t.Fatalf("the shards' TABLE_ROWS after ANALYZE sum to %d, want 9", rows)
	}
	want := fmt.Sprintf("orders\t9\t%d\t%d\t%d\t10", data/9, data, index)
	q := "SELECT TABLE_NAME, TABLE_ROWS, AVG_ROW_LENGTH, DATA_LENGTH, INDEX_LENGTH, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders'"
	conn := openSessions(ctx, t, db, 1)[0]
	if got := queryRows(ctx, t, conn, q); !slices.Equal(got, []string{want}) {
		t.Errorf("%s:\n got  %q\n want %q", q, got, want)
	}
	// One row per logical table, every schema's (crm's default shard is
	// s1, the session's s0).
	q = "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA <> 'information_schema' ORDER BY 1, 2"
	wantTables := []string{"crm\tcontacts\tBASE TABLE", "shop\titems\tBASE TABLE", "shop\torders\tBASE TABLE"}
	if got := queryRows(ctx, t, conn, q); !slices.Equal(got, wantTables) {
		t.Errorf("%s:\n got  %q\n want %q", q, got, wantTables)
	}
	q = "SELECT TABLE_SCHEMA, TABLE_NAME, COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ('shop', 'crm') GROUP BY 1, 2 ORDER BY 1, 2"
	if got, want := queryRows(ctx, t, conn, q), []string{"crm\tcontacts\t3", "shop\titems\t2", "shop\torders\t2"}; !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", q, got, want)
	}
	// STATISTICS: the primary key's cardinality is the rows of all shards.
	q = "SELECT INDEX_NAME, CARDINALITY FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders' ORDER BY 1"
	if got, want := queryRows(ctx, t, conn, q), []string{"PRIMARY\t9", "who\t9"}; !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", q, got, want)
	}
	// Column definitions are MariaDB's for the client's text.
	direct := shards[0].DB(t, "shop")
	sameColumns(t, db, direct,
		"SELECT * FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'shop'",
		"SELECT TABLE_NAME, TABLE_ROWS + 1 AS r, CREATE_TIME FROM information_schema.TABLES",
		"SHOW TABLE STATUS",
		"SHOW TABLE STATUS FROM crm",
	)

	// SHOW TABLE STATUS: one row per logical table, summed, in name order.
	status := func(q string) []string { t.Helper(); return queryRows(ctx, t, conn, q) }
	cut := func(rows []string) []string { // Name, Rows, Avg_row_length, Data_length, Index_length, Auto_increment
		var out []string
		for _, r := range rows {
			f := strings.Split(r, "\t")
			out = append(out, f[0]+"\t"+f[4]+"\t"+f[5]+"\t"+f[6]+"\t"+f[8]+"\t"+f[10])
		}
		return out
	}
	if got, want := cut(status("SHOW TABLE STATUS")), []string{"items\t1\t16384\t16384\t0\tNULL", want}; !slices.Equal(got, want) {
		t.Errorf("SHOW TABLE STATUS:\n got  %q\n want %q", got, want)
	}
	if got := cut(status("SHOW TABLE STATUS LIKE 'ord%'")); !slices.Equal(got, []string{want}) {
		t.Errorf("SHOW TABLE STATUS LIKE 'ord%%': %q", got)
	}
	if got := cut(status("SHOW TABLE STATUS LIKE 'ORD%'")); len(got) != 0 {
		t.Errorf("SHOW TABLE STATUS LIKE 'ORD%%' (case-sensitive in MariaDB): %q", got)
	}
	if got := cut(status("SHOW TABLE STATUS WHERE `Rows` > 5")); !slices.Equal(got, []string{want}) {
		t.Errorf("SHOW TABLE STATUS WHERE `Rows` > 5: %q", got)
	}
	if got := status("SHOW TABLE STATUS FROM crm"); len(got) != 1 || strings.Split(got[0], "\t")[0] != "contacts" {
		t.Errorf("SHOW TABLE STATUS FROM crm: %q", got)
	}
	_, err := conn.ExecContext(ctx, "SHOW TABLE STATUS FROM mysql")
	wantMySQLError(t, err, 1044, "42000")

	// A session in crm (default shard s1) sees the same.
	crm := openSessions(ctx, t, p.DB(t, "app", "app-secret", "crm", ""), 1)[0]
	q = "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA <> 'information_schema' ORDER BY 1, 2"
	if got := queryRows(ctx, t, crm, q); !slices.Equal(got, wantTables) {
		t.Errorf("from crm, %s:\n got  %q\n want %q", q, got, wantTables)
	}
	if got := cut(queryRows(ctx, t, crm, "SHOW TABLE STATUS FROM shop")); len(got) != 2 || got[1] != want {
		t.Errorf("from crm, SHOW TABLE STATUS FROM shop: %q", got)
	}
}
