package integration

import (
	"bytes"
	"database/sql"
	"fmt"
	"testing"

	"github.com/xaproxy/xaproxy/integration/harness"
)

// mariaExtMetadata is MARIADB_CLIENT_EXTENDED_METADATA (1<<35), bit 3 of
// the MariaDB extended capabilities.
const mariaExtMetadata = 1 << 3

// TestExtendedMetadataNotNegotiated: the proxy offers
// MARIADB_CLIENT_EXTENDED_METADATA (its shard does), and a client that does
// not ask for it gets the column definitions MariaDB sends such a client,
// byte for byte: a JSON column as plain LONGTEXT, never the extended block
// it did not negotiate. MariaDB itself, asked directly, adds the block;
// this test checks that too, so that it notices if the shard stops doing
// so.
func TestExtendedMetadataNotNegotiated(t *testing.T) {
	t.Parallel()
	f := startFixture(t, fixtureOpts{})
	root := f.shard(t, "shop")
	for _, q := range []string{
		"CREATE USER app@'%' IDENTIFIED BY 'app-secret'", "GRANT ALL ON shop.* TO app@'%'",
		"CREATE TABLE docs (id INT PRIMARY KEY, j JSON, u UUID, x TEXT)",
		`INSERT INTO docs VALUES (1, '{"a": 1}', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 'x')`,
	} {
		mustExec(t, root, q)
	}
	const q = "SELECT id, j, u, x, JSON_OBJECT('b', 2) AS jo FROM docs"
	proxy := dialWire(t, f.p.Addr(), appUser, appPass, "shop", 0)
	if proxy.srvCaps&wireLongPassword != 0 || proxy.extCaps != mariaExtMetadata {
		t.Errorf("the proxy offers capabilities %#x, extended %#x; want CLIENT_MYSQL cleared and extended metadata alone", proxy.srvCaps, proxy.extCaps)
	}
	plain := dialWire(t, f.s0.Addr(), appUser, appPass, "shop", 0)
	extended := dialWire(t, f.s0.Addr(), appUser, appPass, "shop", mariaExtMetadata)
	if extended.extCaps&mariaExtMetadata == 0 {
		t.Fatalf("MariaDB does not offer extended metadata (extended capabilities %#x)", extended.extCaps)
	}
	got, want, ext := proxy.query(q), plain.query(q), extended.query(q)
	for _, r := range []wireResult{got, want, ext} {
		if r.errCode != 0 || len(r.cols) != 5 {
			t.Fatalf("%s: %d %s, %d columns", q, r.errCode, r.errMsg, len(r.cols))
		}
	}
	for i := range want.cols {
		if !bytes.Equal(got.cols[i], want.cols[i]) {
			t.Errorf("column %d through the proxy:\n%q\nMariaDB without extended metadata:\n%q", i, got.cols[i], want.cols[i])
		}
	}
	if !bytes.Contains(ext.cols[1], []byte("\x06\x01\x04json")) || bytes.Contains(want.cols[1], []byte("json")) {
		t.Errorf("MariaDB's JSON column definition with extended metadata %q, without %q: want the format block only with", ext.cols[1], want.cols[1])
	}
	if got.String() != want.String() {
		t.Errorf("rows through the proxy %v, MariaDB %v", got, want)
	}
}

// TestExtendedMetadata: a client that asks for extended metadata gets,
// through the proxy, the column definitions one MariaDB holding all rows
// gives it, byte for byte: JSON, UUID and INET6 columns with their blocks,
// computed columns with the empty block, a read merged from three shards
// (MAX of a JSON column keeps its format, COUNT(*) gets the empty block),
// a prepared statement's definitions and its binary result, and the
// proxy's own result (SHOW DATABASES through the proxy's list).
func TestExtendedMetadata(t *testing.T) {
	t.Parallel()
	// The proxy's parser does not know UUID and INET6: the table is
	// created on each shard directly.
	const ddl = "CREATE TABLE docs (id INT PRIMARY KEY, j JSON, u UUID, i INET6, x TEXT)"
	var specs []harness.ShardSpec
	for _, n := range []string{"s0", "s1", "s2"} {
		m := env.StartMariaDB(t, n)
		m.CreateDatabase(t, "shop")
		mustExec(t, m.DB(t, "shop"), ddl)
		specs = append(specs, harness.ShardSpec{Name: n, DSN: m.DSN("")})
	}
	ref := env.StartMariaDB(t, "ref")
	ref.CreateDatabase(t, "shop")
	p := env.StartProxy(t, harness.ProxyConfig{
		Shards: specs,
		Users:  map[string]string{appUser: appPass},
		Schemas: `
			- name: shop
			  default_shard: s0
			  tables:
			    - {name: docs, shard_key: id, algorithm: mod}
		`,
	})
	refRoot := ref.DB(t, "shop")
	mustExec(t, refRoot, "CREATE USER app@'%' IDENTIFIED BY 'app-secret'")
	mustExec(t, refRoot, "GRANT ALL ON shop.* TO app@'%'")
	mustExec(t, refRoot, ddl)
	for _, db := range []*sql.DB{p.DB(t, appUser, appPass, "shop", ""), refRoot} {
		for id := 1; id <= 6; id++ {
			mustExec(t, db, fmt.Sprintf(`INSERT INTO docs (id, j, u, i, x) VALUES (%d, '{"a": %d}', 'f47ac10b-58cc-4372-a567-0e02b2c3d47%d', '::%d', 'x%d')`, id, id, id, id, id))
		}
	}
	proxy := dialWire(t, p.Addr(), appUser, appPass, "shop", mariaExtMetadata)
	direct := dialWire(t, ref.Addr(), appUser, appPass, "shop", mariaExtMetadata)
	if proxy.extCaps&mariaExtMetadata == 0 {
		t.Fatalf("the proxy does not offer extended metadata (capabilities %#x, extended %#x)", proxy.srvCaps, proxy.extCaps)
	}
	for _, q := range []string{
		"SELECT id, j, u, i, x, JSON_OBJECT('b', 2) AS jo FROM docs WHERE id = 4",
		"SELECT MAX(j), COUNT(*), SUM(id), MAX(x), MIN(u), MAX(i) FROM docs",
		"SELECT id, j, u, i FROM docs ORDER BY id",
		"SHOW DATABASES LIKE 'sh%'",
	} {
		got, want := proxy.query(q), direct.query(q)
		if want.errCode != 0 || len(want.cols) == 0 {
			t.Fatalf("%s on MariaDB: %d %s", q, want.errCode, want.errMsg)
		}
		compareWireCols(t, q, got.cols, want.cols)
		if got.String() != want.String() {
			t.Errorf("%s: rows through the proxy %v, MariaDB %v", q, got, want)
		}
	}
	if want := direct.query("SELECT j FROM docs WHERE id = 1"); !bytes.Contains(want.cols[0], []byte("\x06\x01\x04json")) {
		t.Errorf("MariaDB's JSON column definition %q lacks the json format block", want.cols[0])
	}
	const q = "SELECT j, u, i, x FROM docs WHERE id = ?"
	gotDefs, gotRes := proxy.prepareExecute(q, "5")
	wantDefs, wantRes := direct.prepareExecute(q, "5")
	compareWireCols(t, "PREPARE "+q, gotDefs, wantDefs)
	compareWireCols(t, "EXECUTE "+q, gotRes, wantRes)
}

// compareWireCols checks column definitions (and binary rows) byte for
// byte.
func compareWireCols(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d packets through the proxy, %d from MariaDB:\n%q\n%q", what, len(got), len(want), got, want)
		return
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%s: packet %d through the proxy:\n%q\nMariaDB:\n%q", what, i, got[i], want[i])
		}
	}
}
