package integration

import (
	"context"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// dumpShopRules: users, orders and order_items co-located by user_id,
// products copied to every shard, stock sharded by product, coupons on
// the default shard.
const dumpShopRules = `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: users, shard_key: user_id, algorithm: mod}
			    - {name: orders, shard_key: user_id, algorithm: mod}
			    - {name: order_items, shard_key: user_id, algorithm: mod}
			    - {name: stock, shard_key: product_id, algorithm: mod}
			    - {name: products, broadcast: true}
		`

// dumpShopTables are the tables compared, with the order their rows are
// listed in.
var dumpShopTables = []struct{ name, order string }{
	{"users", "user_id"}, {"orders", "order_id"}, {"order_items", "user_id, order_id, line"},
	{"products", "product_id"}, {"stock", "product_id"}, {"coupons", "id"},
}

// fillDumpShop creates the schema on one server with non-ASCII text,
// JSON, BLOBs of every byte value and DATETIME(6).
func fillDumpShop(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range []string{
		"CREATE TABLE users (user_id INT PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb4, profile JSON, created DATETIME(6)) DEFAULT CHARSET=utf8mb4",
		"CREATE TABLE orders (order_id BIGINT PRIMARY KEY, user_id INT NOT NULL, total DECIMAL(10,2), placed DATETIME(6), note TEXT, KEY (user_id)) DEFAULT CHARSET=utf8mb4",
		"CREATE TABLE order_items (user_id INT, order_id BIGINT, line INT, product_id INT, qty INT, PRIMARY KEY (user_id, order_id, line))",
		"CREATE TABLE products (product_id INT PRIMARY KEY, name VARCHAR(60) CHARACTER SET utf8mb4, image BLOB, attrs JSON) DEFAULT CHARSET=utf8mb4",
		"CREATE TABLE stock (product_id INT PRIMARY KEY, warehouse VARCHAR(20), qty INT)",
		"CREATE TABLE coupons (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(20), discount DECIMAL(5,2), note VARCHAR(40) CHARACTER SET latin1)",
		"INSERT INTO users SELECT seq, CONCAT('Zoë ', seq, ' ☃ 東京'), JSON_OBJECT('n', seq, 'tags', JSON_ARRAY('a\"b', 'ü')), TIMESTAMP('2024-01-02 03:04:05.123456') + INTERVAL seq SECOND FROM seq_1_to_30",
		"INSERT INTO orders SELECT seq, seq % 30 + 1, seq * 1.25, TIMESTAMP('2024-05-06 07:08:09.000001') + INTERVAL seq MINUTE, IF(seq % 7 = 0, NULL, CONCAT('note \\' \\\\ ', seq)) FROM seq_1_to_90",
		"INSERT INTO order_items SELECT o.user_id, o.order_id, l.seq, (o.order_id + l.seq) % 12 + 1, l.seq FROM orders o JOIN seq_1_to_3 l",
		"INSERT INTO products SELECT seq, CONCAT('Produit n°', seq), (SELECT GROUP_CONCAT(CHAR(b.seq) ORDER BY b.seq SEPARATOR '') FROM seq_0_to_255 b), JSON_OBJECT('w', seq / 3) FROM seq_1_to_12",
		"INSERT INTO stock SELECT seq, CONCAT('wh-', seq % 3), seq * 10 FROM seq_1_to_12",
		"INSERT INTO coupons (code, discount, note) VALUES ('SPRING', 10, 'café'), ('ÉTÉ', 12.5, NULL), ('x''y', 0, '')",
	} {
		mustExec(t, db, q)
	}
}

// tableRows lists a table's rows, every column in hex (NULL as NULL).
func tableRows(t *testing.T, db *sql.DB, table, order string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY "+order)
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var row []string
		for _, v := range vals {
			if v == nil {
				row = append(row, "NULL")
			} else {
				row = append(row, hex.EncodeToString(v))
			}
		}
		out = append(out, strings.Join(row, ","))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checksums are CHECKSUM TABLE's answers on one server.
func checksums(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range dumpShopTables {
		var name string
		var sum sql.NullString
		if err := db.QueryRow("CHECKSUM TABLE "+tb.name).Scan(&name, &sum); err != nil {
			t.Fatalf("CHECKSUM TABLE %s: %v", tb.name, err)
		}
		out[tb.name] = sum.String
	}
	return out
}

// assertSameRows compares every table's rows through two connections.
func assertSameRows(t *testing.T, what string, got, want *sql.DB) {
	t.Helper()
	for _, tb := range dumpShopTables {
		g, w := tableRows(t, got, tb.name, tb.order), tableRows(t, want, tb.name, tb.order)
		if strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s: table %s differs: %d rows, want %d", what, tb.name, len(g), len(w))
		} else {
			t.Logf("%s: table %s: %d rows equal", what, tb.name, len(g))
		}
	}
}

// TestMariaDBDumpShardedSchema: a default mariadb-dump of one server
// restores through the proxy into a sharded schema (LOCK TABLES ... WRITE,
// column-less extended INSERTs whose rows go to several shards), and
// mariadb-dump through the proxy, with default options and with
// --single-transaction, restores into one server with the same checksums.
func TestMariaDBDumpShardedSchema(t *testing.T) {
	bins := dumpBins(t)
	t.Parallel()
	shards, ref, p := startThreeShards(t, dumpShopRules)
	refDB := ref.DB(t, "shop")
	fillDumpShop(t, refDB)
	want := checksums(t, refDB)
	t.Logf("checksums of the source server: %v", want)

	dump, err := runClientAs(t, bins.dump, nil, ref.Port(), "root", "", "shop")
	if err != nil {
		t.Fatalf("mariadb-dump of the single server: %v\n%s", err, dump.stderr)
	}
	if out, err := runClient(t, bins.client, withNoteVerbosity(dump.stdout), p.Port(), "shop"); err != nil {
		t.Fatalf("restoring the single server's dump through the proxy: %v\n%s", err, out.stderr)
	}
	proxyDB := p.DB(t, appUser, appPass, "shop", "")
	assertSameRows(t, "restored through the proxy", proxyDB, refDB)
	// Every shard holds rows of the sharded tables.
	for i, s := range shards {
		n := queryInt(t, s.DB(t, "shop"), "SELECT COUNT(*) FROM orders")
		if n == 0 || n == 90 {
			t.Errorf("shard %d holds %d of the 90 orders", i, n)
		}
	}

	for _, opts := range [][]string{nil, {"--single-transaction"}} {
		out, err := runClientAs(t, bins.dump, nil, p.Port(), appUser, appPass, "shop", opts...)
		if err != nil {
			t.Fatalf("mariadb-dump %v through the proxy: %v\n%s", opts, err, out.stderr)
		}
		single := env.StartMariaDB(t, "single"+strings.Join(opts, ""))
		single.CreateDatabase(t, "shop")
		if r, err := runClientAs(t, bins.client, withNoteVerbosity(out.stdout), single.Port(), "root", "", "shop"); err != nil {
			t.Fatalf("restoring the proxy's dump %v into one server: %v\n%s", opts, err, r.stderr)
		}
		got := checksums(t, single.DB(t, "shop"))
		for name, sum := range want {
			if got[name] != sum {
				t.Errorf("dump %v through the proxy: CHECKSUM TABLE %s = %s, want %s", opts, name, got[name], sum)
			}
		}
		t.Logf("dump %v through the proxy restored into one server: checksums %v", opts, got)
		assertSameRows(t, "dump through the proxy restored", single.DB(t, "shop"), refDB)
	}
	assertNoLocksLeft(t, p)
}

// assertNoLocksLeft: another session writes every table at once.
func assertNoLocksLeft(t *testing.T, p *harness.Proxy) {
	t.Helper()
	db := p.DB(t, appUser, appPass, "shop", "")
	for _, tb := range dumpShopTables {
		mustExec(t, db, "DELETE FROM "+tb.name+" WHERE 0 = 1")
	}
}
