package integration

import (
	"bytes"
	"testing"
)

// mariaExtMetadata is MARIADB_CLIENT_EXTENDED_METADATA (1<<35), bit 3 of
// the MariaDB extended capabilities.
const mariaExtMetadata = 1 << 3

// TestExtendedMetadataNotNegotiated: the proxy does not (yet) offer
// MARIADB_CLIENT_EXTENDED_METADATA, so a client asking for it must get the
// column definitions MariaDB sends a client without it, byte for byte: a
// JSON column as plain LONGTEXT, never the extended block (format "json")
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
	proxy := dialWire(t, f.p.Addr(), appUser, appPass, "shop", mariaExtMetadata)
	if proxy.srvCaps&wireLongPassword == 0 || proxy.extCaps != 0 {
		t.Fatalf("the proxy offers MariaDB extended capabilities (capabilities %#x, extended %#x), which it cannot honour yet", proxy.srvCaps, proxy.extCaps)
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
