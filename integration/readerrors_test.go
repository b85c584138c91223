package integration

import (
	"strings"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// A read over several shards that fails answers one MariaDB's error, that
// of the first row it evaluates that fails: the proxy answered the error
// of the shard the merge read first (s0's row 2 overflowing in
// 'v * 9223372036854775807', where MariaDB's row 1 overflows in
// 'v * 9223372036854775807 * 10'). The error every failing shard gives
// alike is answered; different ones are refused.
func TestMergedReadErrors(t *testing.T) {
	t.Parallel()
	_, _, _, f := startTwinFixture(t, "CREATE TABLE modeitems (k INT PRIMARY KEY, v BIGINT)",
		"INSERT INTO modeitems VALUES (1, 1), (2, 2), (3, 3), (4, 4)")
	var steps []wireStep
	for _, q := range []string{
		"SELECT k, v * 2305843009213693952 FROM modeitems ORDER BY k", // v = 4 (s0) alone overflows
		"SELECT k, v * 4611686018427387904 FROM modeitems",            // the same error on both
		"SELECT SUM(v * 3074457345618258603) FROM modeitems",
		"SELECT k, EXP(v * 1000) FROM modeitems ORDER BY k DESC LIMIT 2",
	} {
		steps = append(steps, wireStep{0, q}, wireStep{0, "SHOW WARNINGS"}, wireStep{0, "SELECT @@warning_count, @@error_count"})
	}
	compareWireSessions(t, f, 1, steps)

	c, err := client.Connect(f.p.Addr(), appUser, appPass, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, q := range []string{
		// Row 1 (s1) overflows in the product of three, row 2 (s0) in
		// the product of two.
		"SELECT k, v * 9223372036854775807 * 10 FROM modeitems ORDER BY k",
		"SELECT SUM(v * 9223372036854775807 * 10) FROM modeitems",
		"SELECT k, v * 9223372036854775807 * 10 FROM modeitems ORDER BY k LIMIT 3",
	} {
		if got := wireAnswer(c, q); !strings.HasPrefix(got, "error 1235 (42000)") {
			t.Errorf("%s: %s, want error 1235", q, got)
		}
		if got := wireAnswer(c, "SELECT k FROM modeitems ORDER BY k"); got != "rows, warnings 0: 1 | 2 | 3 | 4" {
			t.Errorf("after %s: %s", q, got)
		}
	}
}
