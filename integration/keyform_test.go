package integration

import (
	"testing"
	"time"
)

// TestKeyFormOfUnmodelledTypes: a hash table keyed by a DATE, DATETIME,
// TIME, YEAR or ENUM column places rows by the key's text, while MariaDB
// stores and compares the value: '20200102' is DATE '2020-01-02', 21 is
// YEAR 2021, 1 is ENUM 'a'. An INSERT by another spelling than the one
// MariaDB gives back is refused (it went to that spelling's shard: a
// second row with the same primary key), a TIMESTAMP key (its text
// follows time_zone) refuses every INSERT, and a read by another
// spelling scans every shard (it looked on the wrong one and found
// nothing, UPDATE and DELETE changed nothing).
func TestKeyFormOfUnmodelledTypes(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	proxy, direct, _ := startHashFixture(t,
		"CREATE TABLE su (id DATE PRIMARY KEY, k INT)",
		"CREATE TABLE sv (name ENUM('a','b','c') PRIMARY KEY, k INT)",
		"CREATE TABLE sdec (d YEAR PRIMARY KEY, k INT)",
		"CREATE TABLE sw (id TIMESTAMP NOT NULL PRIMARY KEY, k INT)")
	wantUnsupported(ctx, t, proxy, nil,
		"INSERT INTO su VALUES ('20200102', 1)",
		"INSERT INTO su VALUES ('2020-01-02', 1), (20200103, 2)",
		"INSERT INTO sv VALUES (1, 1)",
		"INSERT INTO sv VALUES ('2', 1)",
		"INSERT INTO sdec VALUES (21, 1)",
		"INSERT INTO sw VALUES ('2020-01-01 10:00:00', 1)",
	)
	wantUnsupported(ctx, t, proxy, []any{"20200104", 4}, "INSERT INTO su VALUES (?, ?)")
	for _, q := range []string{
		"INSERT INTO su VALUES ('2020-01-02', 1), ('2020-01-03', 2), ('2020-01-04', 3), ('2020-01-05', 4)",
		"INSERT INTO sv VALUES ('a', 1), ('b', 2), ('c', 3)",
		"INSERT INTO sdec VALUES (2021, 1), ('1999', 2), (2005, 3)",
	} {
		mustExec(t, proxy, q)
		mustExec(t, direct, q)
	}
	compareSessions(ctx, t, proxy, direct, 1, []scriptStep{
		{0, "SELECT k FROM su WHERE id = '20200102'", nil},
		{0, "SELECT k FROM su WHERE id = 20200103", nil},
		{0, "SELECT k FROM su WHERE id IN ('2020/01/04', '2020-01-02') ORDER BY k", nil},
		{0, "SELECT k FROM su WHERE id = '2020-01-05 00:00:00'", nil},
		{0, "SELECT k FROM su WHERE id = ?", []any{"20200105"}},
		{0, "UPDATE su SET k = k + 10 WHERE id = '20200102'", nil},
		{0, "DELETE FROM su WHERE id = '2020.01.03'", nil},
		{0, "SELECT id, k FROM su ORDER BY id", nil},
		{0, "SELECT k FROM sv WHERE name = 1", nil},
		{0, "SELECT k FROM sv WHERE name = 'B'", nil},
		{0, "SELECT k FROM sv WHERE name = '3'", nil},
		{0, "SELECT k FROM sdec WHERE d = 21", nil},
		{0, "SELECT k FROM sdec WHERE d = '99'", nil},
		{0, "SELECT k FROM sdec WHERE d IN (5, 2021) ORDER BY k", nil},
		{0, "SELECT COUNT(*), COUNT(DISTINCT id) FROM su", nil},
	})
}
