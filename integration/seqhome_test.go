package integration

import (
	"strings"
	"testing"
)

// A sequence is an unsharded table on the default shard (s0). A statement
// that moves it and runs on another shard, routed there by a sharded
// table's key, answered that shard's 1146 "Table 'shop.sq' doesn't exist"
// where one MariaDB gives the value: refused (1235), and on the
// sequence's own shard it runs as on one server.
func TestSequenceOffItsShard(t *testing.T) {
	t.Parallel()
	ctx, proxy, direct, _ := startTwinFixture(t, append(twinValues(), "CREATE SEQUENCE sq")...)
	const want = "Error 1235 (42000): NEXTVAL, NEXT VALUE FOR and SETVAL of sequence shop.sq, which only shard(s) s0 hold, in a statement that runs on shard s1 are not supported"
	for _, q := range []string{
		"SELECT k, NEXTVAL(sq) FROM modeitems WHERE k = 1",
		"SELECT k, NEXT VALUE FOR sq FROM modeitems WHERE k = 3",
		"SELECT k, SETVAL(shop.sq, 50) FROM modeitems WHERE k = 1",
		"UPDATE modeitems SET v = NEXTVAL(sq) WHERE k = 1",
		"DELETE FROM modeitems WHERE k = 3 RETURNING k, NEXTVAL(sq)",
	} {
		_, err := proxy.ExecContext(ctx, q)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: got %v, want %s...", q, err, want)
		}
	}
	compareSessions(ctx, t, proxy, direct, 1, textSteps(
		"SELECT k, NEXTVAL(sq) FROM modeitems WHERE k = 2",
		"UPDATE modeitems SET v = NEXTVAL(sq) WHERE k = 4",
		"SELECT k, v FROM modeitems ORDER BY k",
		"SELECT NEXTVAL(sq)",
		"DELETE FROM modeitems WHERE k = 4 RETURNING k, NEXTVAL(sq)",
	))
}
